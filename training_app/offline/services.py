"""Apply what a learner did offline, sent later from their device, exactly once.

Each event carries an id made on the device. An event already received is answered
"duplicate" and changes nothing, so a queue replayed after a dropped connection, or sent
twice by two open tabs, counts once. Each effect is idempotent on its own as well: a slide is
seen once, a quiz attempt is graded once (by its token), a case study answer is kept whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..content.loader import Content
from ..extensions import db
from ..learn import services as learn
from ..models import OfflineEvent, Person
from ..models.base import retry_when_busy

MAX_EVENTS = 500
EVENT_ID = re.compile(r"^[A-Za-z0-9-]{8,60}$")
KINDS = ("slide", "case", "quiz")


@dataclass
class Outcome:
    id: str
    status: str  # applied, duplicate, rejected
    reason: str = ""  # for "rejected": missing-answers, unknown-slide, ...

    def as_dict(self) -> dict:
        return {"id": self.id, "status": self.status, "reason": self.reason}


class Rejected(ValueError):
    pass


@dataclass(frozen=True)
class Context:
    """What applying an event needs besides the person: the language the device used and
    where the signing keys are (a quiz may complete the module)."""

    content: Content
    language: str
    instance_path: str


def apply_events(person: Person, events: list, context: Context) -> list[Outcome]:
    """Apply each event once; a bad event is rejected on its own and the others go on.
    The events follow the same rules as the pages they stand for."""
    return [_apply_one(person, raw, context) for raw in events[:MAX_EVENTS]]


@retry_when_busy
def _apply_one(person: Person, raw, context: Context) -> Outcome:
    event = raw if isinstance(raw, dict) else {}
    event_id = event.get("id")
    if not isinstance(event_id, str) or not EVENT_ID.match(event_id):
        return Outcome(str(event_id)[:60], "rejected", "bad-id")
    kind = event.get("kind")
    if db.session.scalar(select(OfflineEvent.id).where(
            OfflineEvent.person_id == person.id, OfflineEvent.event_id == event_id)):
        return Outcome(event_id, "duplicate")
    try:
        if kind not in KINDS:
            raise Rejected("unknown-kind")
        status = _APPLY[kind](person, event, context)
    except Rejected as exc:
        db.session.rollback()
        _remember(person, event_id, str(kind)[:20], "rejected")
        return Outcome(event_id, "rejected", str(exc))
    return Outcome(event_id, "applied" if _remember(person, event_id, kind, status)
                   else "duplicate")


def _remember(person: Person, event_id: str, kind: str, outcome: str) -> bool:
    """Note the event as received; False if a parallel request noted it first."""
    try:
        with db.session.begin_nested():
            db.session.add(OfflineEvent(person_id=person.id, event_id=event_id, kind=kind,
                                        outcome=outcome))
        db.session.commit()
        return True
    except IntegrityError:
        db.session.rollback()
        return False


def _slide(person: Person, event: dict, context: Context) -> str:
    number = event.get("number")
    slide = context.content.slide_by_number(number) if isinstance(number, int) else None
    if slide is None:
        raise Rejected("unknown-slide")
    learn.open_slide(person, slide.id)
    return "applied"


def _case(person: Person, event: dict, context: Context) -> str:
    case = context.content.case_study(str(event.get("case_id", "")))
    if case is None:
        raise Rejected("unknown-case-study")
    answer = event.get("answer")
    if not isinstance(answer, str):
        raise Rejected("no-answer")
    try:  # the page's own operation, with its rule
        learn.save_case_study_answer(person.id, case.id, answer)
    except learn.AnswerRefused as exc:
        raise Rejected(exc.reason) from exc
    return "applied"


def _quiz(person: Person, event: dict, context: Context) -> str:
    attempt = learn.own_attempt(person.id, str(event.get("token", "")))
    if attempt is None:
        raise Rejected("unknown-attempt")
    answers = event.get("answers")
    if not isinstance(answers, dict):
        raise Rejected("missing-answers")
    parsed, missing = learn.parse_answers(
        {str(k): v for k, v in answers.items() if isinstance(v, str)}, attempt.statement_ids)
    if missing:
        raise Rejected("missing-answers")
    learn.submit_quiz(person, attempt, parsed, context.content, context.language,
                      context.instance_path)
    return "applied"


_APPLY = {"slide": _slide, "case": _case, "quiz": _quiz}
