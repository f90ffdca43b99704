"""PINs as they are kept: peppered argon2id, older hashes replaced on sign-in, a classroom
that signs in at once told to wait a moment, and a learner's device that stays signed in."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from training_app import pins
from training_app.extensions import db
from training_app.models import Person

from .conftest import Actions


def _stored(number="P-001") -> str:
    db.session.expire_all()
    return db.session.scalar(select(Person.pin_hash).where(Person.personnel_number == number))


def test_the_database_alone_cannot_test_a_pin(app, make_person):
    make_person(pin="246810")
    stored = _stored()
    assert "246810" not in stored
    kind, _pepper_id, digest = stored.split("$", 2)
    assert kind == pins.PREFIX and digest.startswith("$argon2id$")
    # a thief with the table tries the PIN against the argon2id hash: it does not match,
    # because the pepper (outside the database) went into it
    with pytest.raises(VerificationError):
        PasswordHasher().verify(digest, "246810")


def test_the_pepper_lives_in_the_instance_folder_not_the_database(app, make_person, client):
    make_person(pin="246810")
    pepper_file = app.instance_path + "/" + pins.PEPPER_FILE
    with open(pepper_file) as fh:
        pepper = fh.read().strip()
    assert len(pepper) == 64
    assert pepper not in _stored()
    assert Actions(client).login().status_code == 302


def test_another_servers_pepper_does_not_sign_in(app, make_person, client):
    make_person(pin="246810")
    app.extensions.pop("pin_pepper")
    app.config["PIN_PEPPER"] = "another server's pepper"
    response = Actions(client).login()
    assert response.status_code == 200
    assert "do not match" in response.get_data(as_text=True)


def test_an_older_hash_still_signs_in_and_is_replaced_once(app, make_person, client):
    person = make_person()
    old = generate_password_hash("246810")  # the scrypt hashes kept before
    db.session.execute(Person.__table__.update().where(Person.id == person.id).values(
        pin_hash=old))
    db.session.commit()
    updated_at = db.session.get(Person, person.id).updated_at
    assert Actions(client).login().status_code == 302
    replaced = _stored()
    assert replaced.startswith(pins.PREFIX + "$")
    # a profile change would make a camp's older copy of the person lose to this one
    assert db.session.get(Person, person.id).updated_at == updated_at
    # a current hash is not written again
    second = app.test_client()
    assert Actions(second).login().status_code == 302
    assert _stored() == replaced


def test_a_wrong_pin_against_an_older_hash_changes_nothing(app, make_person, client):
    person = make_person()
    old = generate_password_hash("246810")
    db.session.execute(Person.__table__.update().where(Person.id == person.id).values(
        pin_hash=old))
    db.session.commit()
    assert Actions(client).login(pin="999999").status_code == 200
    assert _stored() == old


def test_a_sign_in_that_finds_every_core_busy_is_asked_to_come_back(app, make_person,
                                                                      client):
    make_person()
    app.config.update(PIN_HASH_SLOTS=1, PIN_HASH_WAIT=0)
    html = client.get("/fr/login").get_data(as_text=True)
    from .conftest import csrf_from

    token = csrf_from(html)
    with pins.hashing_slot():  # another sign-in holds the only core
        response = client.post("/fr/login", data={"csrf_token": token,
                                                  "personnel_number": "P-001",
                                                  "pin": "246810"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "De nombreuses personnes se connectent en ce moment" in response.get_data(
        as_text=True)
    # the core free again, the same form goes through
    response = client.post("/fr/login", data={"csrf_token": token,
                                              "personnel_number": "P-001", "pin": "246810"})
    assert response.status_code == 302


def test_a_learners_device_stays_signed_in_for_the_course(app, make_person, client):
    make_person()
    response = Actions(client).login()
    cookie = next(c for c in response.headers.getlist("Set-Cookie")
                  if c.startswith("remember_token="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Max-Age=2592000" in cookie or "Expires=" in cookie
    # the browser closed: only the long-lived cookie is left, and it still signs in
    client.delete_cookie("session", domain="training.test")
    assert client.get_cookie("session", domain="training.test") is None
    page = client.get("/en/case-studies")
    assert page.status_code == 200
