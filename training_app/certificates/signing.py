"""Ed25519-signed certificate tokens that can be checked with the public keys alone.

Token: "sgtm1." + base64url(JSON payload) + "." + base64url(signature over the first two parts).
The payload names the key (kid) that signed it, so older certificates stay verifiable after a
new key is made.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PREFIX = "sgtm1"


class TokenError(ValueError):
    """The token is malformed, altered, truncated or signed by an unknown key."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TokenError("not base64url") from exc


def key_dir(instance_path: str) -> Path:
    return Path(instance_path) / "keys"


def share_key_dir(instance_path: str, shared: str) -> None:
    """Keep the keys in `shared` (a folder every application server mounts): the instance's
    keys/ becomes a link to it, so every signer and verifier finds them. Refuses to hide keys
    already in a real keys/ folder."""
    folder, target = key_dir(instance_path), Path(shared).resolve()
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    if folder.is_symlink():
        if folder.resolve() == target:
            return
        folder.unlink()
    elif folder.exists():
        if any(folder.iterdir()):
            raise FileExistsError(
                f"{folder} holds keys and TRAINING_KEYS_DIR={shared} is set: move the keys "
                f"into {shared} (keep every old key) and remove {folder}")
        folder.rmdir()
    folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        folder.symlink_to(target, target_is_directory=True)
    except FileExistsError:  # another server on this machine made it at the same moment
        if folder.resolve() != target:
            raise


def ensure_signing_key(instance_path: str) -> str:
    """Create the first signing key if there is none; return the active key id."""
    folder = key_dir(instance_path)
    active = folder / "active"
    if active.exists():
        return active.read_text().strip()
    return rotate_signing_key(instance_path)


def rotate_signing_key(instance_path: str) -> str:
    """Make a new signing key and use it from now on; earlier keys stay for verification."""
    folder = key_dir(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    kid = datetime.now(UTC).strftime("%Y%m%d%H%M%S") + "-" + os.urandom(2).hex()
    keep_active_key(folder, kid, Ed25519PrivateKey.generate())
    return kid


def keep_active_key(folder: Path, kid: str, key) -> None:
    """Write a new private key as `<kid>.pem` (mode 600, never over another) and make it the
    one in use; the earlier keys stay beside it."""
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(folder / f"{kid}.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    (folder / "active.tmp").write_text(kid)
    os.replace(folder / "active.tmp", folder / "active")


def load_private_key(instance_path: str, kid: str) -> Ed25519PrivateKey:
    pem = (key_dir(instance_path) / f"{kid}.pem").read_bytes()
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def public_keys(instance_path: str) -> dict[str, Ed25519PublicKey]:
    keys = {}
    folder = key_dir(instance_path)
    for path in sorted(folder.glob("*.pem")) if folder.exists() else []:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        keys[path.stem] = key.public_key()
    return keys


def public_key_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _b64(raw)


def public_key_from_text(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(_unb64(text))


TOKEN_PATTERN = re.compile(rb"sgtm1\.[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}")


def token_from_file(data: bytes) -> str | None:
    """The certificate token inside a certificate PDF (or a text file holding one)."""
    match = TOKEN_PATTERN.search(data)
    return match.group(0).decode("ascii") if match else None


def keys_document(instance_path: str) -> dict:
    """The public keys as published at /verify/keys.json."""
    active = key_dir(instance_path) / "active"
    active_kid = active.read_text().strip() if active.exists() else None
    return {
        "algorithm": "Ed25519",
        "token_format": "sgtm1.<base64url JSON payload>.<base64url signature of the first two "
                        "parts>; the payload's kid names the key",
        "keys": [{"kid": kid, "public_key": public_key_text(key), "active": kid == active_kid}
                 for kid, key in public_keys(instance_path).items()],
    }


def keys_from_document(document: dict) -> dict[str, Ed25519PublicKey]:
    return {k["kid"]: public_key_from_text(k["public_key"]) for k in document.get("keys", [])}


def sign_token(payload: dict, instance_path: str) -> str:
    kid = ensure_signing_key(instance_path)
    body = dict(payload, kid=kid)
    head = PREFIX + "." + _b64(
        json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode())
    signature = load_private_key(instance_path, kid).sign(head.encode("ascii"))
    return head + "." + _b64(signature)


def token_payload(token: str) -> dict:
    """What a token says, without checking who signed it: for a token this server holds in
    its own register. Anything brought from outside goes through verify_token."""
    parts = token.strip().split(".") if isinstance(token, str) else []
    try:
        payload = json.loads(_unb64(parts[1]).decode("utf-8"))
    except (IndexError, TokenError, UnicodeDecodeError, ValueError, RecursionError):
        return {}
    return payload if isinstance(payload, dict) else {}


def verify_token(token: str, keys: dict[str, Ed25519PublicKey]) -> dict:
    """The payload of a genuine token; raises TokenError on anything else."""
    parts = token.strip().split(".") if isinstance(token, str) else []
    if len(parts) != 3 or parts[0] != PREFIX:
        raise TokenError("not a certificate token")
    try:
        payload = json.loads(_unb64(parts[1]).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise TokenError("unreadable payload") from exc
    if not isinstance(payload, dict) or payload.get("kid") not in keys:
        raise TokenError("signed by an unknown key")
    try:
        keys[payload["kid"]].verify(_unb64(parts[2]), f"{parts[0]}.{parts[1]}".encode("ascii"))
    except InvalidSignature as exc:
        raise TokenError("signature does not match") from exc
    return payload
