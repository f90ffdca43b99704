"""What a learner has done: slides seen, case studies answered, quiz attempts, completion."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class SlideView(db.Model):
    """First time a person saw a slide; later views are not counted again."""

    __tablename__ = "slide_view"
    __table_args__ = (UniqueConstraint("person_id", "slide_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    slide_id: Mapped[str] = mapped_column(String(60))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseStudyResponse(db.Model):
    __tablename__ = "case_study_response"
    __table_args__ = (UniqueConstraint("person_id", "case_study_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    case_study_id: Mapped[str] = mapped_column(String(60))
    answer: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuizAttempt(db.Model):
    """One sitting of the quiz: the statements drawn, and once submitted, answers and score.

    The token is handed out with the quiz page; a submission marks the attempt submitted in
    one conditional UPDATE, so a second submission of the same page changes nothing.
    """

    __tablename__ = "quiz_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    quiz_id: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(5))
    statement_ids: Mapped[list] = mapped_column(JSON)
    answers: Mapped[dict | None] = mapped_column(JSON)
    # statements made for this attempt from mission facts: {id: {"answer": bool, ...}}
    mission_statements: Mapped[dict | None] = mapped_column(JSON)
    correct: Mapped[int | None]
    total: Mapped[int]
    passed: Mapped[bool | None]
    mode: Mapped[str] = mapped_column(String(10), default="online")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    @property
    def score(self) -> float | None:
        return None if self.correct is None else self.correct / self.total


class Completion(db.Model):
    __tablename__ = "completion"
    __table_args__ = (UniqueConstraint("person_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    module_id: Mapped[str] = mapped_column(String(40))
    content_version: Mapped[str] = mapped_column(String(60))
    completed_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, index=True)


class OfflineEvent(db.Model):
    """Something a learner did offline, sent later from their device. Its id is made on the
    device, so a replay of the same queue is recognised and counted once."""

    __tablename__ = "offline_event"
    __table_args__ = (UniqueConstraint("person_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    event_id: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
