"""The signed bundle a camp server writes and mission HQ reads.

A bundle is one JSON document:

    {"format": "sgtm1-sync/1", "kid": <signing key id>,
     "payload": <base64url of the gzip-compressed JSON records>,
     "signature": <base64url Ed25519 signature of "sgtm1-sync/1.<kid>.<payload>">}

It is signed with the server's certificate key (certificates/signing.py). HQ accepts a bundle
only from a key it trusts (`flask sync trust`), so a bundle altered in transit, or written by a
server HQ does not know, is refused before anything is read from it.
"""

from __future__ import annotations

import gzip
import json
import zlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..certificates.signing import (
    TokenError,
    _b64,
    _unb64,
    ensure_signing_key,
    load_private_key,
)

FORMAT = "sgtm1-sync/1"
MAX_PAYLOAD = 512 * 1024 * 1024  # uncompressed; a compressed bomb stops here


class BundleError(ValueError):
    """The bundle is refused. `reason` is a stable key the views translate."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def _signed_part(kid: str, payload: str) -> bytes:
    return f"{FORMAT}.{kid}.{payload}".encode("ascii")


def write_bundle(records: dict, instance_path: str) -> bytes:
    """The records, compressed and signed with this server's active key."""
    kid = ensure_signing_key(instance_path)
    body = json.dumps(records, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    payload = _b64(gzip.compress(body.encode("utf-8"), mtime=0))
    signature = load_private_key(instance_path, kid).sign(_signed_part(kid, payload))
    return json.dumps({"format": FORMAT, "kid": kid, "payload": payload,
                       "signature": _b64(signature)}, indent=1).encode("ascii") + b"\n"


def read_bundle(data: bytes, trusted: dict[str, Ed25519PublicKey]) -> dict:
    """The records of a genuine bundle signed by a trusted key; BundleError otherwise."""
    try:
        outer = json.loads(data.decode("ascii"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError("not-a-bundle") from exc
    if not isinstance(outer, dict) or outer.get("format") != FORMAT or not all(
            isinstance(outer.get(k), str) for k in ("kid", "payload", "signature")):
        raise BundleError("not-a-bundle")
    kid, payload = outer["kid"], outer["payload"]
    key = trusted.get(kid)
    if key is None:
        raise BundleError("untrusted-key", kid[:60])
    try:
        key.verify(_unb64(outer["signature"]), _signed_part(kid, payload))
    except (InvalidSignature, TokenError, UnicodeEncodeError) as exc:
        raise BundleError("bad-signature") from exc
    try:
        inflater = zlib.decompressobj(wbits=31)
        body = inflater.decompress(_unb64(payload), MAX_PAYLOAD)
        if inflater.unconsumed_tail:
            raise BundleError("too-large")
        records = json.loads(body.decode("utf-8"))
    except (zlib.error, TokenError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError("damaged") from exc
    source = records.get("source") if isinstance(records, dict) else None
    if not isinstance(source, dict) or source.get("kid") != kid:
        raise BundleError("damaged")
    return records
