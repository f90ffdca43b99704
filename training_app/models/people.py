"""People who learn (peacekeepers) and staff accounts (trainer, HQ, admin)."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .. import pins
from ..extensions import db
from .base import UTCDateTime, utcnow
from .mission import Contingent, Mission


class Person(UserMixin, db.Model):
    """A peacekeeper, known by personnel number within a mission; signs in with a PIN."""

    __tablename__ = "person"
    __table_args__ = (
        UniqueConstraint("mission_id", "personnel_number"),
        # the HQ completion matrix and trend read these alone, even for a million people
        Index("ix_person_matrix", "mission_id", "contingent_id", "category", "completed_at",
              "created_at", "certificate_status"),
        Index("ix_person_completed", "mission_id", "completed_at"),
        Index("ix_person_removed_key", "mission_id", "removed_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("mission.id"), index=True)
    personnel_number: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40), index=True)
    contingent_id: Mapped[int | None] = mapped_column(ForeignKey("contingent.id"), index=True)
    language: Mapped[str] = mapped_column(String(5), default="en")
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the module was completed: a copy of Completion.completed_at, kept by
    # learn.services.record_completion, so reports need not join a million completions.
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the profile (name, category, contingent, language, PIN) last changed: decides which
    # copy wins when a camp server's bundle meets HQ's record of the same person.
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    # "valid" or "revoked": the state of the person's latest certificate, kept by the
    # certificate operations so that reports tell certified, revoked and not yet apart
    certificate_status: Mapped[str | None] = mapped_column(String(8))
    # raised to end every session of the account at once (sign-out, new PIN, reset)
    session_version: Mapped[int] = mapped_column(default=0)
    # after a failed quiz: the slides behind what was missed, not yet opened again; the next
    # attempt waits until it is empty
    review_slides: Mapped[list | None] = mapped_column(JSON)
    # Erased on request, or pruned after the mission's retention period (training_app.privacy):
    # the row stays, without name, number or PIN, so that HQ's totals stay right; removed_key
    # is a keyed fingerprint of the former number, so a camp's bundle cannot bring it back
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pruned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_key: Mapped[str | None] = mapped_column(String(64))

    mission: Mapped[Mission] = relationship()
    contingent: Mapped[Contingent | None] = relationship()

    is_learner = True
    role = "learner"
    PROFILE = ("name", "personnel_number", "category", "contingent_id", "language", "pin_hash")

    @property
    def removed(self) -> bool:
        """The person's details were erased or pruned."""
        return self.erased_at is not None or self.pruned_at is not None

    @property
    def account_key(self) -> str:
        """Names the account, the same across its sessions (a device's offline queue)."""
        return f"p:{self.id}"

    def get_id(self) -> str:
        return f"{self.account_key}.{self.session_version}"

    def set_pin(self, pin: str) -> None:
        """Keep the PIN peppered and hashed (pins.py); checking it is pins.check_pin."""
        self.pin_hash = pins.hash_pin(pin)


class User(UserMixin, db.Model):
    """A staff account: trainer or HQ (scoped to a mission) or admin (all missions)."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10))
    mission_id: Mapped[int | None] = mapped_column(ForeignKey("mission.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(5), default="en")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    session_version: Mapped[int] = mapped_column(default=0)

    mission: Mapped[Mission | None] = relationship()

    is_learner = False

    @property
    def account_key(self) -> str:
        return f"u:{self.id}"

    def get_id(self) -> str:
        return f"{self.account_key}.{self.session_version}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


@event.listens_for(Person, "before_update")
def _profile_changed(mapper, connection, person: Person) -> None:
    state = inspect(person)
    if any(state.attrs[name].history.has_changes() for name in Person.PROFILE) and \
            not state.attrs["updated_at"].history.has_changes():
        person.updated_at = utcnow()
