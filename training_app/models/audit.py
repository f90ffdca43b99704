"""Who changed what: every trainer, HQ and admin change, every claim, reset and certificate."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class AuditEvent(db.Model):
    """One event. `actor` and `target` are "<kind>:<key>" (staff:3, learner:12, system:cli;
    person:12, certificate:ABCD2345, cohort:4, ...); the names beside them are copies taken at
    the time, so the log still reads as a record after a name changes. `person_id` and
    `cohort_id` say whom and which session the event concerns, for filtering."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(120), default="", index=True)
    target_label: Mapped[str] = mapped_column(String(200), default="")
    mission_id: Mapped[int | None] = mapped_column(ForeignKey("mission.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohort.id", ondelete="SET NULL"),
                                                  index=True)
    details: Mapped[dict | None] = mapped_column(JSON)
