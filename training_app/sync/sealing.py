"""Mission HQ's sealing keys (X25519): camp servers encrypt their bundles to the public half,
so that only this server can read the people, PIN hashes and answers inside.

Kept like the signing keys (certificates/signing.py): one PEM file per key, mode 600, in
instance/keys/sealing/, and an `active` file naming the key new bundles should be sealed to.
Earlier keys stay, so bundles sealed before a new key was made can still be opened.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from ..certificates.signing import TokenError, _b64, _unb64, keep_active_key, key_dir


def sealing_dir(instance_path: str) -> Path:
    return key_dir(instance_path) / "sealing"


def ensure_sealing_key(instance_path: str) -> str:
    """Create the first sealing key if there is none; return the active key id."""
    active = sealing_dir(instance_path) / "active"
    if active.exists():
        return active.read_text().strip()
    return rotate_sealing_key(instance_path)


def rotate_sealing_key(instance_path: str) -> str:
    """Make a new sealing key for camps to seal to from now on; earlier ones stay to open
    bundles already sealed."""
    folder = sealing_dir(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    kid = "x" + datetime.now(UTC).strftime("%Y%m%d%H%M%S") + "-" + os.urandom(2).hex()
    keep_active_key(folder, kid, X25519PrivateKey.generate())
    return kid


def load_sealing_key(instance_path: str, kid: str) -> X25519PrivateKey | None:
    """This server's private sealing key of that id; None if it has no such key."""
    if not kid or "/" in kid or "\\" in kid or kid.startswith("."):
        return None
    path = sealing_dir(instance_path) / f"{kid}.pem"
    if not path.is_file():
        return None
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    return key if isinstance(key, X25519PrivateKey) else None


def x25519_text(key: X25519PublicKey) -> str:
    return _b64(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def x25519_from_text(text: str) -> X25519PublicKey:
    try:
        return X25519PublicKey.from_public_bytes(_unb64(text))
    except TokenError as exc:
        raise ValueError("not a key") from exc


def own_sealing_key(instance_path: str) -> dict:
    """The active sealing key's id and public half, for the key document."""
    kid = ensure_sealing_key(instance_path)
    key = load_sealing_key(instance_path, kid)
    return {"kid": kid, "public_key": x25519_text(key.public_key())}
