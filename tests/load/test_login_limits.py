"""Sign-in limits against a real gunicorn with several workers: the limit is the configured
one however the requests are spread over the workers, in the database and in Redis; a forged
X-Forwarded-For changes nothing; correct sign-ins never count."""

from __future__ import annotations

import http.client
import os
import re
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest
from werkzeug.security import generate_password_hash

from training_app.extensions import db
from training_app.models import Mission, Person
from training_app.models.base import utcnow

from .conftest import gunicorn

PIN = "right-pin-1"
REDIS_URL = os.environ.get("TRAINING_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_or_skip():
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "no Redis here"
        if os.environ.get("TRAINING_REQUIRE_SERVICES"):
            pytest.fail(f"Redis is required here but {REDIS_URL} does not answer: {exc}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}; set TRAINING_TEST_REDIS_URL")
    client.flushdb()
    return REDIS_URL


class Client:
    """One browser from one address (127.0.0.x), with its own cookies."""

    def __init__(self, base: str, source: str = "127.0.0.1"):
        parsed = urllib.parse.urlparse(base)
        self.host, self.port, self.source = parsed.hostname, parsed.port, source
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form=None, headers=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30,
                                          source_address=(self.source, 0))
        body = urllib.parse.urlencode(form) if form is not None else None
        head = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                **(headers or {})}
        if body is not None:
            head["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body, head)
        response = conn.getresponse()
        text = response.read().decode()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _sep, rest = value.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        conn.close()
        return response.status, text

    def sign_in(self, number: str, pin: str, headers=None) -> int:
        _status, page = self.request("GET", "/en/login")
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        status, _text = self.request("POST", "/en/login", {
            "csrf_token": csrf, "personnel_number": number, "pin": pin}, headers)
        return status


@pytest.fixture
def people(app):
    mission = Mission(code="UNLIMIT", name="Limits Mission")
    db.session.add(mission)
    db.session.flush()
    cheap = generate_password_hash(PIN, method="pbkdf2:sha256:1000")
    db.session.execute(Person.__table__.insert(), [
        {"mission_id": mission.id, "personnel_number": f"A-{i:03d}", "name": f"Person {i}",
         "category": "police", "language": "en", "pin_hash": cheap, "created_at": utcnow()}
        for i in range(120)])
    db.session.commit()


@pytest.mark.load
@pytest.mark.parametrize("store", ["database", "redis"])
def test_limits_hold_across_workers(app, tmp_path, people, store):
    settings = {"TRAINING_LOGIN_RATE_LIMIT": "10 per 15 minutes",
                "TRAINING_LOGIN_ADDRESS_LIMIT": "25 per 15 minutes",
                # a proxy that is not us: a forged X-Forwarded-For from here is not believed
                "TRAINING_BEHIND_PROXY": "true", "TRAINING_TRUSTED_PROXIES": "10.9.9.9"}
    if store == "redis":
        settings["TRAINING_REDIS_URL"] = redis_or_skip()
    with gunicorn(app, tmp_path, workers=4, GUNICORN_THREADS="4", **settings) as (base, _p):
        # one account, wrong PINs one after another, spread over four workers
        statuses = [Client(base, "127.0.0.2").sign_in("A-000", "wrong") for _ in range(14)]
        assert statuses == [200] * 10 + [429] * 4, statuses
        # the right PIN, from a device that never signed in to it, waits as well
        assert Client(base, "127.0.0.2").sign_in("A-000", PIN) == 429

        # thirty guesses at once on another account: never more than ten get through
        with ThreadPoolExecutor(30) as pool:
            burst = list(pool.map(lambda _i: Client(base, "127.0.0.3").sign_in("A-001",
                                                                               "wrong"),
                                  range(30)))
        assert 1 <= burst.count(200) <= 10 and burst.count(200) + burst.count(429) == 30

        # a flood over many accounts from one address, each request with a forged
        # X-Forwarded-For: the address limit counts the real address
        flood = [Client(base, "127.0.0.4").sign_in(f"A-{10 + i:03d}", "wrong",
                                                   {"X-Forwarded-For": f"198.51.100.{i}"})
                 for i in range(30)]
        assert flood == [200] * 25 + [429] * 5, flood

        # a classroom behind one address signs in; correct PINs never count
        with ThreadPoolExecutor(20) as pool:
            room = list(pool.map(lambda i: Client(base, "127.0.0.5").sign_in(
                f"A-{40 + i:03d}", PIN), range(80)))
        assert room == [302] * 80
