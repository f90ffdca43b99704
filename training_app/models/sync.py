"""Camp servers and mission HQ: which servers' bundles HQ trusts (for which mission), which
it has applied, and which HQ a camp seals its bundles to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class SyncSource(db.Model):
    """A server (a contingent's camp, for example) whose signed bundles this server accepts
    for one mission: a key trusted for mission A cannot touch mission B. The same key may be
    trusted for several missions, one row each.

    Its public key also verifies the certificates that server issued. A row without a mission
    (trusted before trust was per mission) verifies certificates only."""

    __tablename__ = "sync_source"
    __table_args__ = (UniqueConstraint("kid", "mission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kid: Mapped[str] = mapped_column(String(60))
    mission_id: Mapped[int | None] = mapped_column(ForeignKey("mission.id"), index=True)
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


class SyncRecipient(db.Model):
    """On a camp server: the mission HQ whose sealing key (X25519) this mission's bundles are
    encrypted to, so that only that HQ can read them."""

    __tablename__ = "sync_recipient"

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("mission.id"), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kid: Mapped[str] = mapped_column(String(60))
    public_key: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by: Mapped[str] = mapped_column(String(120), default="")
