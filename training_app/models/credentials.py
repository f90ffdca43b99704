"""One-time codes that let a person take up or recover their own account, and the failed
sign-in attempts counted against an account or an address."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class AccessCode(db.Model):
    """A code handed to one person on paper (a claim code on the trainer's roster slips, or a
    reset code): it sets their PIN or password once, before it expires. Only a keyed hash of
    the code is kept."""

    __tablename__ = "access_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))  # claim, pin-reset, password-reset
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(120))


class FailedAttempt(db.Model):
    """A refused sign-in (or claim) counted against a key ("account:..." or "address:...");
    the embedded store for limits that every worker must share."""

    __tablename__ = "failed_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
