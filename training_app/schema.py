"""Whether the database's schema is the one this code was written for: a server started
against an older (not yet migrated) or a newer (unknown) schema must not serve."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from .extensions import db

MIGRATIONS = str(Path(__file__).resolve().parent / "migrations")


@lru_cache(maxsize=1)
def code_heads() -> frozenset[str]:
    """The newest migration(s) this code ships."""
    return frozenset(ScriptDirectory(MIGRATIONS).get_heads())


@lru_cache(maxsize=1)
def known_revisions() -> frozenset[str]:
    return frozenset(rev.revision for rev in ScriptDirectory(MIGRATIONS).walk_revisions())


@dataclass(frozen=True)
class SchemaState:
    state: str  # "current", "behind" (not migrated yet), "unknown" (newer code), "empty"
    database: tuple[str, ...]
    code: tuple[str, ...]

    @property
    def current(self) -> bool:
        return self.state == "current"

    def explain(self) -> str:
        have = ", ".join(self.database) or "none"
        want = ", ".join(self.code)
        if self.state == "empty":
            return (f"the database has no schema yet (migration head {want}). Run "
                    "`flask --app wsgi db upgrade` (or `flask setup --production`) once, from "
                    "the deploy step, then start the servers.")
        if self.state == "behind":
            return (f"the database schema is at revision {have}, older than this code's "
                    f"{want}. Run `flask --app wsgi db upgrade` once, from the deploy step, "
                    "then start the servers.")
        if self.state == "unknown":
            return (f"the database schema is at revision {have}, which this code does not "
                    f"know (its newest is {want}): the database was migrated by a newer "
                    "release. Deploy that release on this server too.")
        return f"the database schema is current ({want})."


def schema_state(connection=None) -> SchemaState:
    """Compare the database's alembic_version with the migrations' head. Needs an
    application context when no connection is given."""
    if connection is None:
        with db.engine.connect() as conn:
            return schema_state(conn)
    database = frozenset(MigrationContext.configure(connection).get_current_heads())
    code = code_heads()
    if not database:
        state = "empty"
    elif database == code:
        state = "current"
    elif database <= known_revisions():
        state = "behind"
    else:
        state = "unknown"
    return SchemaState(state, tuple(sorted(database)), tuple(sorted(code)))
