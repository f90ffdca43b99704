"""The certificate register: issuing, revoking and reissuing certificates, and finding them.

A person gets one certificate by themselves, on completion. Once HQ revokes it, it stays
revoked: nothing issues a new one automatically; only HQ can, with a reason (audited).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..audit import record
from ..extensions import db
from ..i18n import contingent_label
from ..models import Certificate, Completion, Mission, Person
from ..models.base import utcnow
from . import badges, codes, signing, status_list


def active_certificate(person_id: int, module_id: str) -> Certificate | None:
    """The person's valid certificate for the module, if any."""
    return db.session.scalar(
        select(Certificate).where(Certificate.person_id == person_id,
                                  Certificate.module_id == module_id,
                                  Certificate.revoked_at.is_(None))
        .order_by(Certificate.id.desc()).limit(1))


def latest_certificate(person_id: int, module_id: str) -> Certificate | None:
    """The valid certificate, or else the last one issued (revoked)."""
    return db.session.scalar(
        select(Certificate).where(Certificate.person_id == person_id,
                                  Certificate.module_id == module_id)
        .order_by(Certificate.revoked_at.is_not(None), Certificate.id.desc()).limit(1))


def certificate_payload(person: Person, completion: Completion, language: str,
                        code: str, status_index: int | None = None,
                        valid_until: datetime | None = None) -> dict:
    """What the signed token says: who, in what capacity, for what, when; until when it is
    valid, and its bit in the mission's revocation list (a path on the issuing site)."""
    payload = {
        "code": code,
        "name": person.name,
        "category": person.category,
        "contingent": contingent_label(person.contingent) or None,
        "mission": person.mission.name,
        "module": completion.module_id,
        "content_version": completion.content_version,
        "language": language,
        "date": completion.completed_at.date().isoformat(),
    }
    if valid_until is not None:
        payload["valid_until"] = valid_until.date().isoformat()
    if status_index is not None:
        payload["status_list"] = status_list.path(person.mission.code)
        payload["status_index"] = status_index
    return payload


def valid_until_for(mission: Mission, issued_at: datetime) -> datetime | None:
    """When a certificate issued now stops being valid, by the mission's setting."""
    days = mission.certificate_valid_days
    return issued_at + timedelta(days=days) if days else None


def _status_index(mission_id: int, attempt: int) -> int:
    """A free place in the mission's revocation list: at random (so that a place says nothing
    of when a certificate was issued), after the highest one taken when random places clash."""
    taken, highest = db.session.execute(
        select(func.count(Certificate.id), func.max(Certificate.status_index))
        .where(Certificate.mission_id == mission_id)).one()
    if attempt < 3:
        return secrets.randbelow(status_list.size_for(2 * taken))
    return (highest or 0) + 1 + attempt


def next_status_indices(mission_id: int):
    """Places after the highest one taken, for certificates arriving in bulk (camp bundles)."""
    highest = db.session.scalar(select(func.max(Certificate.status_index))
                                .where(Certificate.mission_id == mission_id))
    index = -1 if highest is None else highest
    while True:
        index += 1
        yield index


def _issue(person: Person, completion: Completion, language: str, instance_path: str,
           actor, action: str, **details) -> Certificate:
    issued_at = completion.completed_at if action == "certificate.issued" else utcnow()
    valid_until = valid_until_for(person.mission, issued_at)
    # a code collision is astronomically rare, a place in the status list less so: try again
    for attempt in range(6):
        code = codes.new_code()
        index = _status_index(person.mission_id, attempt)
        token = signing.sign_token(certificate_payload(person, completion, language, code,
                                                       index, valid_until), instance_path)
        cert = Certificate(code=code, person_id=person.id, mission_id=person.mission_id,
                           status_index=index, module_id=completion.module_id,
                           content_version=completion.content_version, language=language,
                           token=token, holder_name=person.name, issued_at=issued_at,
                           valid_until=valid_until)
        try:
            with db.session.begin_nested():
                db.session.add(cert)
        except IntegrityError:
            continue
        cert.person = person
        person.certificate_status = "valid"
        record(actor, action, cert, mission_id=person.mission_id, **details)
        db.session.commit()
        return cert
    raise RuntimeError("could not allocate a certificate code")


def issue_on_completion(person: Person, completion: Completion, language: str,
                        instance_path: str, actor=None) -> Certificate:
    """The certificate a completion earns: issued once. If the person already has one, valid
    or revoked, that one is returned: a revoked certificate is never replaced here."""
    existing = latest_certificate(person.id, completion.module_id)
    if existing is not None:
        return existing
    try:
        return _issue(person, completion, language, instance_path, actor or person,
                      "certificate.issued")
    except RuntimeError:
        existing = latest_certificate(person.id, completion.module_id)
        if existing is None:
            raise
        return existing


def revoke_certificate(cert: Certificate, reason: str, actor) -> bool:
    """Withdraw a certificate; False if it was already revoked. The reason is for HQ only."""
    if cert.revoked_at is not None:
        return False
    cert.revoked_at = utcnow()
    cert.revoked_reason = reason
    cert.revoked_by = _actor_key(actor)
    person = cert.person
    if active_certificate(person.id, cert.module_id) is None:
        person.certificate_status = "revoked"
    record(actor, "certificate.revoked", cert, mission_id=person.mission_id, reason=reason)
    db.session.commit()
    return True


def _actor_key(actor) -> str:
    from ..audit import actor_of

    return actor_of(actor)[0]


class NotCompleted(Exception):
    pass


class HolderRemoved(Exception):
    """The holder's details were erased or pruned: nothing is signed in their name again."""


def reissue_certificate(cert: Certificate, reason: str, actor, instance_path: str
                        ) -> Certificate:
    """HQ issues a new certificate (new code and token, the person's name as it is now) in
    place of this one, which is revoked if it still stands. Audited with the reason.
    HolderRemoved for a person whose details were erased or pruned."""
    if cert.person.removed:
        raise HolderRemoved(cert.code)
    completion = db.session.scalar(select(Completion).where(
        Completion.person_id == cert.person_id, Completion.module_id == cert.module_id))
    if completion is None:
        raise NotCompleted(cert.code)
    if cert.revoked_at is None:
        cert.revoked_at = utcnow()
        cert.revoked_reason = reason
        cert.revoked_by = _actor_key(actor)
        record(actor, "certificate.revoked", cert, mission_id=cert.person.mission_id,
               reason=reason)
    return _issue(cert.person, completion, cert.language, instance_path, actor,
                  "certificate.reissued", replaces=cert.code, reason=reason)


def record_badge_download(cert: Certificate, actor) -> None:
    """HQ downloaded a certificate as an Open Badge: the register says who and when."""
    record(actor, "certificate.badge_downloaded", cert, mission_id=cert.person.mission_id)
    db.session.commit()


def find_certificate(raw_code: str) -> Certificate | None:
    """The certificate a typed code names; None for anything malformed, altered or unknown."""
    code = codes.normalise(raw_code)
    if code is None:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def register_entry(code) -> Certificate | None:
    """The register's certificate of that code; None if there is none, or if this server has
    no register to look in (a bare checking machine)."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return find_certificate(code) if isinstance(code, str) else None
    except SQLAlchemyError:
        db.session.rollback()
        return None


@dataclass(frozen=True)
class SignedDetails:
    """What a certificate was signed with: the name, category and contingent at the time."""

    name: str
    category: str | None
    contingent: str | None
    mission: str
    date: str
    # the holder was erased or pruned (training_app.privacy): the register keeps the
    # certificate, not who held it
    removed: bool = False


def signed_details(cert: Certificate) -> SignedDetails:
    if cert.person.removed:
        return SignedDetails(name="", category=None, contingent=None,
                             mission=cert.person.mission.name,
                             date=cert.issued_at.date().isoformat(), removed=True)
    payload = signing.token_payload(cert.token)
    return SignedDetails(
        name=cert.holder_name or payload.get("name") or cert.person.name,
        category=payload.get("category") or cert.person.category,
        contingent=payload.get("contingent"),
        mission=payload.get("mission") or cert.person.mission.name,
        date=payload.get("date") or cert.issued_at.date().isoformat())


def name_changed_since(cert: Certificate) -> bool:
    """The person's record now names them differently from the certificate."""
    if cert.person.removed:
        return False
    return signed_details(cert).name != cert.person.name


def published_keys(instance_path: str) -> dict:
    """The keys that verify certificates held here: this server's own, and those of the servers
    whose bundles it trusts (a camp's certificates stay verifiable at HQ, and offline)."""
    from ..models import SyncSource

    document = signing.keys_document(instance_path)
    own = {k["kid"] for k in document["keys"]}
    for source in db.session.scalars(select(SyncSource).order_by(SyncSource.id)):
        if source.kid not in own:  # a key trusted for several missions is published once
            own.add(source.kid)
            document["keys"].append({"kid": source.kid, "public_key": source.public_key,
                                     "active": False, "issued_by": source.name})
    return document


def is_expired(cert: Certificate, now: datetime | None = None) -> bool:
    return cert.valid_until is not None and (now or utcnow()) >= cert.valid_until


def revoked_indices(mission_id: int) -> list[int]:
    return list(db.session.scalars(select(Certificate.status_index).where(
        Certificate.mission_id == mission_id, Certificate.revoked_at.is_not(None))))


def revoked_in_status_list(cert: Certificate) -> bool:
    """What the mission's published revocation list says of this certificate. The list is
    made from these same indices on each request, so a revocation shows there at once."""
    return cert.status_index in set(revoked_indices(cert.mission_id))


def status_list_document(mission: Mission, base_url: str, instance_path: str) -> dict:
    """The mission's signed revocation list as of now, from the register."""
    key = signing.load_private_key(instance_path, signing.ensure_signing_key(instance_path))
    highest = db.session.scalar(select(func.max(Certificate.status_index))
                                .where(Certificate.mission_id == mission.id)) or 0
    document = status_list.status_list_credential(
        base_url.rstrip("/") + status_list.path(mission.code), badges.did_key(key.public_key()),
        revoked_indices(mission.id), highest, utcnow())
    return status_list.sign_status_list(document, key)


def mission_by_code(code: str) -> Mission | None:
    """The mission of that code; None for none, or for text no mission code can be (too long,
    or with a NUL, which PostgreSQL cannot even compare)."""
    if not isinstance(code, str) or not 0 < len(code) <= 20 or "\x00" in code:
        return None
    return db.session.scalar(select(Mission).where(Mission.code == code))


@dataclass(frozen=True)
class CertificateCheck:
    """What the public check of a typed code says."""

    certificate: Certificate | None
    signed: SignedDetails | None
    revoked: bool  # as the mission's published revocation list says
    expired: bool


def check_certificate(raw_code: str) -> CertificateCheck:
    cert = find_certificate(raw_code)
    if cert is None:
        return CertificateCheck(None, None, False, False)
    return CertificateCheck(cert, signed_details(cert), revoked_in_status_list(cert),
                            is_expired(cert))
