"""Who changed what: every trainer, HQ and admin change, and every certificate issued."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(120), default="")
    mission_id: Mapped[int | None] = mapped_column(ForeignKey("mission.id"), index=True)
    details: Mapped[dict | None] = mapped_column(JSON)


def record(actor: str, action: str, target: str = "", mission_id: int | None = None,
           **details) -> AuditEvent:
    event = AuditEvent(actor=actor, action=action, target=target, mission_id=mission_id,
                       details=details or None)
    db.session.add(event)
    return event
