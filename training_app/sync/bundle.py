"""The sealed bundle a camp server writes and mission HQ reads.

A bundle is one JSON document:

    {"format": "sgtm1-sync/2",
     "header": <base64url of the header JSON>,
     "ciphertext": <base64url of the encrypted, gzip-compressed JSON records>,
     "signature": <base64url Ed25519 signature of "sgtm1-sync/2.<header>.<ciphertext>">}

The header says who wrote it (`kid`, the camp's signing key), for which mission (`mission`,
its code), to whom it is sealed (`recipient`, HQ's sealing key id), the sender's one-time
X25519 key (`ephemeral`), the `nonce` and `created_at`.

- Sealed: the records are encrypted with ChaCha20-Poly1305 under a key derived (HKDF-SHA256)
  from an X25519 exchange between the one-time key and HQ's sealing key (sync/sealing.py), with
  the header as associated data. Only the HQ holding that private key can read the people, PIN
  hashes and answers inside, and the header cannot be moved onto other contents.
- Signed: with the camp's certificate key (certificates/signing.py) over header and ciphertext.
  HQ accepts a bundle only from a key it trusts for the mission the header names
  (`flask sync trust --mission`), so a bundle altered in transit, written by a server HQ does
  not know, or aimed at another mission is refused before anything is decrypted.

Bundles of the earlier, unsealed format (sgtm1-sync/1) are refused: the camp writes a new one.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..certificates.signing import (
    TokenError,
    _b64,
    _unb64,
    ensure_signing_key,
    load_private_key,
)
from .sealing import load_sealing_key

FORMAT = "sgtm1-sync/2"
OLD_FORMATS = ("sgtm1-sync/1",)
MAX_PAYLOAD = 512 * 1024 * 1024  # uncompressed; a compressed bomb stops here
CLOCK_ALLOWANCE = timedelta(minutes=5)  # how far ahead of this server a camp's clock may run
HEADER_FIELDS = ("format", "kid", "mission", "recipient", "ephemeral", "nonce", "created_at")


class BundleError(ValueError):
    """The bundle is refused. `reason` is a stable key the views translate."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class TrustedKey:
    """A signing key HQ accepts bundles from, and the missions (codes) it may write to;
    None: every mission (this server's own key)."""

    key: Ed25519PublicKey
    missions: frozenset[str] | None


def _raw(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _cipher(shared: bytes, ephemeral: X25519PublicKey,
            recipient: X25519PublicKey) -> ChaCha20Poly1305:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=FORMAT.encode() + b" " + _raw(ephemeral) + _raw(recipient)).derive(shared)
    return ChaCha20Poly1305(key)


def _signed_part(header: str, ciphertext: str) -> bytes:
    return f"{FORMAT}.{header}.{ciphertext}".encode("ascii")


def not_after(now: datetime | None = None) -> datetime:
    """The latest moment a bundle may speak of: this server's clock plus the allowance."""
    return (now or datetime.now(UTC)) + CLOCK_ALLOWANCE


def write_bundle(records: dict, instance_path: str, mission_code: str, recipient_kid: str,
                 recipient: X25519PublicKey) -> bytes:
    """The records, compressed, sealed to HQ's key and signed with this server's active key."""
    kid = ensure_signing_key(instance_path)
    ephemeral = X25519PrivateKey.generate()
    nonce = os.urandom(12)
    header = json.dumps({
        "format": FORMAT, "kid": kid, "mission": mission_code, "recipient": recipient_kid,
        "ephemeral": _b64(_raw(ephemeral.public_key())), "nonce": _b64(nonce),
        "created_at": records.get("created_at") or datetime.now(UTC).isoformat(),
    }, separators=(",", ":"), sort_keys=True).encode("utf-8")
    body = json.dumps(records, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    sealed = _cipher(ephemeral.exchange(recipient), ephemeral.public_key(), recipient).encrypt(
        nonce, gzip.compress(body.encode("utf-8"), mtime=0), header)
    header_text, ciphertext = _b64(header), _b64(sealed)
    signature = load_private_key(instance_path, kid).sign(_signed_part(header_text, ciphertext))
    return json.dumps({"format": FORMAT, "header": header_text, "ciphertext": ciphertext,
                       "signature": _b64(signature)}, indent=1).encode("ascii") + b"\n"


def read_header(data: bytes) -> tuple[dict, dict]:
    """The outer document and its header, unchecked; BundleError if it is not a bundle."""
    try:
        outer = json.loads(data.decode("ascii"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise BundleError("not-a-bundle") from exc
    if not isinstance(outer, dict):
        raise BundleError("not-a-bundle")
    if outer.get("format") in OLD_FORMATS:
        raise BundleError("old-format", str(outer["format"]))
    if outer.get("format") != FORMAT or not all(
            isinstance(outer.get(k), str) for k in ("header", "ciphertext", "signature")):
        raise BundleError("not-a-bundle")
    try:
        header = json.loads(_unb64(outer["header"]).decode("utf-8"))
    except (TokenError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise BundleError("not-a-bundle") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT or not all(
            isinstance(header.get(k), str) for k in HEADER_FIELDS):
        raise BundleError("not-a-bundle")
    return outer, header


def read_bundle(data: bytes, trusted: dict[str, TrustedKey], instance_path: str,
                now: datetime | None = None) -> dict:
    """The records of a genuine bundle, signed by a key trusted for the mission it names,
    sealed to one of this server's keys and dated no later than now (plus the allowance);
    BundleError otherwise."""
    outer, header = read_header(data)
    kid, mission = header["kid"], header["mission"]
    known = trusted.get(kid)
    if known is None:
        raise BundleError("untrusted-key", kid[:60])
    try:
        known.key.verify(_unb64(outer["signature"]),
                         _signed_part(outer["header"], outer["ciphertext"]))
    except (InvalidSignature, TokenError, UnicodeEncodeError) as exc:
        raise BundleError("bad-signature") from exc
    if known.missions is not None and mission not in known.missions:
        raise BundleError("not-trusted-for-mission", mission[:20])
    try:
        created = datetime.fromisoformat(header["created_at"])
    except ValueError as exc:
        raise BundleError("damaged") from exc
    created = created.replace(tzinfo=UTC) if created.tzinfo is None else created
    if created > not_after(now):
        raise BundleError("future-date", "created_at")
    own = load_sealing_key(instance_path, header["recipient"])
    if own is None:
        raise BundleError("wrong-recipient")
    try:
        ephemeral = X25519PublicKey.from_public_bytes(_unb64(header["ephemeral"]))
        cipher = _cipher(own.exchange(ephemeral), ephemeral, own.public_key())
        compressed = cipher.decrypt(_unb64(header["nonce"]), _unb64(outer["ciphertext"]),
                                    _unb64(outer["header"]))
    except InvalidTag as exc:  # sealed to another key of the same id, or altered before signing
        raise BundleError("cannot-open") from exc
    except (TokenError, ValueError) as exc:
        raise BundleError("damaged") from exc
    try:
        inflater = zlib.decompressobj(wbits=31)
        body = inflater.decompress(compressed, MAX_PAYLOAD)
        if inflater.unconsumed_tail:
            raise BundleError("too-large")
        records = json.loads(body.decode("utf-8"))
    except (zlib.error, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise BundleError("damaged") from exc
    source = records.get("source") if isinstance(records, dict) else None
    if not isinstance(source, dict) or source.get("kid") != kid or not isinstance(
            records.get("mission"), dict) or records["mission"].get("code") != mission:
        raise BundleError("damaged")
    return records
