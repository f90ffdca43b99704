"""Completion certificates as Open Badges 3.0 credentials that wallets accept: a W3C Verifiable
Credential of type OpenBadgeCredential, signed with the certificate key as two embedded Data
Integrity proofs (W3C "Data Integrity EdDSA Cryptosuites v1.0"): eddsa-rdfc-2022 (RDF Dataset
Canonicalization, what 1EdTech's and the Digital Credentials Consortium's verifiers check) and
eddsa-jcs-2022 (JSON Canonicalization, checkable without any JSON-LD processor). `proof` is an
array, as the Open Badges 3.0 schema requires.

The signing key is named by a did:key (multicodec ed25519-pub, base58btc), which is also the
issuer's id, so any verifier can check the proof offline; /verify/keys.json lists the same keys
by kid, and verify_badge maps one to the other.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..content.loader import SOURCE_LANGUAGE, Content, fill
from ..i18n import _, in_language
from ..models import Certificate, Person
from . import codes, linked_data, signing, status_list

CONTEXT = [linked_data.VC_V2, linked_data.OB_V3]
CREDENTIAL_TYPE = ["VerifiableCredential", "OpenBadgeCredential"]
PROOF_TYPE = "DataIntegrityProof"
JCS_SUITE = "eddsa-jcs-2022"
RDFC_SUITE = "eddsa-rdfc-2022"
CRYPTOSUITES = (RDFC_SUITE, JCS_SUITE)  # the order of the proofs in a badge
PROOF_PURPOSE = "assertionMethod"
# The Open Badges 3.0 achievement type for "completion of an assignment, training or other
# activity" (an exact match of the CTDL term).
ACHIEVEMENT_TYPE = "CertificateOfCompletion"
ED25519_PUB_MULTICODEC = b"\xed\x01"
MEDIA_TYPE = "application/ld+json"

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_VALUE = {c: i for i, c in enumerate(_BASE58)}
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})\Z")
# JCS (RFC 8785) serialises numbers as ECMAScript does; integers agree with Python only
# within the I-JSON safe range, and the credential needs no floats at all.
_SAFE_INTEGER = 2**53 - 1


class BadgeError(ValueError):
    """The credential is malformed, altered, truncated, or not signed by a published key."""


class CertificateRevoked(ValueError):
    """A revoked certificate is never exported as a credential."""


# --- encodings -------------------------------------------------------------------------------

def base58btc_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = _BASE58[rest] + out
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + out


def base58btc_decode(text: str) -> bytes:
    if not isinstance(text, str) or any(c not in _BASE58_VALUE for c in text):
        raise BadgeError("not base58btc")
    number = 0
    for char in text:
        number = number * 58 + _BASE58_VALUE[char]
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def multibase_decode(text: str) -> bytes:
    """Bytes of a multibase base58btc string ("z..."), the only base this suite allows."""
    if not isinstance(text, str) or not text.startswith("z"):
        raise BadgeError("not a multibase base58btc value")
    return base58btc_decode(text[1:])


def _check_jcs_value(value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise BadgeError("object keys must be strings")
            _check_jcs_value(item)
    elif isinstance(value, list):
        for item in value:
            _check_jcs_value(item)
    elif isinstance(value, bool) or value is None or isinstance(value, str):
        return
    elif isinstance(value, int):
        if abs(value) > _SAFE_INTEGER:
            raise BadgeError("integer outside the I-JSON range")
    else:  # floats (and anything that is not JSON) would need ECMAScript number formatting
        raise BadgeError(f"cannot canonicalise a {type(value).__name__}")


def _utf16_order(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _jcs(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(
            json.dumps(key, ensure_ascii=False) + ":" + _jcs(value[key])
            for key in sorted(value, key=_utf16_order)) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_jcs(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def canonical_json(value: Any) -> bytes:
    """The JSON Canonicalization Scheme (RFC 8785) form of a value without floats.

    Strings are escaped as ECMAScript's JSON.stringify does (json.dumps with ensure_ascii=False:
    only quote, backslash and U+0000-U+001F, the latter as \\b \\t \\n \\f \\r or lower-case
    \\u00hh), members are sorted by their names' UTF-16 code units, no whitespace. For this
    credential, whose member names are all ASCII, that equals json.dumps(sort_keys=True,
    separators=(",", ":"), ensure_ascii=False). Lone surrogates are not I-JSON and are refused.
    """
    _check_jcs_value(value)
    try:
        return _jcs(value).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadgeError("a string is not valid Unicode") from exc


# --- keys ------------------------------------------------------------------------------------

def did_key(public_key: Ed25519PublicKey) -> str:
    """did:key of an Ed25519 public key: multicodec 0xed01, then base58btc ("z6Mk...")."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "did:key:z" + base58btc_encode(ED25519_PUB_MULTICODEC + raw)


def verification_method(public_key: Ed25519PublicKey) -> str:
    did = did_key(public_key)
    return f"{did}#{did.removeprefix('did:key:')}"


def public_key_from_did_key(method: str) -> Ed25519PublicKey:
    """The Ed25519 key a did:key verification method names; BadgeError for anything else."""
    if not isinstance(method, str) or not method.startswith("did:key:z"):
        raise BadgeError("the verification method is not a did:key")
    did, _sep, fragment = method.partition("#")
    identifier = did.removeprefix("did:key:")
    if fragment and fragment != identifier:
        raise BadgeError("the did:key fragment names another key")
    raw = multibase_decode(identifier)
    if len(raw) != 34 or not raw.startswith(ED25519_PUB_MULTICODEC):
        raise BadgeError("the did:key is not an Ed25519 public key")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


# --- the credential --------------------------------------------------------------------------

@cache
def badge_image_uri() -> str:
    """The badge's picture (a check mark on UN blue, "SGTM 1") as an SVG data URI: wallets
    show it without fetching anything."""
    svg = Path(__file__).with_name("badge.svg").read_bytes()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _image(caption: str) -> dict:
    return {"id": badge_image_uri(), "type": "Image", "caption": caption}


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def badge_credential(certificate: Certificate, person: Person, content: Content, base_url: str,
                     issuer_id: str, lang: str | None = None) -> dict:
    """The unsigned OpenBadgeCredential for a certificate, in `lang` (default: the certificate's
    language). issuer_id is the did:key of the key that will sign it. Raises CertificateRevoked
    for a revoked certificate."""
    if certificate.revoked_at is not None:
        raise CertificateRevoked(certificate.code)
    lang = lang or certificate.language
    holder = certificate.holder_name or person.name  # the name the certificate was signed with
    base = base_url.rstrip("/")
    verify_url = f"{base}/verify/{certificate.code}"
    words = content.text(lang, "module", "certificate")
    aim = content.text(lang, "module", "aim")
    criteria = content.text(lang, "module", "assessment_criteria") or {}
    module_title = words["module"]
    with in_language(lang):
        narrative = _("Every slide of the module seen, every case study answered and the "
                      "true/false quiz passed. The module's assessment criteria:")
        issuer_description = _("United Nations peacekeeping")
        evidence_name = _("Verification code")
        evidence_narrative = _("Anyone can check this certificate at %(url)s", url=verify_url)
    narrative += "".join(f"\n\n- {criteria[key]}" for key in content.assessment_criteria
                         if key in criteria)
    credential = {
        "@context": list(CONTEXT),
        "id": verify_url,
        "type": list(CREDENTIAL_TYPE),
        "issuer": {
            "id": issuer_id,
            "type": ["Profile"],
            "name": person.mission.name,
            "description": issuer_description,
            "url": f"{base}/",
        },
        "validFrom": _timestamp(certificate.issued_at),
        "name": module_title,
        "description": fill(words["statement"], {"name": holder, "module": module_title}),
        "image": _image(module_title),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            # Open Badges 3.0: a subject without an id names its holder by an IdentityObject.
            # The name is printed on the certificate and shown by /verify/<code>, so it is not
            # hashed; the personnel number stays out, as on the verify page.
            "identifier": [{
                "type": "IdentityObject",
                "identityHash": holder,
                "identityType": "name",
                "hashed": False,
            }],
            "achievement": {
                "id": f"{base}/{SOURCE_LANGUAGE}/module",
                "type": ["Achievement"],
                "achievementType": ACHIEVEMENT_TYPE,
                "humanCode": "SGTM 1",
                "name": module_title,
                "image": _image(module_title),
                "description": aim["paragraphs"][0],
                "criteria": {"narrative": narrative},
                "inLanguage": lang,
                "version": certificate.content_version,
            },
        },
        "evidence": [{
            "id": verify_url,
            "type": ["Evidence"],
            "name": evidence_name,
            "description": codes.display(certificate.code),
            "narrative": evidence_narrative,
        }],
        "credentialStatus": status_list.credential_status(
            base + status_list.path(person.mission.code), certificate.status_index),
    }
    if certificate.valid_until is not None:
        credential["validUntil"] = _timestamp(certificate.valid_until)
    return credential


# --- eddsa-rdfc-2022 and eddsa-jcs-2022 --------------------------------------------------------

def _canonical(value: dict, cryptosuite: str) -> bytes:
    if cryptosuite == JCS_SUITE:
        return canonical_json(value)
    try:
        return linked_data.canonical_nquads(value)
    except linked_data.LinkedDataError as exc:
        raise BadgeError(f"not canonicalisable JSON-LD: {exc}") from exc


def _hash_data(unsecured: dict, proof_config: dict, cryptosuite: str) -> bytes:
    """Hashing (both suites): SHA-256 of the canonical proof configuration, followed by SHA-256
    of the canonical document; canonical by JCS or by RDFC-1.0 as the suite says."""
    return (hashlib.sha256(_canonical(proof_config, cryptosuite)).digest()
            + hashlib.sha256(_canonical(unsecured, cryptosuite)).digest())


def sign_badge(document: dict, private_key: Ed25519PrivateKey,
               created: datetime | None = None) -> dict:
    """The document with its DataIntegrityProofs ("Create Proof" of eddsa-rdfc-2022 and of
    eddsa-jcs-2022), each over the document without proofs, as `proof`, an array."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {
        "type": PROOF_TYPE,
        "created": _timestamp(created or datetime.now(UTC)),
        "verificationMethod": verification_method(private_key.public_key()),
        "proofPurpose": PROOF_PURPOSE,
    }
    proofs = []
    for cryptosuite in CRYPTOSUITES:
        proof = {**options, "cryptosuite": cryptosuite}
        proof_config = dict(proof)
        if "@context" in unsecured:
            # Both suites sign the proof configuration with the document's context. JCS keeps
            # it in the proof, as the spec's examples do; RDFC-1.0 leaves it out of the proof,
            # where the document's context already applies.
            proof_config["@context"] = unsecured["@context"]
            if cryptosuite == JCS_SUITE:
                proof = proof_config
        signature = private_key.sign(_hash_data(unsecured, proof_config, cryptosuite))
        proofs.append({**proof, "proofValue": "z" + base58btc_encode(signature)})
    return {**unsecured, "proof": proofs}


def issue_badge(certificate: Certificate, content: Content, base_url: str, instance_path: str,
                lang: str | None = None) -> dict:
    """The certificate as a credential signed with the active certificate key."""
    key = signing.load_private_key(instance_path, signing.ensure_signing_key(instance_path))
    credential = badge_credential(certificate, certificate.person, content, base_url,
                                  did_key(key.public_key()), lang)
    return sign_badge(credential, key)


def _unique_members(pairs: list[tuple[str, Any]]) -> dict:
    names = [name for name, _value in pairs]
    if len(names) != len(set(names)):
        # Parsers disagree on which duplicate wins; I-JSON forbids them.
        raise BadgeError("a JSON object repeats a member name")
    return dict(pairs)


def _no_constant(name: str) -> Any:
    raise BadgeError(f"{name} is not JSON")


def load_badge(data: bytes) -> Any:
    """Parse a credential file strictly: UTF-8 I-JSON, no repeated member names, no NaN."""
    try:
        return json.loads(data.decode("utf-8"), object_pairs_hook=_unique_members,
                          parse_constant=_no_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise BadgeError(f"not a readable JSON credential ({exc.__class__.__name__})") from exc


def _check_proof(proof: Any) -> dict:
    if not isinstance(proof, dict):
        raise BadgeError("a proof is not a JSON object")
    if proof.get("type") != PROOF_TYPE:
        raise BadgeError(f"the proof is not a {PROOF_TYPE}")
    if proof.get("cryptosuite") not in CRYPTOSUITES:
        raise BadgeError("the proof's cryptosuite is not " + " or ".join(CRYPTOSUITES))
    if proof.get("proofPurpose") != PROOF_PURPOSE:
        raise BadgeError(f"the proof's purpose is not {PROOF_PURPOSE}")
    created = proof.get("created")
    if created is not None:
        try:
            valid = bool(_DATE_TIME.match(created)) and bool(datetime.fromisoformat(created))
        except (TypeError, ValueError):
            valid = False
        if not valid:
            raise BadgeError("the proof's created is not a date-time")
    return proof


def _proofs_of(document: Any) -> list[dict]:
    """The proofs of a credential: an array (a single object, as badges issued before the
    array was, is read as an array of one)."""
    if not isinstance(document, dict):
        raise BadgeError("not a JSON object")
    proofs = document.get("proof")
    if proofs is None or proofs == []:
        raise BadgeError("the credential has no proof")
    proofs = proofs if isinstance(proofs, list) else [proofs]
    checked = [_check_proof(proof) for proof in proofs]
    suites = [proof["cryptosuite"] for proof in checked]
    if len(suites) != len(set(suites)):
        raise BadgeError("two proofs of the same cryptosuite")
    return checked


def _verify_proof(unsecured: dict, proof: dict,
                  keys: dict[str, Ed25519PublicKey]) -> str:
    """The kid of the published key that made this proof ("Verify Proof" of its suite)."""
    public_key = public_key_from_did_key(proof.get("verificationMethod"))
    kid = next((k for k, key in keys.items() if _raw(key) == _raw(public_key)), None)
    if kid is None:
        raise BadgeError("signed by a key that is not published")
    signature = multibase_decode(proof.get("proofValue"))
    if len(signature) != 64:
        raise BadgeError("the proofValue is not a whole Ed25519 signature")
    unsecured = dict(unsecured)
    proof_config = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in proof_config:
        context = proof_config["@context"]
        document_context = unsecured.get("@context")
        if (not isinstance(context, list) or not isinstance(document_context, list)
                or document_context[:len(context)] != context):
            raise BadgeError("the proof's @context does not match the credential's")
        unsecured["@context"] = context
    elif proof["cryptosuite"] == RDFC_SUITE and "@context" in unsecured:
        proof_config["@context"] = unsecured["@context"]
    try:
        public_key.verify(signature, _hash_data(unsecured, proof_config, proof["cryptosuite"]))
    except InvalidSignature as exc:
        raise BadgeError(f"the {proof['cryptosuite']} signature does not match: "
                         "the credential was altered") from exc
    return kid


def _object(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def verify_credential(document: Any, keys: dict[str, Ed25519PublicKey]
                      ) -> tuple[str, list[dict], dict]:
    """(kid, proofs, the document without them) of a credential every proof of which holds,
    each by its suite's "Verify Proof", made by a published key that names the issuer.
    Raises BadgeError otherwise."""
    proofs = _proofs_of(document)
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    kids = {_verify_proof(unsecured, proof, keys) for proof in proofs}
    if len(kids) != 1:
        raise BadgeError("the proofs are made with different keys")
    issuer = unsecured.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if any(issuer_id != p["verificationMethod"].partition("#")[0] for p in proofs):
        raise BadgeError("the issuer is not the controller of the signing key")
    return kids.pop(), proofs, unsecured


def verify_badge(document: Any, keys: dict[str, Ed25519PublicKey]) -> dict:
    """What a genuine credential says, with the kid of the published key that signed it.

    Every proof must hold: each follows its suite's "Verify Proof" (eddsa-rdfc-2022 or
    eddsa-jcs-2022). Raises BadgeError on any alteration, truncation, unknown or wrong key,
    other cryptosuite, or a credential that is not an Open Badge.
    """
    kid, proofs, unsecured = verify_credential(document, keys)
    proof = proofs[0]
    issuer = unsecured.get("issuer")
    types = unsecured.get("type")
    if not isinstance(types, list) or not all(t in types for t in CREDENTIAL_TYPE):
        raise BadgeError("not an OpenBadgeCredential")
    subject = _object(unsecured.get("credentialSubject"))
    identifiers = subject.get("identifier")
    names = [i.get("identityHash") for i in identifiers if isinstance(i, dict)
             and i.get("identityType") == "name"] if isinstance(identifiers, list) else []
    achievement = _object(subject.get("achievement"))
    return {
        "kid": kid,
        "id": unsecured.get("id"),
        "name": names[0] if names else None,
        "achievement": achievement.get("name"),
        "issuer": issuer.get("name") if isinstance(issuer, dict) else None,
        "valid_from": unsecured.get("validFrom"),
        "valid_until": unsecured.get("validUntil"),
        "language": achievement.get("inLanguage"),
        "created": proof.get("created"),
        "cryptosuites": ", ".join(p["cryptosuite"] for p in proofs),
        "status": _object(unsecured.get("credentialStatus")) or None,
    }
