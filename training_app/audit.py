"""The audit log: one way to record an event, and to read it back as a record (names, not
ids; translated event names; details as sentences). Free text a person typed (a revocation
reason, a correction's reason) stays in the event for HQ; PINs, codes and answers never go in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from .extensions import db
from .i18n import _, _l, contingent_label, format_date, format_datetime, in_language
from .models import AuditEvent, Certificate, Cohort, Contingent, Mission, Person, User

SYSTEM = "system"


def actor_of(account) -> tuple[str, str]:
    """("staff:3", "Ms HQ Officer") for an account; ("system:cli", "") for a command."""
    if account is None:
        return f"{SYSTEM}:app", ""
    if isinstance(account, str):
        return (account if account.startswith(f"{SYSTEM}:") else f"{SYSTEM}:{account}"), ""
    kind = "learner" if account.is_learner else "staff"
    return f"{kind}:{account.id}", account.name


def _target(obj) -> tuple[str, str, int | None, int | None]:
    """(target, label, person_id, cohort_id) for what an event is about."""
    if obj is None:
        return "", "", None, None
    if isinstance(obj, str):
        return obj, "", None, None
    if isinstance(obj, Person):
        return f"person:{obj.id}", obj.name, obj.id, None
    if isinstance(obj, Certificate):
        return f"certificate:{obj.code}", obj.holder_name or obj.person.name, obj.person_id, None
    if isinstance(obj, Cohort):
        return f"cohort:{obj.id}", obj.name, None, obj.id
    if isinstance(obj, User):
        return f"staff:{obj.id}", obj.name, None, None
    if isinstance(obj, Mission):
        return f"mission:{obj.id}", obj.name, None, None
    if isinstance(obj, Contingent):
        return f"contingent:{obj.id}", contingent_label(obj), None, None
    raise TypeError(f"cannot name {obj!r} in the audit log")


def record(actor, action: str, target=None, *, mission_id: int | None = None,
           person: Person | None = None, cohort: Cohort | None = None,
           **details) -> AuditEvent:
    """Add an event to the session (committed with the change it records)."""
    actor_key, actor_name = actor_of(actor)
    target_key, label, person_id, cohort_id = _target(target)
    if person is not None:
        person_id = person.id
    if cohort is not None:
        cohort_id = cohort.id
    event = AuditEvent(actor=actor_key[:120], actor_name=(actor_name or "")[:200],
                       action=action, target=target_key[:120], target_label=label[:200],
                       mission_id=mission_id, person_id=person_id, cohort_id=cohort_id,
                       details=details or None)
    db.session.add(event)
    return event


# --- reading it back -----------------------------------------------------------------------

ACTIONS = {
    "certificate.issued": _l("Certificate issued"),
    "certificate.revoked": _l("Certificate revoked"),
    "certificate.reissued": _l("Certificate issued again"),
    "certificate.badge_downloaded": _l("Certificate downloaded as an Open Badge"),
    "account.claimed": _l("Account taken up with a claim code"),
    "claim_codes.issued": _l("Claim codes printed"),
    "pin_reset.issued": _l("PIN reset code issued"),
    "pin.reset": _l("New PIN set with a reset code"),
    "password_reset.issued": _l("Password reset code issued"),
    "password.reset": _l("New password set with a reset code"),
    "password.changed": _l("Password changed"),
    "person.corrected": _l("Person's record corrected"),
    "person.registered": _l("Registered"),
    "staff.created": _l("Staff account created"),
    "staff.deactivated": _l("Staff account deactivated"),
    "trainer.created": _l("Staff account created"),
    "cohort.created": _l("Cohort created"),
    "cohort.changed": _l("Cohort changed"),
    "roster.imported": _l("Roster imported"),
    "attendance.saved": _l("Attendance saved"),
    "paper_quiz.recorded": _l("Paper quiz recorded"),
    "mission.created": _l("Mission created"),
    "mission.settings": _l("Mission settings changed"),
    "contingent.added": _l("Contingent added"),
    "sync.imported": _l("Camp server bundle applied"),
    "sync.exported": _l("Bundle written for HQ"),
    "sync.trusted": _l("Camp server trusted"),
    "sync.recipient_set": _l("Mission HQ key set for sealing bundles"),
    "demo.loaded": _l("Demonstration data loaded"),
    "person.erased": _l("Personal data erased on request"),
    "person.data_exported": _l("Personal data given to the person"),
    "data.pruned": _l("Personal data past the retention period removed"),
}

FIELD_LABELS = {
    "name": _l("name"), "personnel_number": _l("personnel number"),
    "category": _l("personnel category"), "contingent_id": _l("contingent"),
    "language": _l("language"), "focal_point_name": _l("Focal Point"),
    "focal_point_contact": _l("Focal Point's contact"), "alternate_name": _l("Alternate"),
    "alternate_contact": _l("Alternate's contact"),
    "offlimits_directive": _l("Off-Limits directive"),
    "retention_months": _l("retention period"),
}


def _fields(names) -> str:
    return ", ".join(str(FIELD_LABELS.get(n, n)) for n in names or ())


def _day(value, lang: str) -> str:
    """An ISO date kept in an event's details, the language's way."""
    from datetime import date

    try:
        return format_date(date.fromisoformat(str(value)[:10]), lang)
    except ValueError:
        return str(value or "")


def detail_sentence(event: AuditEvent, lang: str) -> str:
    """What the event's details say, as a sentence in `lang` (call inside in_language)."""
    d = event.details or {}
    action = event.action
    if action == "certificate.revoked":
        return _("Reason (seen by mission HQ only): %(reason)s", reason=d.get("reason", ""))
    if action == "certificate.reissued":
        text = _("Replaces %(code)s.", code=d.get("replaces", ""))
        if d.get("reason"):
            text += " " + _("Reason: %(reason)s", reason=d["reason"])
        return text
    if action == "person.corrected":
        return _("Changed: %(fields)s. Reason: %(reason)s", fields=_fields(d.get("fields")),
                 reason=d.get("reason", ""))
    if action == "person.erased":
        return _("Reason: %(reason)s", reason=d.get("reason", ""))
    if action == "data.pruned":
        return _("%(people)s people, kept %(months)s months after their last activity.",
                 people=d.get("people", 0), months=d.get("months", ""))
    if action == "mission.settings":
        return _("Changed: %(fields)s.", fields=_fields(d.get("fields")))
    if action == "roster.imported":
        return _("%(new)s new, %(updated)s updated, %(unchanged)s unchanged; %(enrolled)s "
                 "added to the cohort.", new=d.get("new", 0), updated=d.get("updated", 0),
                 unchanged=d.get("unchanged", 0), enrolled=d.get("enrolled", 0))
    if action == "attendance.saved":
        return _("%(present)s present.", present=d.get("present", 0))
    if action == "paper_quiz.recorded":
        return _("%(correct)s of %(total)s correct.", correct=d.get("correct", 0),
                 total=d.get("total", 0))
    if action in ("claim_codes.issued",):
        return _("Codes for %(count)s people, valid until %(until)s.",
                 count=d.get("count", 0), until=_day(d.get("until"), lang))
    if action in ("pin_reset.issued", "password_reset.issued"):
        return _("Valid until %(until)s.", until=_day(d.get("until"), lang))
    if action in ("staff.created", "trainer.created"):
        return _("Username %(username)s, role %(role)s.", username=d.get("username", ""),
                 role=d.get("role", "trainer"))
    if action == "sync.imported":
        return _("From %(source)s.", source=d.get("source", ""))
    if action == "mission.created":
        return d.get("code", "")
    if action == "contingent.added":
        return f"{d.get('country', '')} — {d.get('unit', '')}"
    if action == "cohort.created" or action == "cohort.changed":
        return d.get("name", "")
    return ""


@dataclass(frozen=True)
class EventRow:
    at: datetime
    when: str
    who: str
    what: str
    concerning: str
    target: str
    details: str


def _who(event: AuditEvent) -> str:
    if event.actor.startswith(f"{SYSTEM}:"):
        return {"system:cli": _("Command line"), "system:demo": _("Demonstration data")}.get(
            event.actor, _("The system"))
    return event.actor_name or event.actor


def rows(events: list[AuditEvent], lang: str) -> list[EventRow]:
    """Events as the audit page and its export show them, in `lang`."""
    with in_language(lang):
        return [EventRow(at=e.at, when=format_datetime(e.at, lang), who=_who(e),
                         what=str(ACTIONS.get(e.action, e.action)),
                         concerning=e.target_label or e.target, target=e.target,
                         details=detail_sentence(e, lang)) for e in events]


@dataclass(frozen=True)
class AuditFilter:
    person_ids: tuple[int, ...] | None = None  # None: anyone; (): no one matched
    certificate: str | None = None  # a normalised code
    cohort_id: int | None = None


def events_of_mission(mission_id: int, filters: AuditFilter = AuditFilter(),
                      limit: int = 500) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.mission_id == mission_id)
    if filters.person_ids is not None:
        query = query.where(AuditEvent.person_id.in_(filters.person_ids or (-1,)))
    if filters.certificate:
        query = query.where(AuditEvent.target == f"certificate:{filters.certificate}")
    if filters.cohort_id:
        query = query.where(AuditEvent.cohort_id == filters.cohort_id)
    return list(db.session.scalars(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)))


def certificate_history(code: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.target == f"certificate:{code}").order_by(AuditEvent.at, AuditEvent.id)))
