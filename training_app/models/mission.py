"""A peacekeeping mission, its settings and its contingents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class Mission(db.Model):
    __tablename__ = "mission"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    focal_point_name: Mapped[str] = mapped_column(String(200), default="")
    focal_point_contact: Mapped[str] = mapped_column(String(200), default="")
    alternate_name: Mapped[str] = mapped_column(String(200), default="")
    alternate_contact: Mapped[str] = mapped_column(String(200), default="")
    offlimits_directive: Mapped[str] = mapped_column(String(200), default="")
    self_registration: Mapped[bool] = mapped_column(default=True)
    # What the mission's certificates name as issuer and signatory, and a second language
    # ("", "en" or "fr") printed beside the holder's for verifiers who do not read it
    certificate_unit: Mapped[str] = mapped_column(String(200), default="", server_default="")
    certificate_signatory_name: Mapped[str] = mapped_column(String(200), default="",
                                                            server_default="")
    certificate_signatory_title: Mapped[str] = mapped_column(String(200), default="",
                                                             server_default="")
    certificate_second_language: Mapped[str] = mapped_column(String(5), default="",
                                                             server_default="")
    # how many days a certificate stays valid after it is issued; None: for good
    certificate_valid_days: Mapped[int | None] = mapped_column()
    # months after a person's last activity that their personal data is kept; None: until
    # the mission deletes it (`flask data prune` does nothing for the mission)
    retention_months: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contingents: Mapped[list[Contingent]] = relationship(
        back_populates="mission", order_by="Contingent.country"
    )


class Contingent(db.Model):
    __tablename__ = "contingent"
    __table_args__ = (UniqueConstraint("mission_id", "country", "unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("mission.id"), index=True)
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    unit: Mapped[str] = mapped_column(String(120))

    mission: Mapped[Mission] = relationship(back_populates="contingents")
