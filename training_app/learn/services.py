"""Rules of the learning path as plain functions: progress, the quiz, and the one operation
that completes the module (`settle`), used by every path that can finish a step: the online
quiz, the paper quiz, attendance, the offline queue and camp sync."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from ..audit import record
from ..certificates import services as certificates
from ..content.draw import draw_statements, slides_to_review
from ..content.loader import Content, Quiz
from ..extensions import db
from ..models import (
    CaseStudyResponse,
    Cohort,
    Completion,
    Enrolment,
    Person,
    QuizAttempt,
    SlideView,
)
from ..models.base import retry_when_busy, utcnow

OPEN_ATTEMPT_LIFETIME = timedelta(hours=12)


@dataclass(frozen=True)
class Progress:
    """Where a learner stands; the one place that says what completion means."""

    slides_total: int
    slides_seen: frozenset[str]
    case_studies_total: int
    case_studies_answered: frozenset[str]
    attempts: int
    best_score: float | None
    quiz_passed: bool
    completed: bool
    # present, by the trainer's register, at a classroom session: the slides were presented
    # and the case studies worked through in the room
    attended_classroom: bool = False

    @property
    def slides_done(self) -> bool:
        return self.attended_classroom or len(self.slides_seen) >= self.slides_total

    @property
    def case_studies_done(self) -> bool:
        return self.attended_classroom or len(self.case_studies_answered) >= \
            self.case_studies_total

    @property
    def ready_for_certificate(self) -> bool:
        return self.slides_done and self.case_studies_done and self.quiz_passed

    @property
    def percent(self) -> int:
        parts = (
            1.0 if self.slides_done else len(self.slides_seen) / max(self.slides_total, 1),
            1.0 if self.case_studies_done else
            len(self.case_studies_answered) / max(self.case_studies_total, 1),
            1.0 if self.quiz_passed else 0.0,
        )
        return round(100 * sum(parts) / len(parts))


def attendance_note() -> str:
    """The one phrase every page and export uses where being present at a classroom session
    stands for the slides and the case studies (see Progress.attended_classroom)."""
    from ..i18n import _

    return _("Attended the classroom session (counts for the slides and case studies)")


def attended_classroom(person_ids) -> set[int]:
    """Of these people, those present, by a trainer's register, at a classroom session: for
    them the slides and case studies are done (the one rule, for one person or a list)."""
    ids = list(person_ids)
    found: set[int] = set()
    for i in range(0, len(ids), 900):
        found.update(db.session.scalars(
            select(Enrolment.person_id).join(Cohort, Cohort.id == Enrolment.cohort_id)
            .where(Enrolment.person_id.in_(ids[i:i + 900]), Enrolment.attended.is_(True),
                   Cohort.delivery_mode == "classroom").distinct()))
    return found


def progress_of(person_id: int, content: Content) -> Progress:
    slide_ids = set(content.slide_ids)
    case_ids = set(content.case_study_ids)
    seen = frozenset(
        s for s in db.session.scalars(
            select(SlideView.slide_id).where(SlideView.person_id == person_id))
        if s in slide_ids
    )
    answered = frozenset(
        c for c in db.session.scalars(
            select(CaseStudyResponse.case_study_id).where(
                CaseStudyResponse.person_id == person_id))
        if c in case_ids
    )
    attempts, best, passed = db.session.execute(
        select(func.count(QuizAttempt.id),
               func.max(QuizAttempt.correct * 1.0 / QuizAttempt.total),
               func.max(QuizAttempt.passed.cast(db.Integer)))
        .where(QuizAttempt.person_id == person_id, QuizAttempt.submitted_at.is_not(None))
    ).one()
    completed = db.session.scalar(
        select(Completion.id).where(Completion.person_id == person_id,
                                    Completion.module_id == content.module_id)) is not None
    attended = bool(attended_classroom([person_id]))
    return Progress(
        slides_total=len(slide_ids), slides_seen=seen,
        case_studies_total=len(case_ids), case_studies_answered=answered,
        attempts=attempts or 0, best_score=best, quiz_passed=bool(passed), completed=completed,
        attended_classroom=attended,
    )


def _insert_once(row) -> bool:
    """Insert a row guarded by a unique constraint; False if it was already there."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
        return True
    except IntegrityError:
        return False


def open_slide(person: Person, slide_id: str, known_seen: frozenset[str] = frozenset()) -> bool:
    """The learner opened a slide: its first view is recorded, and if it was one to review
    after a failed quiz, it is crossed off. A slide in `known_seen` (the ones the caller
    already knows are recorded) is not looked up again. True when this view is newly known
    to be recorded, for the caller to remember."""
    newly_known = slide_id not in known_seen
    if newly_known:
        # recording a view changes nothing the page shows of the person: keep them loaded
        # rather than read them again after the commit
        session = db.session()
        expire, session.expire_on_commit = session.expire_on_commit, False
        try:
            record_slide_view(person.id, slide_id)
        finally:
            session.expire_on_commit = expire
    if person.review_slides and slide_id in person.review_slides:
        _cross_off(person, slide_id)
    return newly_known


@retry_when_busy
def _cross_off(person: Person, slide_id: str) -> None:
    person.review_slides = [s for s in person.review_slides or () if s != slide_id] or None
    db.session.commit()


@retry_when_busy
def record_slide_view(person_id: int, slide_id: str) -> bool:
    """Record the first view of a slide; True only the first time. One statement, that
    inserts nothing when the view is already recorded: a whole classroom opening the next
    slide at once holds the single SQLite writer for as short a time as it can."""
    created = db.session.execute(
        slide_view_insert(db.engine.dialect.name, person_id, slide_id)).rowcount == 1
    db.session.commit()
    return created


def slide_view_insert(dialect: str, person_id: int, slide_id: str):
    """The statement that records a first view, and does nothing if it is recorded."""
    return (_INSERT[dialect](SlideView.__table__)
            .values(person_id=person_id, slide_id=slide_id, first_seen_at=utcnow())
            .on_conflict_do_nothing(index_elements=["person_id", "slide_id"]))


# INSERT ... ON CONFLICT DO NOTHING, in each database the platform runs on
_INSERT = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}


ANSWER_MIN_LENGTH = 10
ANSWER_MAX_LENGTH = 5000


class AnswerRefused(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # no-answer, answer-too-short, answer-too-long


def clean_answer(text: str) -> str:
    """Keep line breaks in a free-text answer, drop control characters."""
    from ..auth.services import clean_text

    return "\n".join(clean_text(line) for line in (text or "").splitlines()).strip()


def checked_answer(text: str) -> str:
    """A case study answer as it is kept, by the one rule every path follows (the page, the
    offline queue, camp sync): 10 to 5,000 characters once cleaned."""
    answer = clean_answer(text)
    if not answer:
        raise AnswerRefused("no-answer")
    if len(answer) < ANSWER_MIN_LENGTH:
        raise AnswerRefused("answer-too-short")
    if len(answer) > ANSWER_MAX_LENGTH:
        raise AnswerRefused("answer-too-long")
    return answer


def case_study_answer(person_id: int, case_id: str) -> CaseStudyResponse | None:
    return db.session.scalar(
        select(CaseStudyResponse).where(CaseStudyResponse.person_id == person_id,
                                        CaseStudyResponse.case_study_id == case_id))


@retry_when_busy
def save_case_study_answer(person_id: int, case_id: str, text: str) -> CaseStudyResponse:
    """Keep the learner's own answer, by the one rule (`checked_answer`; AnswerRefused if it
    breaks it); answering again replaces it. The page and the offline queue both come here."""
    answer = checked_answer(text)
    response = case_study_answer(person_id, case_id)
    if response is None:
        response = CaseStudyResponse(person_id=person_id, case_study_id=case_id, answer=answer)
        if not _insert_once(response):  # a parallel submission won: update that one
            response = case_study_answer(person_id, case_id)
    response.answer = answer
    response.updated_at = utcnow()
    db.session.commit()
    return response


FOCAL_POINT_STATEMENT = "mission-focal-point"
FOCAL_POINT_SLIDE = {FOCAL_POINT_STATEMENT: "reporting-channels"}  # the slide it rests on


def mission_statements(mission, rng: random.Random) -> dict[str, dict]:
    """Statements made from the mission's own facts, so each learner must recognise their
    Focal Point (the module's learning outcome). True names the Focal Point; false names the
    Alternate as if they were the Focal Point."""
    if not mission or not mission.focal_point_name:
        return {}
    if mission.alternate_name and rng.random() < 0.5:
        return {FOCAL_POINT_STATEMENT: {"answer": False, "named": mission.alternate_name,
                                        "focal_point": mission.focal_point_name,
                                        "mission": mission.name}}
    return {FOCAL_POINT_STATEMENT: {"answer": True, "named": mission.focal_point_name,
                                    "focal_point": mission.focal_point_name,
                                    "mission": mission.name}}


@retry_when_busy
def open_attempt(person_id: int, content: Content, language: str, mission=None) -> QuizAttempt:
    """The learner's unsubmitted attempt, or a new one: reloading the page keeps the same draw.

    With a mission whose Focal Point is set, one of the statements is about that Focal Point.
    """
    since = utcnow() - OPEN_ATTEMPT_LIFETIME
    attempt = db.session.scalar(
        select(QuizAttempt).where(
            QuizAttempt.person_id == person_id, QuizAttempt.submitted_at.is_(None),
            QuizAttempt.quiz_id == content.quiz.id, QuizAttempt.started_at >= since,
        ).order_by(QuizAttempt.id.desc()).limit(1))
    valid = set(s.id for s in content.quiz.statements) | set(
        (attempt.mission_statements or {}) if attempt else ())
    if attempt is not None and set(attempt.statement_ids) <= valid:
        if attempt.language != language:
            attempt.language = language
            db.session.commit()
        return attempt
    rng = random.SystemRandom()
    extra = mission_statements(mission, rng)
    previous = db.session.scalar(
        select(QuizAttempt.statement_ids).where(
            QuizAttempt.person_id == person_id, QuizAttempt.submitted_at.is_not(None))
        .order_by(QuizAttempt.submitted_at.desc(), QuizAttempt.id.desc()).limit(1)) or ()
    # a retake draws other statements where the bank allows
    ids = draw_statements(content.quiz, rng, content.quiz.draw - len(extra),
                          avoid=previous) + list(extra)
    rng.shuffle(ids)
    attempt = QuizAttempt(
        person_id=person_id, token=secrets.token_urlsafe(16), quiz_id=content.quiz.id,
        language=language, statement_ids=ids, total=len(ids), mission_statements=extra or None,
    )
    db.session.add(attempt)
    db.session.commit()
    return attempt


def own_attempt(person_id: int, token: str, submitted: bool | None = None
                ) -> QuizAttempt | None:
    """The person's attempt with this token (only a submitted one with submitted=True)."""
    query = select(QuizAttempt).where(QuizAttempt.token == str(token)[:40],
                                      QuizAttempt.person_id == person_id)
    if submitted:
        query = query.where(QuizAttempt.submitted_at.is_not(None))
    return db.session.scalar(query)


def parse_answers(form: dict, statement_ids: list[str]) -> tuple[dict[str, bool], list[str]]:
    """Answers given as 'true'/'false' per statement id; returns (answers, ids left unanswered)."""
    answers: dict[str, bool] = {}
    missing = []
    for sid in statement_ids:
        value = form.get(f"s-{sid}")
        if value == "true":
            answers[sid] = True
        elif value == "false":
            answers[sid] = False
        else:
            missing.append(sid)
    return answers, missing


@dataclass(frozen=True)
class Grade:
    correct: int
    total: int
    passed: bool
    wrong: tuple[str, ...]

    @property
    def score(self) -> float:
        return self.correct / self.total if self.total else 0.0


def answer_key(quiz: Quiz, statement_id: str, extra: dict | None = None) -> bool:
    """The right answer to a statement, whether from the bank or made for the attempt."""
    if extra and statement_id in extra:
        return bool(extra[statement_id]["answer"])
    return quiz.statement(statement_id).answer


def grade(quiz: Quiz, statement_ids: list[str], answers: dict[str, bool], mark: float,
          extra: dict | None = None) -> Grade:
    """Score an attempt against the pass mark; an unanswered statement counts as wrong."""
    wrong = tuple(sid for sid in statement_ids
                  if answers.get(sid) is not answer_key(quiz, sid, extra))
    total = len(statement_ids)
    correct = total - len(wrong)
    return Grade(correct=correct, total=total, passed=passes(correct, total, mark), wrong=wrong)


def passes(correct: int, total: int, mark: float) -> bool:
    """At or above the pass mark; in integers, so 12/15 against 0.8 is not lost to floating
    point."""
    return total > 0 and correct * 1000 >= round(mark * 1000) * total


def submit_attempt(attempt: QuizAttempt, answers: dict[str, bool], quiz: Quiz,
                   mark: float) -> bool:
    """Grade and store an attempt exactly once; False if it had already been submitted."""
    result = grade(quiz, attempt.statement_ids, answers, mark, attempt.mission_statements)
    done = db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None))
        .values(answers={k: v for k, v in answers.items()}, correct=result.correct,
                passed=result.passed, submitted_at=utcnow())
    ).rowcount
    db.session.commit()
    db.session.refresh(attempt)
    return done == 1


def pass_mark(content: Content) -> float:
    """The one pass mark: TRAINING_QUIZ_PASS_MARK where set, else the quiz's own."""
    from flask import current_app

    return current_app.config.get("QUIZ_PASS_MARK") or content.quiz.pass_mark


@dataclass(frozen=True)
class Submission:
    attempt: QuizAttempt
    first: bool  # False if this attempt had already been sent (it counts once)
    certificate: object | None


@retry_when_busy
def submit_quiz(person: Person, attempt: QuizAttempt, answers: dict[str, bool],
                content: Content, language: str, instance_path: str, actor=None,
                cohort=None) -> Submission:
    """Grade an attempt once with the one pass mark, then complete the module if that was
    the last step. Every path that takes quiz answers comes here."""
    first = submit_attempt(attempt, answers, content.quiz, pass_mark(content))
    if first and attempt.mode == "paper":
        record(actor, "paper_quiz.recorded", person, mission_id=person.mission_id,
               cohort=cohort, correct=attempt.correct, total=attempt.total)
        db.session.commit()
    elif first:
        # a learner who failed looks again at the slides behind what they missed first
        wrong = grade(content.quiz, attempt.statement_ids, answers, pass_mark(content),
                      attempt.mission_statements).wrong
        person.review_slides = None if attempt.passed else [
            s.id for s in slides_to_review(content, wrong, FOCAL_POINT_SLIDE)] or None
        db.session.commit()
    return Submission(attempt, first, settle(person, content, language, instance_path,
                                             actor=actor))


def settle(person: Person, content: Content, language: str, instance_path: str, actor=None):
    """Record the completion once everything is done, and issue the certificate it earns;
    returns the person's certificate (None before completion). A revoked certificate is
    returned as it is: only HQ issues another."""
    completion = record_completion(person, content)
    if completion is None:
        return None
    return certificates.issue_on_completion(person, completion, language, instance_path,
                                            actor=actor)


@retry_when_busy
def record_completion(person: Person, content: Content) -> Completion | None:
    """Mark the module completed once everything is done; returns the completion, if any.
    A completion once recorded stays (a later version of the module does not undo it)."""
    existing = db.session.scalar(
        select(Completion).where(Completion.person_id == person.id,
                                 Completion.module_id == content.module_id))
    if existing:
        return existing
    if not progress_of(person.id, content).ready_for_certificate:
        return None
    completion = Completion(person_id=person.id, module_id=content.module_id,
                            content_version=content.content_version)
    if not _insert_once(completion):
        completion = db.session.scalar(
            select(Completion).where(Completion.person_id == person.id,
                                     Completion.module_id == content.module_id))
    person.completed_at = completion.completed_at
    db.session.commit()
    return completion


def statement_view(content: Content, attempt: QuizAttempt, lang: str):
    """A function giving, for a statement id of this attempt, in `lang`: its text,
    explanation, right answer and the slide it rests on."""
    from ..i18n import _, in_language

    extra = attempt.mission_statements or {}

    def lookup(statement_id: str) -> dict:
        if statement_id == FOCAL_POINT_STATEMENT and statement_id in extra:
            facts = extra[statement_id]
            with in_language(lang):
                if facts["answer"]:
                    explanation = _("%(name)s is the Focal Point for sexual exploitation "
                                    "and abuse in %(mission)s.",
                                    name=facts["focal_point"], mission=facts["mission"])
                else:
                    explanation = _("%(named)s is the Alternate; the Focal Point for sexual "
                                    "exploitation and abuse in %(mission)s is %(name)s.",
                                    named=facts["named"], name=facts["focal_point"],
                                    mission=facts["mission"])
                statement = _("In %(mission)s, the Focal Point for sexual exploitation and "
                              "abuse is %(name)s.", mission=facts["mission"],
                              name=facts["named"])
            return {"statement": statement, "explanation": explanation, "loc": None,
                    "answer": facts["answer"],
                    "slide": content.slide(FOCAL_POINT_SLIDE[FOCAL_POINT_STATEMENT])}
        text = content.text(lang, "quiz", statement_id)
        key = content.quiz.statement(statement_id)
        return {"statement": text["statement"], "explanation": text["explanation"],
                "answer": answer_key(content.quiz, statement_id, extra),
                "slide": content.slide(key.slide),
                # a translation of an older English text: the current English beside it
                "loc": content.localized(lang, "quiz", statement_id)}

    return lookup


def item_analysis(attempts, content: Content):
    """Which statements learners get right, and which tell those who understand from those
    who do not (per language and overall), over submitted attempts."""
    from ..content import items

    return items.item_analysis(
        items.graded(a.language, a.passed, a.statement_ids, a.answers,
                     lambda sid, a=a: answer_key(content.quiz, sid, a.mission_statements))
        for a in attempts if a.submitted_at is not None)
