"""Two application servers (separate gunicorn processes, each with its own instance folder)
on one PostgreSQL database and one Redis, sharing only what the deployment shares: the
secret key file, the signing keys folder and TRAINING_REDIS_URL. What one server does, the
other sees: a learner's session, the sign-in limit, a quiz sent once, a certificate, the
presenter's slide."""

from __future__ import annotations

import os
import re
import threading
from datetime import date

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from training_app.certificates import signing
from training_app.extensions import db
from training_app.models import (
    Certificate,
    Completion,
    Contingent,
    Mission,
    Person,
    QuizAttempt,
    User,
)
from training_app.models.base import utcnow

from ..conftest import PG_URL
from .conftest import gunicorn
from .test_login_limits import Client

pytestmark = [
    pytest.mark.load, pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="two application servers share one PostgreSQL "
                       "database: this runs on the PostgreSQL pass (set "
                       "TRAINING_TEST_DATABASE_URL), not on SQLite"),
]

PIN = "two-servers-1"
# a Redis database of this test's own (flushed at the start): parallel runs of the other
# load tests use db 15
REDIS_URL = os.environ.get("TRAINING_TEST_SHARED_REDIS_URL", "redis://127.0.0.1:6379/14")
WRONG_PIN_LIMIT = 4


def own_redis():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("TRAINING_REQUIRE_SERVICES"):
            pytest.fail(f"Redis is required here but {REDIS_URL} does not answer: {exc}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}; set TRAINING_TEST_SHARED_REDIS_URL")
    client.flushdb()
    return client


@pytest.fixture
def records(app):
    mission = Mission(code="UNTWO", name="Two Servers Mission")
    db.session.add(mission)
    db.session.flush()
    db.session.add(Contingent(mission_id=mission.id, country="GH", unit="GHANBATT"))
    cheap = generate_password_hash(PIN, method="pbkdf2:sha256:1000")
    db.session.execute(Person.__table__.insert(), [
        {"mission_id": mission.id, "personnel_number": f"T-{i}", "name": f"Person {i}",
         "category": "police", "language": "en", "pin_hash": cheap, "created_at": utcnow()}
        for i in range(3)])
    trainer = User(username="trainer2", name="Trainer", role="trainer", mission_id=mission.id)
    trainer.set_password("trainer-pass-2")
    db.session.add(trainer)
    db.session.commit()
    from training_app.train import services

    cohort = services.save_cohort(
        None, mission.id, "test", name="Induction", session_date=date(2026, 11, 23),
        place="HQ", language="en", delivery_mode="classroom",
        contingent_ids=[mission.contingents[0].id], trainer_ids=[trainer.id])
    return {"cohort": cohort.id, "people": {
        p.personnel_number: p.id for p in db.session.scalars(
            select(Person).where(Person.mission_id == mission.id))}}


@pytest.fixture
def servers(app, tmp_path, records):
    own_redis()
    secret = tmp_path / "secret_key"
    secret.write_text("one-secret-for-every-server\n")
    shared = {"TRAINING_SECRET_KEY": "", "TRAINING_SECRET_KEY_FILE": str(secret),
              "TRAINING_KEYS_DIR": str(tmp_path / "shared-keys"),
              "TRAINING_REDIS_URL": REDIS_URL,
              "TRAINING_LOGIN_RATE_LIMIT": f"{WRONG_PIN_LIMIT} per 15 minutes"}
    with gunicorn(app, tmp_path, workers=2, TRAINING_INSTANCE_PATH=str(tmp_path / "a"),
                  **shared) as (a, _pa), \
         gunicorn(app, tmp_path, workers=2, TRAINING_INSTANCE_PATH=str(tmp_path / "b"),
                  **shared) as (b, _pb):
        yield a, b


def on_both(a: str, b: str) -> tuple[Client, Client]:
    """One browser: a client for each server, holding the same cookies."""
    first, second = Client(a), Client(b)
    second.cookies = first.cookies
    return first, second


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_two_servers_behave_as_one(app, servers, records):
    a, b = servers
    for base in (a, b):
        ready = Client(base).request("GET", "/readyz")
        assert ready[0] == 200 and '"redis":"ok"' in ready[1].replace(" ", ""), ready

    # a learner signs in on A and continues on B with the same cookie
    on_a, on_b = on_both(a, b)
    assert on_a.sign_in("T-0", PIN) == 302
    status, page = on_b.request("GET", "/en/quiz")
    assert status == 200 and 'action="/en/quiz/' in page

    # the quiz sent to both servers at the same moment is counted once
    token = re.search(r'action="/en/quiz/([^"]+)"', page).group(1)
    form = {"csrf_token": csrf(page)}
    form.update({f"s-{sid}": "true"
                 for sid in re.findall(r'name="s-([a-z0-9-]+)" value="true"', page)})
    start, answers = threading.Barrier(2), {}

    def send(name, client):
        start.wait()
        answers[name] = client.request("POST", f"/en/quiz/{token}", form)[0]

    threads = [threading.Thread(target=send, args=pair) for pair in (("a", on_a),
                                                                      ("b", on_b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert answers == {"a": 302, "b": 302}
    db.session.expire_all()
    assert db.session.scalar(select(func.count(QuizAttempt.id)).where(
        QuizAttempt.person_id == records["people"]["T-0"],
        QuizAttempt.submitted_at.is_not(None))) == 1

    # wrong PINs alternately on A and B: the limit counts them together (in Redis)
    statuses = [Client(a if i % 2 else b, "127.0.0.7").sign_in("T-1", "wrong")
                for i in range(WRONG_PIN_LIMIT + 2)]
    assert statuses == [200] * WRONG_PIN_LIMIT + [429] * 2, statuses
    import redis

    assert redis.Redis.from_url(REDIS_URL).keys("fail:*"), "the limit was not kept in Redis"

    # a certificate issued by A verifies on B: its register and its published keys
    person = records["people"]["T-2"]
    db.session.add(Completion(person_id=person, module_id="sgtm1", content_version="v1"))
    db.session.commit()
    holder = Client(a)
    assert holder.sign_in("T-2", PIN) == 302
    assert holder.request("GET", "/en/certificate")[0] == 200
    db.session.expire_all()
    cert = db.session.scalar(select(Certificate).where(Certificate.person_id == person))
    assert cert is not None, "server A issued no certificate"
    status, page = Client(b).request("GET", f"/en/verify/{cert.code}")
    assert status == 200 and "Person 2" in page
    import json

    status, keys = Client(b).request("GET", "/verify/keys.json")
    published = signing.keys_from_document(json.loads(keys))
    assert signing.verify_token(cert.token, published)["code"] == cert.code

    # the projector on B follows the presenter on A
    presenter, projector = on_both(a, b)
    _s, page = presenter.request("GET", "/en/staff/login")
    status, _p = presenter.request("POST", "/en/staff/login", {
        "csrf_token": csrf(page), "username": "trainer2", "password": "trainer-pass-2"})
    assert status == 302
    cohort = records["cohort"]
    _s, page = presenter.request("GET", f"/en/train/cohorts/{cohort}/present/1")
    status, _p = presenter.request("POST", f"/en/train/cohorts/{cohort}/go",
                                   {"csrf_token": csrf(page), "number": "5"})
    assert status == 302
    status, state = projector.request("GET", f"/en/train/cohorts/{cohort}/state.json")
    assert status == 200 and json.loads(state)["slide"] == 5
