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
from ..models import OfflineEvent, Person, QuizAttempt

MAX_EVENTS = 500
MAX_ANSWER = 20_000
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


def apply_events(person: Person, events: list, content: Content, pass_mark: float
                 ) -> list[Outcome]:
    """Apply each event once; a bad event is rejected on its own and the others go on."""
    outcomes = []
    for raw in events[:MAX_EVENTS]:
        event = raw if isinstance(raw, dict) else {}
        event_id = event.get("id")
        if not isinstance(event_id, str) or not EVENT_ID.match(event_id):
            outcomes.append(Outcome(str(event_id)[:60], "rejected", "bad-id"))
            continue
        kind = event.get("kind")
        if db.session.scalar(select(OfflineEvent.id).where(
                OfflineEvent.person_id == person.id, OfflineEvent.event_id == event_id)):
            outcomes.append(Outcome(event_id, "duplicate"))
            continue
        try:
            if kind not in KINDS:
                raise Rejected("unknown-kind")
            status = _APPLY[kind](person, event, content, pass_mark)
        except Rejected as exc:
            db.session.rollback()
            outcomes.append(Outcome(event_id, "rejected", str(exc)))
            _remember(person, event_id, str(kind)[:20], "rejected")
            continue
        outcomes.append(Outcome(event_id, "applied" if _remember(person, event_id, kind, status)
                                else "duplicate"))
    return outcomes


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


def _slide(person: Person, event: dict, content: Content, pass_mark: float) -> str:
    number = event.get("number")
    slide = content.slide_by_number(number) if isinstance(number, int) else None
    if slide is None:
        raise Rejected("unknown-slide")
    learn.record_slide_view(person.id, slide.id)
    return "applied"


def _case(person: Person, event: dict, content: Content, pass_mark: float) -> str:
    from ..learn.routes import clean_answer

    case = content.case_study(str(event.get("case_id", "")))
    if case is None:
        raise Rejected("unknown-case-study")
    answer = event.get("answer")
    if not isinstance(answer, str):
        raise Rejected("no-answer")
    answer = clean_answer(answer)
    if not answer or len(answer) > MAX_ANSWER:
        raise Rejected("no-answer" if not answer else "answer-too-long")
    learn.save_case_study_answer(person.id, case.id, answer)
    return "applied"


def _quiz(person: Person, event: dict, content: Content, pass_mark: float) -> str:
    attempt = db.session.scalar(select(QuizAttempt).where(
        QuizAttempt.token == str(event.get("token", ""))[:40],
        QuizAttempt.person_id == person.id))
    if attempt is None:
        raise Rejected("unknown-attempt")
    answers = event.get("answers")
    if not isinstance(answers, dict):
        raise Rejected("missing-answers")
    parsed, missing = learn.parse_answers(
        {str(k): v for k, v in answers.items() if isinstance(v, str)}, attempt.statement_ids)
    if missing:
        raise Rejected("missing-answers")
    learn.submit_attempt(attempt, parsed, content.quiz, pass_mark)
    return "applied"


_APPLY = {"slide": _slide, "case": _case, "quiz": _quiz}


def offline_urls(content: Content, lang: str, url_for) -> list[str]:
    """The pages a learner's device keeps, in their language, to go on without a connection."""
    urls = [url_for("learn.home", lang=lang), url_for("learn.overview", lang=lang)]
    urls += [url_for("learn.slide", lang=lang, number=n) for n in range(1, len(content.slides) + 1)]
    urls.append(url_for("learn.case_studies", lang=lang))
    urls += [url_for("learn.case_study", lang=lang, case_id=c) for c in content.case_study_ids]
    urls += [url_for("learn.quiz", lang=lang), url_for("learn.certificate", lang=lang),
             url_for("offline.saved", lang=lang), url_for("offline.unavailable", lang=lang)]
    return urls
