"""Many writers at once on the embedded SQLite database, served by a real gunicorn: 300
learners opening slides and answering case studies while 30 devices each send a queue of 300
events. Every request is answered, nothing is lost, nothing is counted twice."""

from __future__ import annotations

import json
import re
import threading
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from training_app.content import get_content
from training_app.extensions import db
from training_app.models import CaseStudyResponse, Mission, OfflineEvent, Person, SlideView
from training_app.models.base import utcnow

from .conftest import gunicorn
from .test_quiz_burst import Learner

LEARNERS = 300
DEVICES = 30
EVENTS = 300
PIN = "burst-pin-1"
SLIDES_OPENED = 4  # by each learner, on the pages


@pytest.fixture
def server(app, tmp_path):
    mission = Mission(code="UNBUSY", name="Busy Mission")
    db.session.add(mission)
    db.session.flush()
    cheap = generate_password_hash(PIN, method="pbkdf2:sha256:1000")  # fast logins for load
    db.session.execute(Person.__table__.insert(), [
        {"mission_id": mission.id, "personnel_number": f"W-{i:04d}", "name": f"Writer {i}",
         "category": "military-contingent", "language": "en", "pin_hash": cheap,
         "created_at": utcnow()} for i in range(LEARNERS + DEVICES)])
    db.session.commit()
    with gunicorn(app, tmp_path, GUNICORN_THREADS="8") as running:
        yield running


class Writer(Learner):
    def sign_in(self):
        _s, page = self.request("/en/login", timeout=600)
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        status, _b = self.request("/en/login", {"csrf_token": csrf, "personnel_number":
                                                self.number, "pin": PIN}, timeout=600)
        assert status == 302, status
        _s, page = self.request("/en/case-studies/" + CASES[0], timeout=600)
        self.csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    def study(self):
        """Open the first slides, then answer the first case study: each a write. The
        wait allowed is long: this counts errors, whatever the machine's speed."""
        statuses = [self.request(f"/en/slides/{n}", timeout=600)[0]
                    for n in range(1, SLIDES_OPENED + 1)]
        statuses.append(self.request(f"/en/case-studies/{CASES[0]}", {
            "csrf_token": self.csrf, "answer": f"My answer to {CASES[0]}, in full."},
            timeout=600)[0])
        return statuses

    def send_queue(self, slides: int):
        _s, body = self.request("/en/offline/token", timeout=600)
        token = json.loads(body)["csrf_token"]
        events = [{"id": str(uuid.uuid4()), "kind": "slide", "number": 1 + i % slides}
                  if i % 3 else
                  {"id": str(uuid.uuid4()), "kind": "case", "case_id": CASES[i % len(CASES)],
                   "answer": f"Offline answer number {i}, written on the device."}
                  for i in range(EVENTS)]
        request = urllib.request.Request(
            self.base + "/en/offline/sync", data=json.dumps({"events": events}).encode(),
            headers={"Content-Type": "application/json", "X-CSRFToken": token})
        try:
            with self.opener.open(request, timeout=600) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()[:300]


CASES: list[str] = []


@pytest.mark.load
def test_learners_and_devices_writing_together_get_no_errors(server):
    base, _proc = server
    content = get_content()
    CASES[:] = list(content.case_study_ids)
    slides = len(content.slides)
    learners = [Writer(base, f"W-{i:04d}") for i in range(LEARNERS)]
    devices = [Writer(base, f"W-{i:04d}") for i in range(LEARNERS, LEARNERS + DEVICES)]
    with ThreadPoolExecutor(32) as pool:
        list(pool.map(Writer.sign_in, learners + devices))

    start = threading.Barrier(LEARNERS + DEVICES)

    def learner_goes(writer):
        start.wait()
        return writer.study()

    def device_goes(writer):
        start.wait()
        return writer.send_queue(slides)

    with ThreadPoolExecutor(LEARNERS + DEVICES) as pool:
        studied = [pool.submit(learner_goes, w) for w in learners]
        sent = [pool.submit(device_goes, w) for w in devices]
        studied = [f.result() for f in studied]
        sent = [f.result() for f in sent]

    failed_pages = [s for statuses in studied for s in statuses if s not in (200, 302)]
    assert not failed_pages, f"{len(failed_pages)} learner requests failed: {set(failed_pages)}"
    failed_syncs = [s for s, _b in sent if s != 200]
    assert not failed_syncs, f"{len(failed_syncs)} of {DEVICES} syncs failed: {failed_syncs}"
    for _status, body in sent:
        outcomes = {r["status"] for r in body["results"]}
        assert outcomes == {"applied"}, outcomes

    db.session.expire_all()
    people = select(Person.id).join(Mission).where(Mission.code == "UNBUSY")
    events = dict(db.session.execute(
        select(OfflineEvent.person_id, func.count()).where(OfflineEvent.person_id.in_(people))
        .group_by(OfflineEvent.person_id)).all())
    assert len(events) == DEVICES and set(events.values()) == {EVENTS}
    views = db.session.scalar(select(func.count()).select_from(SlideView).where(
        SlideView.person_id.in_(people)))
    # each slide once per person who opened it, never twice
    assert views == LEARNERS * SLIDES_OPENED + DEVICES * slides
    answers = db.session.scalar(select(func.count()).select_from(CaseStudyResponse).where(
        CaseStudyResponse.person_id.in_(people)))
    assert answers == LEARNERS + DEVICES * len(CASES)
