"""Account lookup and sign-in rules, free of request globals."""

from __future__ import annotations

import unicodedata
from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Contingent, Mission, Person, User

# A hash to compare against when the account does not exist, so timing does not reveal it.
_DUMMY_HASH = "scrypt:32768:8:1$9TqKx1bX7mVJ0v9v$" + "0" * 128


def load_account(account_id: str):
    kind, _, raw = (account_id or "").partition(":")
    if not raw.isdigit():
        return None
    if kind == "p":
        # the mission comes along: every learner page shows its facts
        return db.session.get(Person, int(raw), options=[joinedload(Person.mission)])
    if kind == "u":
        user = db.session.get(User, int(raw))
        return user if user and user.active else None
    return None


def clean_text(value: str | None) -> str:
    """Normalise user-typed text: NFC, no control characters, single spaces, trimmed."""
    value = unicodedata.normalize("NFC", value or "")
    # drop control and format characters, but keep the right-to-left and left-to-right marks
    keep = {"\u200f", "\u200e"}
    value = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C" or ch in keep)
    return " ".join(value.split())


def clean_personnel_number(value: str | None) -> str:
    return clean_text(value).upper().replace(" ", "")


def authenticate_learner(mission_id: int, personnel_number: str, pin: str) -> Person | None:
    person = db.session.scalar(
        select(Person).where(Person.mission_id == mission_id,
                             Person.personnel_number == clean_personnel_number(personnel_number)))
    if person is None or not person.pin_hash:
        from werkzeug.security import check_password_hash

        check_password_hash(_DUMMY_HASH, pin)
        return None
    return person if person.check_pin(pin) else None


def authenticate_staff(username: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.username == clean_text(username).lower()))
    if user is None or not user.active:
        from werkzeug.security import check_password_hash

        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if user.check_password(password) else None


class AlreadyRegistered(Exception):
    pass


def register_learner(mission: Mission, personnel_number: str, name: str, category: str,
                     contingent: Contingent | None, language: str, pin: str) -> Person:
    """Self-service registration; the personnel number must be new in this mission."""
    number = clean_personnel_number(personnel_number)
    if db.session.scalar(select(Person.id).where(Person.mission_id == mission.id,
                                                 Person.personnel_number == number)):
        raise AlreadyRegistered(number)
    person = Person(mission_id=mission.id, personnel_number=number, name=clean_text(name),
                    category=category, contingent_id=contingent.id if contingent else None,
                    language=language)
    person.set_pin(pin)
    db.session.add(person)
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise AlreadyRegistered(number) from exc
    return person


def missions() -> list[Mission]:
    return list(db.session.scalars(select(Mission).order_by(Mission.name)))


def learner_required(view):
    """Only a signed-in peacekeeper; anonymous users go to sign in, staff get 403."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        if not current_user.is_learner:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def safe_next(target: str | None) -> str | None:
    """Only local paths are followed after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None
