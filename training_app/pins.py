"""Learners' PINs as they are kept: HMAC-SHA256 with a pepper held outside the database, then
argon2id, and a bound on how many PINs are hashed at once on this machine.

A 6-digit PIN has only a million values, so no hash alone makes a stolen database safe.
The pepper does: without it the database holds nothing to test a guess against. With it,
every guess costs one argon2id hash (docs/performance.md, "PIN hashing", has the numbers).
Hashes made before this scheme (werkzeug's scrypt) still verify and are replaced on the
next sign-in.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import os
import secrets
import time
from contextlib import contextmanager
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from werkzeug.security import check_password_hash

PREFIX = "pepper-argon2id"  # pepper-argon2id$<pepper id>$<argon2 encoded hash>
# cost of one hash: about 10 ms of one core; see docs/performance.md
TIME_COST = 1
MEMORY_KIB = 12 * 1024
PEPPER_FILE = "pin_pepper"


class HashingBusy(Exception):
    """Every hashing slot stayed taken for the whole wait: the caller answers "a moment,
    please" (503 with Retry-After) instead of letting the request time out."""

    retry_after = 5


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(time_cost=int(config.get("PIN_HASH_TIME_COST", TIME_COST)),
                          memory_cost=int(config.get("PIN_HASH_MEMORY_KIB", MEMORY_KIB)),
                          parallelism=1)


def instance_pepper(instance_path: str) -> str:
    """The pepper kept in the instance folder (mode 0600), made on first use. Written whole
    before it appears, so a worker starting at the same moment never reads half of it."""
    path = Path(instance_path) / PEPPER_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{PEPPER_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(draft, path)  # fails if another process was first: theirs is kept
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def _pepper() -> bytes:
    app = current_app._get_current_object()
    cached = app.extensions.get("pin_pepper")
    if cached is None:
        value = app.config.get("PIN_PEPPER") or instance_pepper(app.instance_path)
        cached = app.extensions["pin_pepper"] = value.encode()
    return cached


def _pepper_id(pepper: bytes) -> str:
    """Names the pepper without revealing it, so a hash made under another pepper (another
    server's) is recognised as such rather than taken for a wrong PIN."""
    return hashlib.sha256(b"pin-pepper-id:" + pepper).hexdigest()[:8]


def _peppered(pin: str, pepper: bytes) -> str:
    return hmac.new(pepper, pin.encode(), hashlib.sha256).hexdigest()


def hash_pin(pin: str) -> str:
    pepper = _pepper()
    with hashing_slot():
        digest = _hasher().hash(_peppered(pin, pepper))
    return f"{PREFIX}${_pepper_id(pepper)}${digest}"


def check_pin(stored: str | None, pin: str) -> tuple[bool, str | None]:
    """(whether the PIN matches, a replacement hash to keep when the stored one is of an
    older kind or cost). A missing hash costs as much as a wrong PIN, so timing does not say
    whether the account exists."""
    pepper = _pepper()
    hasher = _hasher()
    kind, _sep, rest = (stored or "").partition("$")
    if kind == PREFIX:
        pepper_id, _sep, digest = rest.partition("$")
        if pepper_id != _pepper_id(pepper):
            current_app.logger.warning(
                "a PIN hash made under another pepper: servers that exchange sync bundles "
                "need the same TRAINING_PIN_PEPPER")
        with hashing_slot():
            try:
                ok = pepper_id == _pepper_id(pepper) and hasher.verify(
                    digest, _peppered(pin, pepper))
            except (VerificationError, InvalidHashError):
                ok = False
        if ok and hasher.check_needs_rehash(digest):
            return True, hash_pin(pin)
        return ok, None
    if stored:
        with hashing_slot():
            ok = check_password_hash(stored, pin)
        return ok, hash_pin(pin) if ok else None
    burn(pin)
    return False, None


_DUMMY: dict[tuple, str] = {}


def burn(pin: str) -> None:
    """Spend the time of one check, for an account that does not exist."""
    hasher = _hasher()
    key = (hasher.time_cost, hasher.memory_cost)
    if key not in _DUMMY:
        _DUMMY[key] = hasher.hash("no account")
    with hashing_slot():
        try:
            hasher.verify(_DUMMY[key], _peppered(pin, b"no account"))
        except VerificationError:
            pass


# --- how many hashes at once --------------------------------------------------------------

def _slots() -> int:
    return int(current_app.config.get("PIN_HASH_SLOTS") or os.cpu_count() or 1)


@contextmanager
def hashing_slot():
    """Hold one of the machine's hashing slots (one per core, shared by every worker through
    lock files in the instance folder) while hashing. Waits at most PIN_HASH_WAIT seconds,
    then raises HashingBusy: a classroom signing in at once queues for the cores instead of
    crowding them, and pages that need no hash keep their share of the machine."""
    folder = Path(current_app.instance_path) / "pin-slots"
    count = _slots()
    deadline = time.monotonic() + float(current_app.config.get("PIN_HASH_WAIT", 10))
    folder.mkdir(parents=True, exist_ok=True)
    start = secrets.randbelow(count)
    pause = 0.001
    while True:
        for n in range(count):
            fd = os.open(folder / str((start + n) % count), os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
            return
        if time.monotonic() >= deadline:
            raise HashingBusy()
        time.sleep(pause)
        pause = min(pause * 2, 0.01)
