"""Backups: SQLite's online backup API, or pg_dump / pg_restore for PostgreSQL."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    pass


def _sqlite_path(url) -> str:
    return url.database


def _pg_dsn(url) -> str:
    """A libpq connection string for pg_dump (without SQLAlchemy's driver suffix)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def backup_database(database_url: str, target: Path) -> Path:
    """Copy the whole database to `target` while the app keeps running."""
    url = make_url(database_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        dest = sqlite3.connect(str(target))
        try:
            with dest:
                source.backup(dest)  # consistent snapshot, pages copied under a read lock
        finally:
            dest.close()
            source.close()
        return target
    if url.get_backend_name() == "postgresql":
        if not shutil.which("pg_dump"):
            raise BackupError("pg_dump is not installed (Debian: postgresql-client)")
        result = subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file",
                                 str(target), _pg_dsn(url)], capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(result.stderr.strip() or "pg_dump failed")
        return target
    raise BackupError(f"no backup method for {url.get_backend_name()}")


def restore_database(database_url: str, source: Path) -> None:
    """Replace the database's contents with a backup made by backup_database()."""
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        with source.open("rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                raise BackupError(f"{source} is not an SQLite backup")
        src = sqlite3.connect(str(source))
        dest = sqlite3.connect(_sqlite_path(url))
        try:
            src.backup(dest)
        finally:
            dest.close()
            src.close()
        return
    if url.get_backend_name() == "postgresql":
        if not shutil.which("pg_restore"):
            raise BackupError("pg_restore is not installed (Debian: postgresql-client)")
        result = subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner",
                                 "--single-transaction", "--dbname", _pg_dsn(url), str(source)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(result.stderr.strip() or "pg_restore failed")
        return
    raise BackupError(f"no restore method for {url.get_backend_name()}")
