"""With Redis configured, an uploaded roster is kept there, not in one server's instance
folder: the trainer may upload on one application server and preview and import on another."""

import os

import pytest

from training_app import create_app
from training_app.extensions import db
from training_app.train import uploads

from .conftest import ROOT, IsolatedClient, csrf_from
from .test_roster import ONE_PERSON, cohort, imports_dir, people_count, upload

__all__ = ["cohort"]  # fixture (the trainer fixture is the conftest one)


@pytest.fixture
def shared_redis(app):
    import redis

    client = redis.Redis.from_url(
        os.environ.get("TRAINING_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
        socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis to keep uploads in: {exc}")
    app.extensions["redis"] = client
    return client


def other_server(app, tmp_path, client):
    """A second application server: its own instance folder, the same database and Redis."""
    other = create_app({"TESTING": True, "SECRET_KEY": app.config["SECRET_KEY"],
                        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "RATELIMIT_ENABLED": False, "SERVER_NAME": "training.test",
                        "CONTENT_ROOT": str(ROOT)})
    other.instance_path = str(tmp_path / "other-instance")
    other.extensions["redis"] = client
    other.test_client_class = IsolatedClient
    return other


def test_a_roster_uploaded_on_one_server_is_imported_on_another(app, tmp_path, shared_redis,
                                                                trainer, cohort, mission):
    sent = upload(trainer, cohort, ONE_PERSON)
    assert sent.status_code == 302
    token = sent.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert shared_redis.exists(f"roster-upload:{token}:data")
    assert not imports_dir(app).exists() or not list(imports_dir(app).iterdir())

    other = other_server(app, tmp_path, shared_redis)
    browser = other.test_client()
    signed_in = trainer.client.get_cookie("session", domain="training.test")
    browser.set_cookie("session", signed_in.value, domain="training.test")
    page = browser.get(sent.headers["Location"])
    assert page.status_code == 200, page.status_code
    done = browser.post(sent.headers["Location"],
                        data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert done.status_code == 302
    assert people_count(mission) == 1
    assert not shared_redis.exists(f"roster-upload:{token}:data")  # deleted once imported
    with other.app_context():
        db.engine.dispose()  # the second server's connections, closed rather than collected


def test_an_upload_kept_in_redis_expires_by_itself(shared_redis):
    kept = uploads.RedisUploads(shared_redis, keep_seconds=60, prefix="test-expiry:")
    token = uploads.store(kept, b"data", {"cohort": 1})
    assert uploads.load(kept, token, 60) == (b"data", {"cohort": 1})
    assert 0 < shared_redis.ttl(f"test-expiry:{token}:data") <= 60
    uploads.discard(kept, token)
    assert uploads.load(kept, token, 60) is None
