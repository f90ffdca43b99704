"""Revocation a verifier can check without asking about one certificate: each mission publishes
a signed W3C Bitstring Status List v1.0 credential, one bit per certificate (set: revoked), and
each badge and signed token names its list and its bit. A saved copy of the list lets an
offline check say "valid as of" the list's date.

Encoding per the spec: at least 16 KB (131,072 bits), the first index the left-most bit of the
first byte, GZIP, then base64url without padding as a multibase value ("u" prefix).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from . import badges, linked_data

PURPOSE = "revocation"
MIN_BITS = 16 * 1024 * 8
# A list for a million certificates is 128 KB before compression; refuse to inflate more.
MAX_BYTES = 16 * 1024 * 1024
PATH = "/verify/status/{mission}/revocation"
LIST_TYPE = ["VerifiableCredential", "BitstringStatusListCredential"]


class StatusListError(ValueError):
    """Not a genuine status list: unsigned, altered, another purpose, or badly encoded."""


def path(mission_code: str) -> str:
    """Where a mission's revocation list is published, relative to the site."""
    return PATH.format(mission=mission_code)


def size_for(highest_index: int) -> int:
    """Bits of a list holding index highest_index: 16 KB, in steps of 16 KB."""
    return max(MIN_BITS, -(-(highest_index + 1) // MIN_BITS) * MIN_BITS)


def encode(set_bits: Iterable[int], size: int) -> str:
    bits = bytearray(size // 8)
    for index in set_bits:
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def decode(encoded: Any) -> bytes:
    """The bitstring of an encodedList; StatusListError if it is not one."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise StatusListError("encodedList is not a base64url multibase value")
    body = encoded[1:]
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip
        bits = inflater.decompress(packed, MAX_BYTES)
    except (binascii.Error, ValueError, zlib.error) as exc:
        raise StatusListError("encodedList is not GZIP in base64url") from exc
    if inflater.unconsumed_tail or not inflater.eof:
        raise StatusListError("encodedList is truncated or too large")
    if len(bits) < MIN_BITS // 8:
        raise StatusListError("the list is shorter than 16 KB")
    return bits


def is_set(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise StatusListError("the index is outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def credential_status(list_url: str, index: int) -> dict:
    """A credential's `credentialStatus`: its bit in the revocation list at list_url."""
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": PURPOSE,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential(list_url: str, issuer_id: str, revoked: Iterable[int],
                           highest_index: int, issued_at: datetime) -> dict:
    """The unsigned BitstringStatusListCredential: bit i set if certificate i is revoked."""
    return {
        "@context": [linked_data.VC_V2],
        "id": list_url,
        "type": list(LIST_TYPE),
        "issuer": issuer_id,
        "validFrom": issued_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encode(revoked, size_for(highest_index)),
        },
    }


def sign_status_list(document: dict, private_key: Ed25519PrivateKey) -> dict:
    """Signed as the badges are: an eddsa-rdfc-2022 and an eddsa-jcs-2022 proof."""
    issued_at = datetime.fromisoformat(document["validFrom"])
    return badges.sign_badge(document, private_key, created=issued_at)


@dataclass(frozen=True)
class StatusList:
    """What a genuine list says."""

    url: str
    issued_at: datetime  # the list tells the status as of this moment
    bits: bytes
    kid: str

    def revoked(self, index: int) -> bool:
        return is_set(self.bits, index)


def read_status_list(document: Any, keys: dict[str, Ed25519PublicKey]) -> StatusList:
    """A genuine revocation list, or StatusListError."""
    try:
        kid, _proofs, unsecured = badges.verify_credential(document, keys)
    except badges.BadgeError as exc:
        raise StatusListError(f"the status list is not genuine: {exc}") from exc
    types = unsecured.get("type")
    subject = unsecured.get("credentialSubject")
    if (not isinstance(types, list) or not all(t in types for t in LIST_TYPE)
            or not isinstance(subject, dict) or subject.get("type") != "BitstringStatusList"):
        raise StatusListError("not a Bitstring Status List credential")
    if subject.get("statusPurpose") != PURPOSE:
        raise StatusListError("not a revocation list")
    try:
        issued_at = datetime.fromisoformat(unsecured.get("validFrom"))
    except (TypeError, ValueError) as exc:
        raise StatusListError("the list has no date") from exc
    return StatusList(url=str(unsecured.get("id")), issued_at=issued_at,
                      bits=decode(subject.get("encodedList")), kid=kid)
