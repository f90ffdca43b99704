"""What every model shares: the clock, the one column type for moments in time, and the way
a write waits its turn on SQLite."""

import random
import time
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import wraps
from typing import ParamSpec, TypeVar

from sqlalchemy import DateTime
from sqlalchemy.exc import OperationalError
from sqlalchemy.types import TypeDecorator

P = ParamSpec("P")
R = TypeVar("R")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A moment in time, stored in UTC and always given back with its zone.

    PostgreSQL keeps the zone; SQLite keeps none and gives naive values back. Every datetime
    column uses this type, so no code has to guess which database it is talking to.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# --- SQLite and concurrent writers -------------------------------------------------------------
#
# SQLite lets one writer in at a time. A transaction that reads first and writes later
# (deferred, the default) cannot wait its turn: if another writer committed in between, SQLite
# answers "database is locked" at once, whatever the busy timeout. Inside a write unit every
# transaction begins with BEGIN IMMEDIATE instead, so it waits (busy_timeout) for the lock before
# it reads anything; if the wait itself runs out, the unit is run again after a short, jittered
# pause. PostgreSQL needs none of this: there the unit simply runs.

_in_write_unit: ContextVar[bool] = ContextVar("in_write_unit", default=False)
BUSY_TRIES = 14


def begin_sql() -> str | None:
    """The statement a SQLite transaction starts with, when a write unit is running."""
    return "BEGIN IMMEDIATE" if _in_write_unit.get() else None


def _is_busy(exc: OperationalError) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "locked" in text or "busy" in text


def retry_when_busy(unit: Callable[P, R]) -> Callable[P, R]:
    """Run `unit` (a function that writes and commits) so that on SQLite it waits its turn
    among concurrent writers instead of failing; units called inside a unit just run."""

    @wraps(unit)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        from ..extensions import db

        if _in_write_unit.get() or db.engine.dialect.name != "sqlite":
            return unit(*args, **kwargs)
        db.session.commit()  # end the read transaction the request may have open

        def attempt() -> R:
            result = unit(*args, **kwargs)
            db.session.commit()
            return result

        return in_write_unit(attempt, db.session.rollback)

    return run


def in_write_unit(attempt: Callable[[], R], undo: Callable[[], object] = lambda: None) -> R:
    """Run `attempt` (it writes and commits) as a write unit. On SQLite every transaction it
    begins waits for the writer's lock, and when even that wait runs out it is undone (`undo`)
    and tried again after a short, growing, jittered pause; elsewhere it simply runs."""
    token = _in_write_unit.set(True)
    try:
        pause = 0.01
        for tried in range(BUSY_TRIES):
            try:
                return attempt()
            except OperationalError as exc:
                undo()
                if not _is_busy(exc) or tried == BUSY_TRIES - 1:
                    raise
                time.sleep(random.uniform(pause / 2, pause))
                pause = min(pause * 2, 1.0)
        raise AssertionError("unreachable")
    finally:
        _in_write_unit.reset(token)
