"""Backups: SQLite's online backup API, or pg_dump / pg_restore for PostgreSQL. A backup is
restored only once it is known to be this application's database, at a schema it knows, and
whole."""

from __future__ import annotations

import re
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


# tables every database of this application has had since its first schema
CORE_TABLES = {"alembic_version", "mission", "person", "user_account", "certificate"}


def _check_revision(revision: str | None, source: Path) -> None:
    if revision is None:
        raise BackupError(f"{source} has no schema version: it is not a backup of this "
                          "application's database")
    from .schema import known_revisions

    if revision not in known_revisions():
        raise BackupError(f"{source} is at schema {revision}, which this version of the "
                          "application does not know (a newer release?); nothing was restored")


def check_sqlite_backup(source: Path) -> str:
    """The backup's schema revision, once it is known to be a whole database of this
    application; BackupError otherwise."""
    with source.open("rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise BackupError(f"{source} is not an SQLite backup")
    try:
        conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            tables = {row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            revision = None
            if "alembic_version" in tables:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = row[0] if row else None
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source} cannot be read as a database: {exc}") from exc
    if integrity != ["ok"]:
        raise BackupError(f"{source} is damaged (integrity check: {'; '.join(integrity[:3])}); "
                          "nothing was restored")
    missing = CORE_TABLES - tables
    if missing:
        raise BackupError(f"{source} is not a backup of this application's database "
                          f"(no {', '.join(sorted(missing))} table)")
    _check_revision(revision, source)
    return revision


def check_pg_backup(source: Path) -> str:
    """The same checks for a pg_dump archive: readable whole, this application's tables, a
    known schema revision."""
    listing = subprocess.run(["pg_restore", "--list", str(source)], capture_output=True,
                             text=True)
    if listing.returncode != 0:
        raise BackupError(f"{source} is not a backup of this application's database made by "
                          f"flask backup on PostgreSQL: {listing.stderr.strip()[:200]}")
    tables = set(re.findall(r"TABLE DATA \S+ (\S+) ", listing.stdout))
    missing = CORE_TABLES - tables
    if missing:
        raise BackupError(f"{source} is not a backup of this application's database "
                          f"(no {', '.join(sorted(missing))} table)")
    data = subprocess.run(["pg_restore", "--data-only", "--table=alembic_version", "--file=-",
                           str(source)], capture_output=True, text=True)
    rows = re.search(r"COPY \S*alembic_version .*?FROM stdin;\n(.*?)\n\\\.", data.stdout, re.S)
    _check_revision(rows.group(1).strip() if rows and rows.group(1).strip() else None, source)
    return rows.group(1).strip()


def restore_database(database_url: str, source: Path) -> str:
    """Replace the database's contents with a backup made by backup_database(); returns the
    backup's schema revision. Nothing is touched unless the backup passes every check."""
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        revision = check_sqlite_backup(source)
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dest = sqlite3.connect(_sqlite_path(url))
        try:
            src.backup(dest)
        finally:
            dest.close()
            src.close()
        return revision
    if url.get_backend_name() == "postgresql":
        if not shutil.which("pg_restore"):
            raise BackupError("pg_restore is not installed (Debian: postgresql-client)")
        revision = check_pg_backup(source)
        result = subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner",
                                 "--single-transaction", "--dbname", _pg_dsn(url), str(source)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(result.stderr.strip() or "pg_restore failed")
        return revision
    raise BackupError(f"no restore method for {url.get_backend_name()}")
