"""Uploaded roster files kept for their preview: readable by this server's user only (mode
600, in a folder of mode 700), deleted when the import is confirmed or cancelled, and after a
set time whatever happens (the next upload, or `flask imports prune`, removes older ones).
With Redis configured they are kept there instead (expiring by themselves), so the preview
and the import may reach another application server than the upload did."""

from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path

SUFFIXES = (".bin", ".json")


def imports_dir(instance_path: str) -> Path:
    path = Path(instance_path) / "imports"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


class RedisUploads:
    """Uploads kept in Redis for `keep_seconds`, shared by every application server."""

    def __init__(self, client, keep_seconds: float, prefix: str = "roster-upload:"):
        self.redis, self.keep, self.prefix = client, max(1, int(keep_seconds)), prefix

    def _keys(self, token: str) -> tuple[str, str]:
        return f"{self.prefix}{token}:data", f"{self.prefix}{token}:meta"

    def store(self, data: bytes, meta: dict) -> str:
        token = secrets.token_urlsafe(12)
        data_key, meta_key = self._keys(token)
        pipe = self.redis.pipeline()
        pipe.set(data_key, data, ex=self.keep)
        pipe.set(meta_key, json.dumps(meta), ex=self.keep)
        pipe.execute()
        return token

    def load(self, token: str) -> tuple[bytes, dict] | None:
        data, meta = self.redis.mget(self._keys(token))
        if data is None or meta is None:
            return None
        try:
            return data, json.loads(meta)
        except ValueError:
            return None

    def discard(self, token: str) -> None:
        self.redis.delete(*self._keys(token))


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def store(directory: Path | RedisUploads, data: bytes, meta: dict) -> str:
    """Keep an upload; the token names it in the preview's address."""
    if isinstance(directory, RedisUploads):
        return directory.store(data, meta)
    token = secrets.token_urlsafe(12)
    _write_private(directory / f"{token}.bin", data)
    _write_private(directory / f"{token}.json", json.dumps(meta).encode())
    return token


def _valid(token: str) -> bool:
    return 8 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()


def load(directory: Path | RedisUploads, token: str,
         keep_seconds: float) -> tuple[bytes, dict] | None:
    """The upload and what was recorded with it; None if there is none, or it has expired
    (then it is deleted)."""
    if not _valid(token):
        return None
    if isinstance(directory, RedisUploads):
        return directory.load(token)
    meta_path, data_path = directory / f"{token}.json", directory / f"{token}.bin"
    try:
        if time.time() - meta_path.stat().st_mtime > keep_seconds:
            discard(directory, token)
            return None
        return data_path.read_bytes(), json.loads(meta_path.read_text())
    except (OSError, ValueError):
        return None


def discard(directory: Path | RedisUploads, token: str) -> None:
    if not _valid(token):
        return
    if isinstance(directory, RedisUploads):
        directory.discard(token)
        return
    for suffix in SUFFIXES:
        (directory / f"{token}{suffix}").unlink(missing_ok=True)


def prune(directory: Path | RedisUploads, keep_seconds: float, now: float | None = None) -> int:
    """Delete the uploads older than `keep_seconds`; how many were deleted (Redis expires its
    own)."""
    if isinstance(directory, RedisUploads):
        return 0
    now = time.time() if now is None else now
    deleted = set()
    for path in directory.iterdir():
        if path.suffix not in SUFFIXES:
            continue
        try:
            if now - path.stat().st_mtime > keep_seconds:
                path.unlink(missing_ok=True)
                deleted.add(path.stem)
        except OSError:
            continue
    return len(deleted)
