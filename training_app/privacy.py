"""Personal data: kept only as long as the mission's retention period, erased on request, and
given back to the person on request. Plain functions, no request globals.

Removing a person (erasure or pruning) keeps their row, without name, personnel number or
PIN, so that HQ's counts per contingent and category stay right, and keeps their certificates
in the register (code, module, date, status) so that a code still verifies, as "holder's
details removed". A keyed fingerprint of the former number lets a camp's bundle be refused.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, exists, func, null, or_, select, update

from .audit import record
from .extensions import db
from .models import (
    AccessCode,
    AuditEvent,
    CaseStudyResponse,
    Certificate,
    Completion,
    Enrolment,
    Mission,
    OfflineEvent,
    Person,
    QuizAttempt,
    SlideView,
)
from .models.base import utcnow

# what a removal takes away, in the order a dry run reports it
KINDS = ("people", "case_study_answers", "quiz_answers", "slide_views", "certificates",
         "audit_entries")


def removal_key(mission_id: int, personnel_number: str, secret: str) -> str:
    """A keyed fingerprint of a personnel number: recognises the number when a bundle brings
    it again, without keeping it (nor letting a stolen database guess it cheaply)."""
    message = f"{mission_id}:{personnel_number.strip().upper()}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def removed_numbers(mission_id: int, numbers: list[str], secret: str) -> set[str]:
    """Of these personnel numbers, those of people erased or pruned in the mission."""
    keys = {removal_key(mission_id, n, secret): n for n in numbers}
    found: set[str] = set()
    key_list = sorted(keys)
    for i in range(0, len(key_list), 900):
        found.update(keys[k] for k in db.session.scalars(select(Person.removed_key).where(
            Person.mission_id == mission_id, Person.removed_key.in_(key_list[i:i + 900]))))
    return found


# --- retention -------------------------------------------------------------------------------

def months_before(moment: datetime, months: int) -> datetime:
    """The same moment `months` calendar months earlier (the 31st becomes the month's end)."""
    total = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _active_since(cutoff: datetime):
    """People with any recorded activity on or after `cutoff`."""
    return or_(
        Person.created_at >= cutoff,
        Person.updated_at >= cutoff,
        exists().where(SlideView.person_id == Person.id, SlideView.first_seen_at >= cutoff),
        exists().where(CaseStudyResponse.person_id == Person.id,
                       CaseStudyResponse.updated_at >= cutoff),
        exists().where(QuizAttempt.person_id == Person.id,
                       or_(QuizAttempt.started_at >= cutoff, QuizAttempt.submitted_at >= cutoff)),
        exists().where(Completion.person_id == Person.id, Completion.completed_at >= cutoff),
        exists().where(Certificate.person_id == Person.id,
                       or_(Certificate.issued_at >= cutoff, Certificate.revoked_at >= cutoff)),
        exists().where(Enrolment.person_id == Person.id, Enrolment.enrolled_at >= cutoff),
    )


def past_retention(mission: Mission, now: datetime | None = None) -> list[int]:
    """Ids of the mission's people whose last activity is older than its retention period
    (none if the mission keeps data until it deletes it)."""
    if not mission.retention_months:
        return []
    cutoff = months_before(now or utcnow(), mission.retention_months)
    return list(db.session.scalars(select(Person.id).where(
        Person.mission_id == mission.id, Person.erased_at.is_(None), Person.pruned_at.is_(None),
        ~_active_since(cutoff)).order_by(Person.id)))


@dataclass
class PruneReport:
    """What a prune removes (or removed), per mission code and kind."""

    applied: bool
    by_mission: dict[str, Counter] = field(default_factory=dict)

    @property
    def total(self) -> Counter:
        total: Counter = Counter()
        for counts in self.by_mission.values():
            total.update(counts)
        return total


def _counts(ids: list[int]) -> Counter:
    """What removing these people would take away, per kind."""
    counts: Counter = Counter(people=len(ids))
    for i in range(0, len(ids), 900):
        chunk = ids[i:i + 900]
        for kind, query in (
                ("case_study_answers", select(func.count(CaseStudyResponse.id)).where(
                    CaseStudyResponse.person_id.in_(chunk))),
                ("quiz_answers", select(func.count(QuizAttempt.id)).where(
                    QuizAttempt.person_id.in_(chunk), QuizAttempt.answers.is_not(None))),
                ("slide_views", select(func.count(SlideView.id)).where(
                    SlideView.person_id.in_(chunk))),
                ("certificates", select(func.count(Certificate.id)).where(
                    Certificate.person_id.in_(chunk))),
                ("audit_entries", select(func.count(AuditEvent.id)).where(
                    AuditEvent.person_id.in_(chunk)))):
            counts[kind] += db.session.scalar(query) or 0
    return Counter({kind: counts[kind] for kind in KINDS})


def prune(secret: str, *, apply: bool = False, now: datetime | None = None,
          actor="system:cli") -> PruneReport:
    """Every mission's people past its retention period: counted (a dry run), or with
    `apply`, pseudonymised the way an erasure is (one audit entry per mission, counts only)."""
    now = now or utcnow()
    report = PruneReport(applied=apply)
    for mission in db.session.scalars(select(Mission).where(
            Mission.retention_months.is_not(None)).order_by(Mission.code)):
        ids = past_retention(mission, now)
        report.by_mission[mission.code] = _counts(ids)
        if apply and ids:
            for i in range(0, len(ids), 500):
                for person in db.session.scalars(select(Person).where(
                        Person.id.in_(ids[i:i + 500]))):
                    _remove(person, secret, now, pruned=True)
            record(actor, "data.pruned", mission, mission_id=mission.id,
                   months=mission.retention_months, **report.by_mission[mission.code])
            db.session.commit()
    return report


# --- erasure ---------------------------------------------------------------------------------

def _remove(person: Person, secret: str, now: datetime, *, pruned: bool) -> None:
    """Take a person's details away, keeping what the counts and the register need."""
    pid = person.id
    if not person.removed_key:
        person.removed_key = removal_key(person.mission_id, person.personnel_number, secret)
    person.name = ""
    person.personnel_number = f"removed-{pid}"
    person.pin_hash = None
    person.review_slides = null()
    person.session_version += 1  # ends every session of the account
    if pruned:
        person.pruned_at = now
    else:
        person.erased_at = now
    db.session.execute(delete(CaseStudyResponse).where(CaseStudyResponse.person_id == pid))
    db.session.execute(delete(SlideView).where(SlideView.person_id == pid))
    db.session.execute(delete(OfflineEvent).where(OfflineEvent.person_id == pid))
    db.session.execute(delete(AccessCode).where(AccessCode.person_id == pid))
    db.session.execute(update(QuizAttempt).where(QuizAttempt.person_id == pid)
                       .values(answers=null()))  # SQL NULL, not a JSON null
    # the register keeps code, module, dates and status; the signed token names the holder
    db.session.execute(update(Certificate).where(Certificate.person_id == pid)
                       .values(holder_name="", token=""))
    # the log keeps what happened, not who it was
    db.session.execute(update(AuditEvent).where(AuditEvent.person_id == pid)
                       .values(target_label=""))
    db.session.execute(update(AuditEvent).where(AuditEvent.actor == f"learner:{pid}")
                       .values(actor_name=""))


def _without(text: str, *words: str) -> str:
    """The reason HQ typed, without the person's name or number in it."""
    for word in words:
        if word and len(word) > 1:
            text = text.replace(word, "…")
    return text


def erase_person(person: Person, reason: str, actor, secret: str) -> bool:
    """Erase one person on request. The audit entry holds ids and the reason, never the name
    or number. False if the person was already removed."""
    if person.removed:
        return False
    reason = _without(reason.strip(), person.name, person.personnel_number)
    _remove(person, secret, utcnow(), pruned=False)
    record(actor, "person.erased", f"person:{person.id}", mission_id=person.mission_id,
           person=person, reason=reason[:500])
    db.session.commit()
    return True


# --- access ----------------------------------------------------------------------------------

def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


# reasons staff gave that the house keeps for mission HQ (docs/architecture.md, Records)
HQ_ONLY_DETAILS = frozenset({"certificate.revoked", "certificate.reissued"})


def access_export(person: Person, lang: str, *, for_hq: bool = False) -> dict:
    """Everything held about the person, as plain data (the JSON download and the readable
    page): profile, progress, case-study answers, quiz attempts, certificates, audit entries
    about them. Nothing about anyone else. Revocation reasons only `for_hq`."""
    from . import audit
    from .i18n import contingent_label

    pid = person.id
    views = db.session.scalars(select(SlideView).where(SlideView.person_id == pid)
                               .order_by(SlideView.first_seen_at, SlideView.id)).all()
    answers = db.session.scalars(select(CaseStudyResponse).where(
        CaseStudyResponse.person_id == pid).order_by(CaseStudyResponse.case_study_id)).all()
    attempts = db.session.scalars(select(QuizAttempt).where(QuizAttempt.person_id == pid)
                                  .order_by(QuizAttempt.started_at, QuizAttempt.id)).all()
    completions = db.session.scalars(select(Completion).where(Completion.person_id == pid)
                                     .order_by(Completion.completed_at)).all()
    certificates = db.session.scalars(select(Certificate).where(Certificate.person_id == pid)
                                      .order_by(Certificate.issued_at, Certificate.id)).all()
    cohorts = db.session.scalars(select(Enrolment).where(Enrolment.person_id == pid)
                                 .order_by(Enrolment.enrolled_at)).all()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.person_id == pid)
                                .order_by(AuditEvent.at, AuditEvent.id)).all()
    return {
        "profile": {
            "mission": person.mission.name, "personnel_number": person.personnel_number,
            "name": person.name, "category": person.category,
            "contingent": contingent_label(person.contingent, lang) or None,
            "language": person.language, "registered_at": _iso(person.created_at),
            "updated_at": _iso(person.updated_at), "completed_at": _iso(person.completed_at),
            "certificate_status": person.certificate_status,
            "erased_at": _iso(person.erased_at), "pruned_at": _iso(person.pruned_at),
            "pin": "set" if person.pin_hash else "not set",
        },
        "cohorts": [{"cohort": e.cohort.name, "date": e.cohort.session_date.isoformat(),
                     "attended": e.attended, "enrolled_at": _iso(e.enrolled_at)}
                    for e in cohorts],
        "slides_seen": [{"slide_id": v.slide_id, "first_seen_at": _iso(v.first_seen_at)}
                        for v in views],
        "case_study_answers": [{"case_study_id": a.case_study_id,
                                "title": _case_title(a.case_study_id, lang), "answer": a.answer,
                                "created_at": _iso(a.created_at),
                                "updated_at": _iso(a.updated_at)} for a in answers],
        "quiz_attempts": [{"quiz_id": a.quiz_id, "language": a.language, "mode": a.mode,
                           "started_at": _iso(a.started_at),
                           "submitted_at": _iso(a.submitted_at), "answers": a.answers,
                           "correct": a.correct, "total": a.total, "passed": a.passed}
                          for a in attempts],
        "completions": [{"module_id": c.module_id, "content_version": c.content_version,
                         "completed_at": _iso(c.completed_at)} for c in completions],
        "certificates": [{"code": c.code, "module_id": c.module_id, "language": c.language,
                          "holder_name": c.holder_name, "issued_at": _iso(c.issued_at),
                          "revoked_at": _iso(c.revoked_at)} for c in certificates],
        "audit_entries": [{"at": _iso(row.at), "who": row.who, "what": row.what,
                           "details": row.details if for_hq or event.action not in
                           HQ_ONLY_DETAILS else ""}
                          for event, row in zip(events, audit.rows(list(events), lang),
                                                strict=True)],
    }


def _case_title(case_id: str, lang: str) -> str:
    from .content import get_content

    try:
        return str(get_content().text(lang, "case_studies", case_id).get("title") or case_id)
    except (KeyError, LookupError):
        return case_id


def case_answers_of(person: Person, lang: str) -> list[dict]:
    """The person's case-study answers with each case's title in `lang` (for the pages that
    may show them: training_app.access.may_read_case_answers decides who)."""
    return [{"case_study_id": a.case_study_id, "title": _case_title(a.case_study_id, lang),
             "answer": a.answer, "updated_at": a.updated_at}
            for a in db.session.scalars(select(CaseStudyResponse).where(
                CaseStudyResponse.person_id == person.id)
                .order_by(CaseStudyResponse.case_study_id))]


@dataclass(frozen=True)
class NoticeMission:
    name: str
    retention_months: int | None


def notice_missions() -> list[NoticeMission]:
    """Each mission on this server and how long it keeps personal data (the privacy
    notice)."""
    return [NoticeMission(m.name, m.retention_months)
            for m in db.session.scalars(select(Mission).order_by(Mission.name))]


def record_access_export(person: Person, actor) -> None:
    """HQ produced a person's data for them: the log says who and when."""
    record(actor, "person.data_exported", person, mission_id=person.mission_id)
    db.session.commit()
