"""Cohorts: a classroom (or self-paced) session for one or more contingents, and who is in it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Date, ForeignKey, String, Table, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .mission import Contingent, Mission
from .people import Person, User

cohort_contingent = Table(
    "cohort_contingent", db.metadata,
    Column("cohort_id", ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True),
    Column("contingent_id", ForeignKey("contingent.id", ondelete="CASCADE"), primary_key=True),
)
cohort_trainer = Table(
    "cohort_trainer", db.metadata,
    Column("cohort_id", ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
)


class Cohort(db.Model):
    __tablename__ = "cohort"

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("mission.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    session_date: Mapped[date] = mapped_column(Date, index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(5), default="en")
    delivery_mode: Mapped[str] = mapped_column(String(12), default="classroom")
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    current_slide: Mapped[int] = mapped_column(default=1)
    # the classroom (train/classroom.py): a blanked projector, and the session clock as the
    # time of its finished runs plus, while it runs, the moment the current run began
    projector_blank: Mapped[bool] = mapped_column(default=False, server_default=false())
    clock_run_ms: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    clock_running_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    mission: Mapped[Mission] = relationship()
    contingents: Mapped[list[Contingent]] = relationship(secondary=cohort_contingent)
    trainers: Mapped[list[User]] = relationship(secondary=cohort_trainer)


class Enrolment(db.Model):
    __tablename__ = "enrolment"
    __table_args__ = (UniqueConstraint("cohort_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"),
                                           index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    attended: Mapped[bool] = mapped_column(default=False)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship()
    person: Mapped[Person] = relationship()
