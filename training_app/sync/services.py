"""Export what a camp server recorded, and apply it at mission HQ.

The rules (docs/sync.md says the same for operators):
- A person is the same person on both servers when the mission code and personnel number
  match. Their profile (name, category, contingent, language, PIN) is taken from whichever
  copy was changed last; on a tie, HQ's copy stays.
- Progress is merged and never removed: the earliest first view of a slide, the latest answer
  to a case study, every quiz attempt (known by its token; a submitted attempt is never
  changed), the earliest completion, every certificate (known by its code; a revocation is
  carried over, never undone).
- A bundle is applied whole or not at all, and a bundle applied once is not applied again;
  applying an overlapping bundle changes only what is new in it.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import or_, select

from ..audit import record
from ..categories import BY_ID as CATEGORIES
from ..certificates.services import next_status_indices
from ..certificates.signing import (
    public_key_from_text,
    public_key_text,
    public_keys,
    token_payload,
)
from ..extensions import db
from ..models import (
    CaseStudyResponse,
    Certificate,
    Completion,
    Contingent,
    Mission,
    Person,
    QuizAttempt,
    SlideView,
    SyncImport,
    SyncRecipient,
    SyncSource,
)
from .bundle import BundleError, TrustedKey, not_after, read_bundle, write_bundle

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TABLES = ("people", "slide_views", "case_study_responses", "quiz_attempts", "completions",
          "certificates")


def utc(value: datetime | None) -> datetime | None:
    """A moment read from a bundle, in UTC (a value without a zone is taken as UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _iso(value: datetime | None) -> str | None:
    return utc(value).isoformat() if value else None


def _when(value, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = utc(datetime.fromisoformat(value))
    except (TypeError, ValueError) as exc:
        raise BundleError("bad-record", field) from exc
    if parsed > not_after():  # a date from the future would win every "latest change" merge
        raise BundleError("future-date", field)
    return parsed


# ---- trust ----------------------------------------------------------------------------

def own_key_document(instance_path: str, name: str) -> dict:
    """What the other side needs: this server's name, its active signing key (HQ trusts it
    with `flask sync trust`) and its sealing key (a camp seals to it with `send-to`)."""
    from ..certificates.signing import ensure_signing_key
    from .sealing import own_sealing_key

    kid = ensure_signing_key(instance_path)
    key = public_keys(instance_path)[kid]
    return {"name": name, "kid": kid, "public_key": public_key_text(key),
            "sealing": own_sealing_key(instance_path)}


def _document_name(document: dict) -> str:
    name = str(document.get("name") or "").strip()[:120]
    if not name:
        raise BundleError("bad-key-document")
    return name


def trust(document: dict, actor, mission: Mission) -> SyncSource:
    """Accept bundles for `mission` (and certificates) signed by this key from now on."""
    name = _document_name(document)
    kid = str(document.get("kid") or "").strip()
    text = str(document.get("public_key") or "").strip()
    if not kid or len(kid) > 60:
        raise BundleError("bad-key-document")
    try:
        public_key_from_text(text)
    except (ValueError, TypeError) as exc:
        raise BundleError("bad-key-document") from exc
    rows = list(db.session.scalars(select(SyncSource).where(SyncSource.kid == kid)))
    if any(row.public_key != text for row in rows):
        raise BundleError("bad-key-document", "another key already has this id")
    source = next((row for row in rows if row.mission_id == mission.id), None)
    if source is None:
        source = SyncSource(kid=kid, name=name, public_key=text, mission_id=mission.id,
                            added_by=_name_of(actor))
        db.session.add(source)
    else:
        source.name = name
    record(actor, "sync.trusted", f"key:{kid}", mission_id=mission.id, name=name)
    db.session.commit()
    return source


def trusted_keys(instance_path: str) -> dict[str, TrustedKey]:
    """Keys whose bundles this server applies, each with the missions it may write to: the
    sources it trusts, and its own (for every mission)."""
    codes = dict(db.session.execute(select(Mission.id, Mission.code)).all())
    missions: dict[str, set[str]] = {}
    texts: dict[str, str] = {}
    for source in db.session.scalars(select(SyncSource)):
        texts[source.kid] = source.public_key
        missions.setdefault(source.kid, set())
        if source.mission_id in codes:
            missions[source.kid].add(codes[source.mission_id])
    keys = {kid: TrustedKey(public_key_from_text(texts[kid]), frozenset(missions[kid]))
            for kid in texts}
    keys.update({kid: TrustedKey(key, None) for kid, key in public_keys(instance_path).items()})
    return keys


def source_names() -> dict[str, str]:
    return {s.kid: s.name for s in db.session.scalars(select(SyncSource))}


def send_to(document: dict, actor, mission: Mission) -> SyncRecipient:
    """On a camp server: seal this mission's bundles to the HQ whose key document this is."""
    from .sealing import x25519_from_text

    name = _document_name(document)
    sealing = document.get("sealing")
    if not isinstance(sealing, dict):
        raise BundleError("bad-key-document", "it has no sealing key")
    kid = str(sealing.get("kid") or "").strip()
    text = str(sealing.get("public_key") or "").strip()
    if not kid or len(kid) > 60 or len(text) > 100:
        raise BundleError("bad-key-document")
    try:
        x25519_from_text(text)
    except (ValueError, TypeError) as exc:
        raise BundleError("bad-key-document") from exc
    recipient = recipient_of(mission.id)
    if recipient is None:
        recipient = SyncRecipient(mission_id=mission.id)
        db.session.add(recipient)
    recipient.name, recipient.kid, recipient.public_key = name, kid, text
    recipient.added_by = _name_of(actor)
    recipient.added_at = datetime.now(UTC)
    record(actor, "sync.recipient_set", mission, mission_id=mission.id, name=name, key=kid)
    db.session.commit()
    return recipient


def recipient_of(mission_id: int) -> SyncRecipient | None:
    """The HQ this mission's bundles are sealed to, if one was set."""
    return db.session.scalar(select(SyncRecipient).where(SyncRecipient.mission_id == mission_id))


def recipients() -> list[SyncRecipient]:
    return list(db.session.scalars(select(SyncRecipient).order_by(SyncRecipient.mission_id)))


# ---- export ---------------------------------------------------------------------------

def export_bundle(mission: Mission, since: datetime | None, site_name: str,
                  instance_path: str, actor=None) -> tuple[bytes, dict]:
    """A bundle of what changed in the mission since `since` (everything if None), sealed to
    the mission HQ set with `send_to` and signed; BundleError("no-recipient") if none is set.
    With an `actor`, the export is recorded in the audit log."""
    from .sealing import x25519_from_text

    recipient = recipient_of(mission.id)
    if recipient is None:
        raise BundleError("no-recipient", mission.code)
    records = export_records(mission, since or EPOCH, site_name, instance_path)
    counts = {table: len(records[table]) for table in TABLES}
    data = write_bundle(records, instance_path, mission.code, recipient.kid,
                        x25519_from_text(recipient.public_key))
    if actor is not None:
        record(actor, "sync.exported", mission, mission_id=mission.id,
               since=since.isoformat() if since else None, **counts)
        db.session.commit()
    return data, counts


def imports_of(mission_id: int, limit: int = 50) -> list[SyncImport]:
    return list(db.session.scalars(select(SyncImport).where(SyncImport.mission_id == mission_id)
                                   .order_by(SyncImport.imported_at.desc()).limit(limit)))


def sources(mission_id: int | None = None) -> list[SyncSource]:
    """The servers whose bundles (for their mission) and certificates this one trusts; with a
    mission, only those trusted for it."""
    query = select(SyncSource).order_by(SyncSource.name, SyncSource.mission_id)
    if mission_id is not None:
        query = query.where(SyncSource.mission_id == mission_id)
    return list(db.session.scalars(query))


def export_records(mission: Mission, since: datetime, site_name: str,
                   instance_path: str) -> dict:
    from ..certificates.signing import ensure_signing_key

    kid = ensure_signing_key(instance_path)
    since = utc(since)
    changed = [
        select(Person.id).where(Person.mission_id == mission.id, or_(
            Person.created_at >= since, Person.updated_at >= since)),
        select(SlideView.person_id).where(SlideView.first_seen_at >= since),
        select(CaseStudyResponse.person_id).where(CaseStudyResponse.updated_at >= since),
        select(QuizAttempt.person_id).where(or_(QuizAttempt.started_at >= since,
                                                QuizAttempt.submitted_at >= since)),
        select(Completion.person_id).where(Completion.completed_at >= since),
        select(Certificate.person_id).where(or_(Certificate.issued_at >= since,
                                                Certificate.revoked_at >= since)),
    ]
    ids: set[int] = set()
    for query in changed:
        ids.update(db.session.scalars(query))
    # people erased or pruned here leave nothing in a bundle
    people = _rows_by(Person.id, sorted(ids), Person.mission_id == mission.id,
                      Person.erased_at.is_(None), Person.pruned_at.is_(None))
    number = {pid: p.personnel_number for pid, p in people.items()}
    contingents = {c.id: c for c in mission.contingents}

    def rows(model, *conditions):
        found = []
        for chunk in _chunks(sorted(people)):
            found += db.session.scalars(select(model).where(model.person_id.in_(chunk),
                                                            *conditions)).all()
        return found

    return {
        "bundle_id": str(uuid.uuid4()),
        "created_at": _iso(datetime.now(UTC)),
        "since": _iso(since),
        "source": {"name": site_name, "kid": kid},
        "mission": {"code": mission.code, "name": mission.name},
        "contingents": [{"country": c.country, "unit": c.unit} for c in contingents.values()],
        "people": [{
            "personnel_number": p.personnel_number, "name": p.name, "category": p.category,
            "contingent": ({"country": contingents[p.contingent_id].country,
                            "unit": contingents[p.contingent_id].unit}
                           if p.contingent_id in contingents else None),
            "language": p.language, "pin_hash": p.pin_hash,
            "created_at": _iso(p.created_at), "updated_at": _iso(p.updated_at or p.created_at),
        } for p in people.values()],
        "slide_views": [{"person": number[v.person_id], "slide_id": v.slide_id,
                         "first_seen_at": _iso(v.first_seen_at)}
                        for v in rows(SlideView, SlideView.first_seen_at >= since)],
        "case_study_responses": [{
            "person": number[r.person_id], "case_study_id": r.case_study_id, "answer": r.answer,
            "created_at": _iso(r.created_at), "updated_at": _iso(r.updated_at),
        } for r in rows(CaseStudyResponse, CaseStudyResponse.updated_at >= since)],
        "quiz_attempts": [{
            "person": number[a.person_id], "token": a.token, "quiz_id": a.quiz_id,
            "language": a.language, "statement_ids": a.statement_ids, "answers": a.answers,
            "mission_statements": a.mission_statements, "correct": a.correct,
            "total": a.total, "passed": a.passed, "mode": a.mode,
            "started_at": _iso(a.started_at), "submitted_at": _iso(a.submitted_at),
        } for a in rows(QuizAttempt, or_(QuizAttempt.started_at >= since,
                                         QuizAttempt.submitted_at >= since))],
        "completions": [{
            "person": number[c.person_id], "module_id": c.module_id,
            "content_version": c.content_version, "completed_at": _iso(c.completed_at),
        } for c in rows(Completion, Completion.completed_at >= since)],
        "certificates": [{
            "person": number[c.person_id], "code": c.code, "module_id": c.module_id,
            "content_version": c.content_version, "language": c.language, "token": c.token,
            "issued_at": _iso(c.issued_at), "revoked_at": _iso(c.revoked_at),
            "revoked_reason": c.revoked_reason, "revoked_by": c.revoked_by,
            "valid_until": _iso(c.valid_until),
        } for c in rows(Certificate, or_(Certificate.issued_at >= since,
                                         Certificate.revoked_at >= since))],
    }


def _chunks(items: list, size: int = 900):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _rows_by(column, values: list, *conditions) -> dict:
    """The rows whose `column` is one of `values` (read in chunks), keyed by that value."""
    model, key = column.class_, column.key
    found = {}
    for chunk in _chunks(values):
        for row in db.session.scalars(select(model).where(column.in_(chunk), *conditions)):
            found[getattr(row, key)] = row
    return found


# ---- import ---------------------------------------------------------------------------

class ImportResult:
    def __init__(self, status: str, counts: dict, mission: Mission, source: str,
                 bundle_id: str, imported_at: datetime | None = None):
        self.status = status  # "applied" or "already"
        self.counts = counts
        self.mission = mission
        self.source = source
        self.bundle_id = bundle_id
        self.imported_at = imported_at


def import_bundle(data: bytes, actor, instance_path: str,
                  mission_id: int | None = None, languages=(),
                  secret: str | None = None) -> ImportResult:
    """Check and apply a bundle in one transaction. BundleError (nothing written) if it is
    not genuine, not from a trusted server, for another mission, or its records are bad.
    Records of people erased or pruned here are skipped (`secret`: the app's key, which
    recognises their former personnel numbers)."""
    if secret is None:
        from flask import current_app

        secret = current_app.secret_key
    records = read_bundle(data, trusted_keys(instance_path), instance_path)
    bundle_id = _text(records.get("bundle_id"), "bundle_id", 60)
    mission_code = _text((records.get("mission") or {}).get("code"), "mission", 20)
    mission = db.session.scalar(select(Mission).where(Mission.code == mission_code))
    if mission is None:
        raise BundleError("unknown-mission", mission_code)
    if mission_id is not None and mission.id != mission_id:
        raise BundleError("other-mission", mission_code)
    source_kid = records["source"]["kid"]
    source = source_names().get(source_kid) or _text(records["source"].get("name"), "source",
                                                     120)
    earlier = db.session.scalar(select(SyncImport).where(SyncImport.bundle_id == bundle_id))
    if earlier is not None:
        return ImportResult("already", earlier.counts, mission, earlier.source, bundle_id,
                            earlier.imported_at)
    try:
        counts, people = _apply(records, mission, set(languages), secret)
        db.session.add(SyncImport(
            bundle_id=bundle_id, source=source, kid=source_kid, mission_id=mission.id,
            created_at=_when(records.get("created_at"), "created_at") or datetime.now(UTC),
            imported_by=_name_of(actor), counts=counts))
        record(actor, "sync.imported", f"bundle:{bundle_id}", mission_id=mission.id,
               source=source, **counts)
        db.session.commit()
        _settle(people, instance_path)
    except BundleError:
        db.session.rollback()
        raise
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        db.session.rollback()
        raise BundleError("bad-record", type(exc).__name__) from exc
    return ImportResult("applied", counts, mission, source, bundle_id)


def _name_of(actor) -> str:
    from ..audit import actor_of

    key, name = actor_of(actor)
    return (name or key)[:120]


def _settle(people: list[Person], instance_path: str) -> None:
    """What the bundle brought may complete someone here: the one completion rule decides,
    with this server's pass mark."""
    from ..content import get_content
    from ..learn import services as learn

    content = get_content()
    for person in people:
        learn.settle(person, content, person.language, instance_path, actor="system:sync")


def _regrade(row: dict, statement_ids: list, mark: float) -> tuple[int | None, bool | None]:
    """A camp's quiz attempt marked again here: by this server's key where it knows every
    statement, else the camp's count of right answers against this server's pass mark."""
    from ..content import get_content
    from ..learn import services as learn

    answers, correct, total = row.get("answers"), row.get("correct"), row.get("total")
    if not isinstance(answers, dict) or not isinstance(total, int) or total <= 0:
        return row.get("correct"), row.get("passed")
    quiz = get_content().quiz
    extra = row.get("mission_statements") or {}
    known = {s.id for s in quiz.statements} | set(extra)
    if all(isinstance(sid, str) and sid in known for sid in statement_ids):
        result = learn.grade(quiz, statement_ids, {k: bool(v) for k, v in answers.items()},
                             mark, extra)
        return result.correct, result.passed
    if not isinstance(correct, int):
        return None, None
    return correct, learn.passes(correct, total, mark)


def _text(value, field: str, limit: int, empty_ok: bool = False) -> str:
    if not isinstance(value, str) or len(value) > limit or (not value.strip() and not empty_ok):
        raise BundleError("bad-record", field)
    return value


def _list(records: dict, table: str) -> list[dict]:
    value = records.get(table, [])
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise BundleError("bad-record", table)
    return value


def _apply(records: dict, mission: Mission, languages: set[str],
           secret: str) -> tuple[dict, list]:
    from ..content import get_content
    from ..learn import services as learn
    from ..privacy import removed_numbers

    mark = learn.pass_mark(get_content())
    counts: Counter = Counter()
    contingents = {(c.country, c.unit): c for c in mission.contingents}

    def contingent_id(value) -> int | None:
        if value is None:
            return None
        key = (_text(value.get("country"), "contingent", 2), _text(value.get("unit"),
                                                                   "contingent", 120))
        if not (key[0].isalpha() and key[0].isupper()):
            raise BundleError("bad-record", "contingent")
        if key not in contingents:
            contingents[key] = Contingent(mission_id=mission.id, country=key[0], unit=key[1])
            db.session.add(contingents[key])
            db.session.flush()
            counts["contingents_added"] += 1
        return contingents[key].id

    incoming = _list(records, "people")
    numbers = [_text(p.get("personnel_number"), "personnel_number", 40) for p in incoming]
    # an erased (or pruned) person stays gone: nothing of theirs is applied again
    tables = ("slide_views", "case_study_responses", "quiz_attempts", "completions",
              "certificates")
    referenced = {row.get("person") for t in tables for row in _list(records, t)
                  if isinstance(row.get("person"), str)}
    removed = removed_numbers(mission.id, sorted(set(numbers) | referenced), secret)

    def kept(table: str) -> list[dict]:
        rows = [row for row in _list(records, table) if row.get("person") not in removed]
        if len(rows) < len(_list(records, table)):
            counts["records_skipped_removed"] += len(_list(records, table)) - len(rows)
        return rows
    local: dict[str, Person] = _rows_by(Person.personnel_number, numbers,
                                        Person.mission_id == mission.id)
    for number, p in zip(numbers, incoming, strict=True):
        if number in removed:
            counts["people_skipped_removed"] += 1
            continue
        category = _text(p.get("category"), "category", 40)
        language = _text(p.get("language"), "language", 5)
        if category not in CATEGORIES or (languages and language not in languages):
            raise BundleError("bad-record", f"person {number}")
        profile = {"name": _text(p.get("name"), "name", 200), "category": category,
                   "contingent_id": contingent_id(p.get("contingent")), "language": language,
                   "pin_hash": p.get("pin_hash") if isinstance(p.get("pin_hash"), str) else None}
        updated = _when(p.get("updated_at"), "updated_at") or EPOCH
        person = local.get(number)
        if person is None:
            person = Person(mission_id=mission.id, personnel_number=number,
                            created_at=_when(p.get("created_at"), "created_at") or updated,
                            updated_at=updated, **profile)
            db.session.add(person)
            local[number] = person
            counts["people_added"] += 1
        elif updated > (person.updated_at or EPOCH):
            if any(getattr(person, k) != v for k, v in profile.items()):
                for key, value in profile.items():
                    setattr(person, key, value)
                counts["people_updated"] += 1
            person.updated_at = updated
    db.session.flush()

    def owner(row: dict) -> Person:
        person = local.get(row.get("person"))
        if person is None:
            raise BundleError("bad-record", "person")
        return person

    ids = [p.id for p in local.values()]

    def existing(model, key):
        found = {}
        for chunk in _chunks(ids):
            for row in db.session.scalars(select(model).where(model.person_id.in_(chunk))):
                found[(row.person_id, getattr(row, key))] = row
        return found

    views = existing(SlideView, "slide_id")
    for row in kept("slide_views"):
        person, slide_id = owner(row), _text(row.get("slide_id"), "slide_id", 60)
        seen = _when(row.get("first_seen_at"), "first_seen_at")
        mine = views.get((person.id, slide_id))
        if mine is None:
            views[(person.id, slide_id)] = SlideView(person_id=person.id, slide_id=slide_id,
                                                     first_seen_at=seen)
            db.session.add(views[(person.id, slide_id)])
            counts["slide_views_added"] += 1
        elif seen and seen < mine.first_seen_at:
            mine.first_seen_at = seen
            counts["slide_views_updated"] += 1

    answers = existing(CaseStudyResponse, "case_study_id")
    for row in kept("case_study_responses"):
        person = owner(row)
        case_id = _text(row.get("case_study_id"), "case_study_id", 60)
        try:  # the one rule the page and the offline queue follow
            text = learn.checked_answer(_text(row.get("answer"), "answer", 100_000))
        except learn.AnswerRefused as exc:
            raise BundleError("bad-record", f"case study answer: {exc.reason}") from exc
        updated = _when(row.get("updated_at"), "updated_at") or EPOCH
        mine = answers.get((person.id, case_id))
        if mine is None:
            answers[(person.id, case_id)] = CaseStudyResponse(
                person_id=person.id, case_study_id=case_id, answer=text, updated_at=updated,
                created_at=_when(row.get("created_at"), "created_at") or updated)
            db.session.add(answers[(person.id, case_id)])
            counts["case_study_responses_added"] += 1
        elif updated > mine.updated_at and mine.answer != text:
            mine.answer, mine.updated_at = text, updated
            counts["case_study_responses_updated"] += 1

    attempts_in = kept("quiz_attempts")
    tokens = [_text(a.get("token"), "token", 40) for a in attempts_in]
    attempts = _rows_by(QuizAttempt.token, tokens)
    for token, row in zip(tokens, attempts_in, strict=True):
        person = owner(row)
        submitted = _when(row.get("submitted_at"), "submitted_at")
        if row.get("answers") is not None and not isinstance(row.get("answers"), dict):
            raise BundleError("bad-record", "answers")
        correct, passed = _regrade(row, row.get("statement_ids") or [], mark) \
            if submitted else (None, None)
        result = {"answers": row.get("answers"), "correct": correct, "passed": passed,
                  "submitted_at": submitted}
        mine = attempts.get(token)
        if mine is None:
            statement_ids = row.get("statement_ids")
            if not isinstance(statement_ids, list) or not isinstance(row.get("total"), int):
                raise BundleError("bad-record", "quiz_attempts")
            attempts[token] = QuizAttempt(
                person_id=person.id, token=token, quiz_id=_text(row.get("quiz_id"), "quiz_id", 40),
                language=_text(row.get("language"), "language", 5), statement_ids=statement_ids,
                mission_statements=row.get("mission_statements"), total=row["total"],
                mode=_text(row.get("mode") or "online", "mode", 10),
                started_at=_when(row.get("started_at"), "started_at") or submitted or EPOCH,
                **result)
            db.session.add(attempts[token])
            counts["quiz_attempts_added"] += 1
        elif mine.person_id != person.id:
            raise BundleError("bad-record", "quiz attempt of another person")
        elif mine.submitted_at is None and submitted is not None:
            for key, value in result.items():
                setattr(mine, key, value)
            counts["quiz_attempts_updated"] += 1

    completions = existing(Completion, "module_id")
    for row in kept("completions"):
        person = owner(row)
        module_id = _text(row.get("module_id"), "module_id", 40)
        done = _when(row.get("completed_at"), "completed_at")
        if done is None:
            raise BundleError("bad-record", "completed_at")
        mine = completions.get((person.id, module_id))
        if mine is None:
            completions[(person.id, module_id)] = Completion(
                person_id=person.id, module_id=module_id, completed_at=done,
                content_version=_text(row.get("content_version"), "content_version", 60))
            db.session.add(completions[(person.id, module_id)])
            counts["completions_added"] += 1
        elif done < mine.completed_at:
            mine.completed_at = done
            counts["completions_updated"] += 1
        if module_id == get_content().module_id and (person.completed_at is None
                                                     or done < person.completed_at):
            person.completed_at = done

    certs_in = kept("certificates")
    codes = [_text(c.get("code"), "code", 16) for c in certs_in]
    certificates = _rows_by(Certificate.code, codes)
    # The camp's certificates keep the place in the revocation list that their token names,
    # when this server has it free (the mission's list is one list); else they get a new one.
    status_indices = next_status_indices(mission.id)
    wanted = {code: token_payload(str(row.get("token") or "")).get("status_index")
              for code, row in zip(codes, certs_in, strict=True)}
    wanted = {code: index for code, index in wanted.items()
              if isinstance(index, int) and not isinstance(index, bool) and index >= 0}
    taken = set()
    for chunk in _chunks(sorted(set(wanted.values()))):
        taken.update(db.session.scalars(select(Certificate.status_index).where(
            Certificate.mission_id == mission.id, Certificate.status_index.in_(chunk))))

    def place_for(code: str) -> int:
        index = wanted.get(code)
        if index is None or index in taken:
            index = next(status_indices)
            while index in taken:
                index = next(status_indices)
        taken.add(index)
        return index

    for code, row in zip(codes, certs_in, strict=True):
        person = owner(row)
        revoked = _when(row.get("revoked_at"), "revoked_at")
        mine = certificates.get(code)
        if mine is None:
            certificates[code] = Certificate(
                code=code, person_id=person.id, mission_id=mission.id,
                status_index=place_for(code),
                valid_until=_when(row.get("valid_until"), "valid_until"),
                module_id=_text(row.get("module_id"), "module", 40),
                content_version=_text(row.get("content_version"), "content_version", 60),
                language=_text(row.get("language"), "language", 5),
                token=_text(row.get("token"), "token", 10_000),
                issued_at=_when(row.get("issued_at"), "issued_at") or EPOCH, revoked_at=revoked,
                revoked_reason=row.get("revoked_reason") if revoked else None,
                revoked_by=row.get("revoked_by") if revoked else None)
            db.session.add(certificates[code])
            counts["certificates_added"] += 1
        elif mine.person_id != person.id:
            raise BundleError("bad-record", "certificate of another person")
        elif revoked is not None and mine.revoked_at is None:
            mine.revoked_at = revoked
            mine.revoked_reason = str(row.get("revoked_reason") or "")[:500]
            mine.revoked_by = str(row.get("revoked_by") or "")[:120]
            counts["certificates_revoked"] += 1
    for person in local.values():
        status = _certificate_status(person)
        if status:
            person.certificate_status = status
    db.session.flush()
    return dict(counts), list(local.values())


def _certificate_status(person: Person) -> str | None:
    states = list(db.session.scalars(select(Certificate.revoked_at.is_(None)).where(
        Certificate.person_id == person.id)))
    if not states:
        return None
    return "valid" if any(states) else "revoked"
