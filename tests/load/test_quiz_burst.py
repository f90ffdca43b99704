"""Hundreds of quiz submissions at once against a real gunicorn on loopback: none lost, none
counted twice, even when a worker is killed mid-burst and clients resend."""

from __future__ import annotations

import http.client
import http.cookiejar
import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from training_app.extensions import db
from training_app.models import Mission, Person, QuizAttempt
from training_app.models.base import utcnow
from training_app.pins import hash_pin

from .conftest import gunicorn

LEARNERS = 300
PIN = "burst-pin-1"
SETUP_TIMEOUT = 600


@pytest.fixture
def server(app, tmp_path):
    """The test's database, filled with learners, served by gunicorn (3 workers)."""
    mission = Mission(code="UNLOAD", name="Load Mission")
    db.session.add(mission)
    db.session.flush()
    hashed = hash_pin(PIN)  # the product's own hash: signing in does not rehash it
    db.session.execute(Person.__table__.insert(), [
        {"mission_id": mission.id, "personnel_number": f"L-{i:04d}", "name": f"Load {i}",
         "category": "military-contingent", "language": "en", "pin_hash": hashed,
         "created_at": utcnow()} for i in range(LEARNERS)])
    db.session.commit()
    with gunicorn(app, tmp_path, GUNICORN_THREADS="4") as running:
        yield running


class Learner:
    def __init__(self, base: str, number: str):
        self.base = base
        self.number = number
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())

    def request(self, path, data=None, timeout=30):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def prepare(self):
        """Sign in and open the quiz. Not what the test measures: on a busy machine it waits
        as long as it takes (minutes, not the 30 seconds a submission may take)."""
        _s, page = self.request("/en/login", timeout=SETUP_TIMEOUT)
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        status, _b = self.request("/en/login", {"csrf_token": csrf,
                                                "personnel_number": self.number, "pin": PIN},
                                  timeout=SETUP_TIMEOUT)
        assert status == 302, status
        _s, page = self.request("/en/quiz", timeout=SETUP_TIMEOUT)
        self.token = re.search(r'action="/en/quiz/([^"]+)"', page).group(1)
        ids = re.findall(r'name="s-([a-z0-9-]+)" value="true"', page)
        self.form = {"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                                             page).group(1)}
        self.form.update({f"s-{sid}": "true" for sid in ids})

    def submit(self):
        """Send the quiz; on a dropped connection or timeout, resend (as a browser user
        would). Returns True once the server acknowledged it."""
        for _ in range(5):
            try:
                status, _b = self.request(f"/en/quiz/{self.token}", self.form, timeout=20)
                if status == 302:
                    return True
            except (OSError, urllib.error.URLError, http.client.HTTPException):
                time.sleep(0.3)
        return False


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

    def http_error_302(self, req, fp, code, msg, headers):
        return fp


def submitted_counts():
    db.session.expire_all()
    return dict(db.session.execute(
        select(QuizAttempt.person_id, func.count(QuizAttempt.id))
        .where(QuizAttempt.submitted_at.is_not(None)).group_by(QuizAttempt.person_id)).all())


@pytest.mark.load
def test_burst_of_submissions_none_lost_none_duplicated(server):
    base, proc = server
    learners = [Learner(base, f"L-{i:04d}") for i in range(LEARNERS)]
    with ThreadPoolExecutor(32) as pool:
        list(pool.map(Learner.prepare, learners))

    # every learner double-clicks: two submissions of the same page at the same moment;
    # in the middle of the burst one worker is killed
    start = threading.Barrier(len(learners) * 2 + 1)

    def go(learner):
        start.wait()
        return learner.submit()

    def kill_a_worker():
        start.wait()
        time.sleep(0.3)
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True,
                                  text=True).stdout.split()
        if children:
            os.kill(int(children[0]), signal.SIGKILL)
            return int(children[0])
        return None

    with ThreadPoolExecutor(len(learners) * 2 + 1) as pool:
        killer = pool.submit(kill_a_worker)
        acknowledged = list(pool.map(go, learners + learners))
        assert killer.result() is not None, "no worker was killed"
    assert all(acknowledged), f"{acknowledged.count(False)} submissions never acknowledged"

    counts = submitted_counts()
    people = {p.id for p in db.session.scalars(select(Person).join(Mission).where(
        Mission.code == "UNLOAD"))}
    lost = people - set(counts)
    duplicated = {pid: n for pid, n in counts.items() if n > 1}
    assert not lost, f"{len(lost)} learners' submissions lost"
    assert not duplicated, f"{len(duplicated)} learners counted twice"
