"""Camp servers and mission HQ: which servers' bundles HQ trusts, and which it has applied."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class SyncSource(db.Model):
    """A server (a contingent's camp, for example) whose signed bundles this server accepts.

    Its public key also verifies the certificates that server issued."""

    __tablename__ = "sync_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kid: Mapped[str] = mapped_column(String(60), unique=True)
    public_key: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by: Mapped[str] = mapped_column(String(120), default="")


class SyncImport(db.Model):
    """A bundle applied here: importing it again changes nothing."""

    __tablename__ = "sync_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    bundle_id: Mapped[str] = mapped_column(String(60), unique=True)
    source: Mapped[str] = mapped_column(String(120))
    kid: Mapped[str] = mapped_column(String(60))
    mission_id: Mapped[int] = mapped_column(ForeignKey("mission.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(120))
    counts: Mapped[dict] = mapped_column(JSON)
