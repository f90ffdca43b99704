"""Issue and look up certificates; build what the PDF and the verify page show."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..content.loader import Content
from ..extensions import db
from ..models import Certificate, Completion, Person
from ..models.audit import record
from . import codes, signing


def active_certificate(person_id: int, module_id: str) -> Certificate | None:
    return db.session.scalar(
        select(Certificate).where(Certificate.person_id == person_id,
                                  Certificate.module_id == module_id,
                                  Certificate.revoked_at.is_(None))
        .order_by(Certificate.id.desc()).limit(1))


def certificate_payload(person: Person, completion: Completion, content: Content,
                        language: str, code: str) -> dict:
    contingent = person.contingent
    return {
        "code": code,
        "name": person.name,
        "category": person.category,
        "contingent": (f"{contingent.country} {contingent.unit}" if contingent else None),
        "mission": person.mission.name,
        "module": content.module_id,
        "content_version": completion.content_version,
        "language": language,
        "date": completion.completed_at.date().isoformat(),
    }


def issue_certificate(person: Person, completion: Completion, content: Content, language: str,
                      instance_path: str) -> Certificate:
    """The person's valid certificate for the module, issuing one if there is none yet."""
    existing = active_certificate(person.id, content.module_id)
    if existing:
        return existing
    for _ in range(5):  # a code collision is astronomically rare; try another code
        code = codes.new_code()
        token = signing.sign_token(
            certificate_payload(person, completion, content, language, code), instance_path)
        cert = Certificate(code=code, person_id=person.id, module_id=content.module_id,
                           content_version=completion.content_version, language=language,
                           token=token, issued_at=completion.completed_at)
        try:
            with db.session.begin_nested():
                db.session.add(cert)
            record(f"person:{person.id}", "certificate.issued", code,
                   mission_id=person.mission_id)
            db.session.commit()
            return cert
        except IntegrityError:
            existing = active_certificate(person.id, content.module_id)
            if existing:
                return existing
    raise RuntimeError("could not allocate a certificate code")


def find_certificate(raw_code: str) -> Certificate | None:
    """The certificate a typed code names; None for anything malformed, altered or unknown."""
    code = codes.normalise(raw_code)
    if code is None:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def published_keys(instance_path: str) -> dict:
    """The keys that verify certificates held here: this server's own, and those of the servers
    whose bundles it trusts (a camp's certificates stay verifiable at HQ, and offline)."""
    from ..models import SyncSource

    document = signing.keys_document(instance_path)
    own = {k["kid"] for k in document["keys"]}
    for source in db.session.scalars(select(SyncSource).order_by(SyncSource.id)):
        if source.kid not in own:
            document["keys"].append({"kid": source.kid, "public_key": source.public_key,
                                     "active": False, "issued_by": source.name})
    return document
