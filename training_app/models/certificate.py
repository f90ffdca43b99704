"""Completion certificates: a human-typable code and a signed token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .people import Person


class Certificate(db.Model):
    __tablename__ = "certificate"
    # each certificate's place (bit) in its mission's revocation status list
    __table_args__ = (UniqueConstraint("mission_id", "status_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("mission.id"))
    status_index: Mapped[int] = mapped_column()
    module_id: Mapped[str] = mapped_column(String(40))
    content_version: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(5))
    token: Mapped[str] = mapped_column(Text)
    # the name the certificate was signed with: what its PDF prints and its check shows, even
    # if the person's record is corrected later (a new name needs a new certificate)
    holder_name: Mapped[str] = mapped_column(String(200), default="")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the end of its validity when the mission limits it (signed into the token); None: for good
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # seen by mission HQ only, never on the public check or by the holder
    revoked_reason: Mapped[str | None] = mapped_column(String(500))
    revoked_by: Mapped[str | None] = mapped_column(String(120))

    person: Mapped[Person] = relationship()
