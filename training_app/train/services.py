"""Trainer rules as plain functions: cohorts, enrolment, roster import, board (the paper quiz
has its own module, paper.py)."""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..audit import record
from ..certificates.codes import ALPHABET
from ..content.loader import Content
from ..extensions import db
from ..learn import services as learn
from ..models import (
    CaseStudyResponse,
    Certificate,
    Cohort,
    Completion,
    Contingent,
    Enrolment,
    Person,
    QuizAttempt,
    SlideView,
    User,
)
from ..models.base import utcnow
from . import roster, uploads
from .roster import RosterRow


def new_join_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(8))


def save_cohort(cohort: Cohort | None, mission_id: int, actor, *, name: str,
                session_date: date, place: str, language: str, delivery_mode: str,
                contingent_ids: list[int], trainer_ids: list[int]) -> Cohort:
    creating = cohort is None
    if creating:
        cohort = Cohort(mission_id=mission_id, join_code=new_join_code())
        db.session.add(cohort)
    cohort.name, cohort.session_date, cohort.place = name, session_date, place
    cohort.language, cohort.delivery_mode = language, delivery_mode
    cohort.contingents = list(db.session.scalars(select(Contingent).where(
        Contingent.id.in_(contingent_ids), Contingent.mission_id == mission_id)))
    cohort.trainers = list(db.session.scalars(select(User).where(
        User.id.in_(trainer_ids), User.mission_id == mission_id)))
    db.session.flush()
    record(actor, "cohort.created" if creating else "cohort.changed", cohort,
           mission_id=mission_id, name=name)
    db.session.commit()
    return cohort


def cohort_by_join_code(code: str) -> Cohort | None:
    cleaned = "".join(ch for ch in (code or "").upper() if ch.isalnum())[:16]
    if not cleaned:
        return None
    return db.session.scalar(select(Cohort).where(Cohort.join_code == cleaned))


def enrol(cohort: Cohort, person: Person) -> bool:
    """Put a person in a cohort; False if they were already in it."""
    if db.session.scalar(select(Enrolment.id).where(Enrolment.cohort_id == cohort.id,
                                                    Enrolment.person_id == person.id)):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(Enrolment(cohort_id=cohort.id, person_id=person.id))
    except IntegrityError:
        return False
    db.session.commit()
    return True


def apply_roster(cohort: Cohort, rows: list[RosterRow], actor) -> dict[str, int]:
    """Write a checked roster in one transaction: new people, updates, enrolments.

    Refuses (ValueError) if any row has an error: a roster is imported whole or not at all.
    """
    if any(r.errors for r in rows):
        raise ValueError("roster has errors")
    numbers = [r.values["personnel_number"] for r in rows]
    existing: dict[str, Person] = {}
    for i in range(0, len(numbers), 900):
        for p in db.session.scalars(select(Person).where(
                Person.mission_id == cohort.mission_id,
                Person.personnel_number.in_(numbers[i:i + 900]))):
            existing[p.personnel_number] = p
    counts = Counter()
    people = []
    for row in rows:
        v = row.values
        person = existing.get(v["personnel_number"])
        if person is None:
            person = Person(mission_id=cohort.mission_id, personnel_number=v["personnel_number"],
                            name=v["name"], category=v["category"],
                            contingent_id=v["contingent_id"], language=v["language"])
            db.session.add(person)
            counts["new"] += 1
        else:
            changed = False
            for attr, key in (("name", "name"), ("category", "category"),
                              ("contingent_id", "contingent_id"), ("language", "language")):
                if getattr(person, attr) != v[key]:
                    setattr(person, attr, v[key])
                    changed = True
            counts["updated" if changed else "unchanged"] += 1
        people.append(person)
    db.session.flush()
    enrolled = set(db.session.scalars(select(Enrolment.person_id).where(
        Enrolment.cohort_id == cohort.id)))
    new_enrolments = [{"cohort_id": cohort.id, "person_id": p.id, "attended": False,
                       "enrolled_at": utcnow()} for p in people if p.id not in enrolled]
    if new_enrolments:
        db.session.execute(Enrolment.__table__.insert(), new_enrolments)
    counts["enrolled"] = len(new_enrolments)
    record(actor, "roster.imported", cohort, mission_id=cohort.mission_id, **counts)
    db.session.commit()
    return dict(counts)


def compare_with_existing(mission_id: int, rows: list[RosterRow]) -> None:
    """Mark each good row as new, an update (listing what changes) or unchanged."""
    numbers = [r.values["personnel_number"] for r in rows if not r.errors]
    existing: dict[str, Person] = {}
    for i in range(0, len(numbers), 900):
        for p in db.session.scalars(select(Person).where(
                Person.mission_id == mission_id,
                Person.personnel_number.in_(numbers[i:i + 900]))):
            existing[p.personnel_number] = p
    for row in rows:
        person = existing.get(row.values["personnel_number"])
        if row.errors or person is None:
            continue
        row.person_id = person.id
        for attr, key in (("name", "name"), ("category", "category"),
                          ("contingent_id", "contingent_id"), ("language", "language")):
            if getattr(person, attr) != row.values.get(key):
                row.changes.append(key)


def check_roster(cohort: Cohort, data: bytes, filename: str, languages,
                 time_limit: float = roster.TIME_LIMIT) -> list[RosterRow]:
    """Every row of a roster file checked against the mission's contingents and compared with
    the people it already has. RosterError if the file as a whole cannot be read."""
    contingents = db.session.scalars(select(Contingent).where(
        Contingent.mission_id == cohort.mission_id).order_by(Contingent.country,
                                                              Contingent.unit))
    rows = roster.parse_roster(data, filename, languages,
                               roster.contingent_aliases(contingents, languages), time_limit)
    compare_with_existing(cohort.mission_id, rows)
    return rows


def receive_roster(cohort: Cohort, data: bytes, filename: str, languages, user_id: int,
                   directory, keep_seconds: float,
                   time_limit: float = roster.TIME_LIMIT) -> str:
    """Check an uploaded roster and keep it for its preview; the token that names it.
    Uploads older than `keep_seconds` are deleted first, so none stays on disk for long."""
    uploads.prune(directory, keep_seconds)
    check_roster(cohort, data, filename, languages, time_limit)
    return uploads.store(directory, data, {"cohort": cohort.id, "filename": filename,
                                           "user": user_id})


def _kept_roster(cohort: Cohort, token: str, user_id: int, directory,
                 keep_seconds: float) -> tuple[bytes, str] | None:
    found = uploads.load(directory, token, keep_seconds)
    if found is None:
        return None
    data, meta = found
    if meta.get("cohort") != cohort.id or meta.get("user") != user_id:
        raise PermissionError(token)
    return data, meta.get("filename", "")


def preview_roster(cohort: Cohort, token: str, languages, user_id: int, directory,
                   keep_seconds: float,
                   time_limit: float = roster.TIME_LIMIT) -> list[RosterRow] | None:
    """The checked rows of a kept upload; None if it is gone (imported, cancelled or
    expired). PermissionError if it is another trainer's or another cohort's."""
    kept = _kept_roster(cohort, token, user_id, directory, keep_seconds)
    return None if kept is None else check_roster(cohort, *kept, languages, time_limit)


def confirm_roster(cohort: Cohort, token: str, rows: list[RosterRow], actor,
                   directory) -> dict[str, int]:
    """Import a previewed roster, all or nothing, and delete the upload."""
    counts = apply_roster(cohort, rows, actor)
    uploads.discard(directory, token)
    return counts


def cancel_roster(cohort: Cohort, token: str, user_id: int, directory,
                  keep_seconds: float) -> None:
    """Delete a kept upload unimported. PermissionError if it is someone else's."""
    if _kept_roster(cohort, token, user_id, directory, keep_seconds) is not None:
        uploads.discard(directory, token)


def roster_template(mission_id: int | None, lang: str, fmt: str, languages) -> bytes:
    """The roster template in `lang`: CSV headings, or XLSX with the mission's lists."""
    if fmt == "csv":
        return roster.template_csv(lang)
    contingents = db.session.scalars(select(Contingent).where(
        Contingent.mission_id == mission_id).order_by(Contingent.country, Contingent.unit))
    return roster.template_xlsx(lang, list(contingents), languages)


def roster_choices(mission_id: int | None, lang: str) -> dict:
    """What the import page lists as accepted: categories and the mission's contingents."""
    contingents = list(db.session.scalars(select(Contingent).where(
        Contingent.mission_id == mission_id).order_by(Contingent.country, Contingent.unit)))
    return {"categories": roster.accepted_categories(lang),
            "contingents": roster.accepted_contingents(contingents, lang)}


def set_attendance(cohort: Cohort, present_ids: set[int], actor, content: Content,
                   instance_path: str) -> int:
    """Save who was present. Being present at a classroom session covers the slides and case
    studies, so it may complete someone who has already passed the quiz."""
    enrolments = db.session.scalars(select(Enrolment).where(Enrolment.cohort_id == cohort.id))
    changed = 0
    for e in enrolments:
        value = e.person_id in present_ids
        if e.attended != value:
            e.attended = value
            changed += 1
    record(actor, "attendance.saved", cohort, mission_id=cohort.mission_id,
           present=len(present_ids))
    db.session.commit()
    for person in db.session.scalars(select(Person).where(Person.id.in_(present_ids))):
        learn.settle(person, content, cohort.language, instance_path, actor=actor)
    return changed


@dataclass(frozen=True)
class BoardRow:
    person: Person
    attended: bool
    slides: int
    case_studies: int
    attempts: int
    best: float | None
    completed: bool
    # present at a classroom session (this one or another): the slides and case studies
    # are done by the one rule of learn.services.Progress
    attended_classroom: bool = False
    passed: bool = False  # any submitted attempt reached the pass mark


def cohort_board(cohort: Cohort, content: Content) -> list[BoardRow]:
    """Each enrolled learner's progress, in a handful of grouped queries."""
    enrolments = db.session.execute(
        select(Person, Enrolment.attended).join(Enrolment, Enrolment.person_id == Person.id)
        .where(Enrolment.cohort_id == cohort.id).order_by(Person.name)).all()
    ids = [p.id for p, _a in enrolments]
    if not ids:
        return []

    def grouped(query):
        return dict(db.session.execute(query).all())

    slides = grouped(select(SlideView.person_id, func.count(SlideView.id))
                     .where(SlideView.person_id.in_(ids),
                            SlideView.slide_id.in_(content.slide_ids))
                     .group_by(SlideView.person_id))
    cases = grouped(select(CaseStudyResponse.person_id, func.count(CaseStudyResponse.id))
                    .where(CaseStudyResponse.person_id.in_(ids),
                           CaseStudyResponse.case_study_id.in_(content.case_study_ids))
                    .group_by(CaseStudyResponse.person_id))
    attempts = {pid: (n, best, bool(passed)) for pid, n, best, passed in db.session.execute(
        select(QuizAttempt.person_id, func.count(QuizAttempt.id),
               func.max(QuizAttempt.correct * 1.0 / QuizAttempt.total),
               func.max(QuizAttempt.passed.cast(db.Integer)))
        .where(QuizAttempt.person_id.in_(ids), QuizAttempt.submitted_at.is_not(None))
        .group_by(QuizAttempt.person_id)).all()}
    done = set(db.session.scalars(select(Completion.person_id).where(
        Completion.person_id.in_(ids), Completion.module_id == content.module_id)))
    classroom = learn.attended_classroom(ids)
    none = (0, None, False)
    return [BoardRow(person=p, attended=attended, slides=slides.get(p.id, 0),
                     case_studies=cases.get(p.id, 0), attempts=attempts.get(p.id, none)[0],
                     best=attempts.get(p.id, none)[1], completed=p.id in done,
                     attended_classroom=p.id in classroom,
                     passed=attempts.get(p.id, none)[2])
            for p, attended in enrolments]


def cohort_attempts(cohort: Cohort) -> list[QuizAttempt]:
    """The submitted quiz attempts of the cohort's learners."""
    return list(db.session.scalars(
        select(QuizAttempt).join(Enrolment, Enrolment.person_id == QuizAttempt.person_id)
        .where(Enrolment.cohort_id == cohort.id, QuizAttempt.submitted_at.is_not(None))))


def is_enrolled(cohort: Cohort, person_id: int) -> bool:
    return db.session.scalar(select(Enrolment.id).where(
        Enrolment.cohort_id == cohort.id, Enrolment.person_id == person_id)) is not None


# --- what the trainer's pages list -----------------------------------------------------------

def active_trainers_of(mission_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.mission_id == mission_id, User.role == "trainer", User.active.is_(True))
        .order_by(User.name)))


def enrolled_people(cohort: Cohort, without_pin: bool = False) -> list[Person]:
    """The cohort's learners by name (only those who have no PIN yet, with without_pin)."""
    query = select(Person).join(Enrolment).where(Enrolment.cohort_id == cohort.id)
    if without_pin:
        query = query.where(Person.pin_hash.is_(None))
    return list(db.session.scalars(query.order_by(Person.name)))


def valid_certificates(cohort: Cohort) -> list[Certificate]:
    """The valid certificates of the cohort's learners, oldest first (none of a person whose
    details were removed: nothing is printed in their name again)."""
    return list(db.session.scalars(select(Certificate).join(
        Enrolment, Enrolment.person_id == Certificate.person_id)
        .join(Person, Person.id == Certificate.person_id).where(
        Enrolment.cohort_id == cohort.id, Certificate.revoked_at.is_(None),
        Person.erased_at.is_(None), Person.pruned_at.is_(None))
        .order_by(Certificate.issued_at)))
