"""Limits on wrong PINs and passwords that every worker and every server shares.

The rule (README, "Sign-in limits"):
- Only failures count. A correct sign-in costs nothing, so a classroom of 300 behind one
  address signs in freely.
- Per account: at most LOGIN_RATE_LIMIT failures (default 10 per 15 minutes). Attempts in
  flight count too, so parallel guesses sent to several workers cannot slip past the limit.
- A device the account has signed in from before carries a signed cookie; its attempts are
  counted apart, so someone guessing elsewhere cannot lock the owner out of their own phone.
  Everyone else waits at most the limit's window once the failures stop.
- Per address: at most LOGIN_ADDRESS_LIMIT failures (default 100 per 15 minutes), against a
  flood of guesses over many accounts. Addresses come from X-Forwarded-For only when the
  request arrives from a configured proxy (TRAINING_TRUSTED_PROXIES).

The counts live in the database for the embedded default, and in Redis when
TRAINING_REDIS_URL is set.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from limits import parse_many
from sqlalchemy import delete, func, insert, select

from ..extensions import db
from ..models import FailedAttempt
from ..models.base import retry_when_busy, utcnow


@dataclass(frozen=True)
class Window:
    amount: int
    seconds: int


def windows(spec: str) -> tuple[Window, ...]:
    """"10 per 15 minutes;50 per day" -> its windows."""
    return tuple(Window(item.amount, item.get_expiry()) for item in parse_many(spec))


class SqlStore:
    """Failed attempts as rows: every worker sees the same count through the database."""

    def count(self, key: str, seconds: int) -> int:
        since = utcnow() - timedelta(seconds=seconds)
        return db.session.scalar(select(func.count()).select_from(FailedAttempt).where(
            FailedAttempt.key == key, FailedAttempt.at >= since)) or 0

    @retry_when_busy
    def add(self, key: str) -> str:
        ticket = db.session.execute(insert(FailedAttempt).values(key=key)
                                    .returning(FailedAttempt.id)).scalar_one()
        db.session.commit()
        return str(ticket)

    @retry_when_busy
    def remove(self, key: str, ticket: str) -> None:
        db.session.execute(delete(FailedAttempt).where(FailedAttempt.id == int(ticket)))
        db.session.commit()

    def forget(self, older_than_seconds: int) -> None:
        since = utcnow() - timedelta(seconds=older_than_seconds)
        db.session.execute(delete(FailedAttempt).where(FailedAttempt.at < since))
        db.session.commit()


class RedisStore:
    """Failed attempts as members of a sorted set per key, scored by time."""

    def __init__(self, client):
        self.redis = client

    def count(self, key: str, seconds: int) -> int:
        now = time.time()
        pipe = self.redis.pipeline()
        pipe.zremrangebyscore(f"fail:{key}", 0, now - 86400 * 2)
        pipe.zcount(f"fail:{key}", now - seconds, "+inf")
        return int(pipe.execute()[1])

    @retry_when_busy
    def add(self, key: str) -> str:
        ticket = f"{time.time():.6f}:{secrets.token_hex(4)}"
        pipe = self.redis.pipeline()
        pipe.zadd(f"fail:{key}", {ticket: time.time()})
        pipe.expire(f"fail:{key}", 86400 * 2)
        pipe.execute()
        return ticket

    def remove(self, key: str, ticket: str) -> None:
        self.redis.zrem(f"fail:{key}", ticket)

    def forget(self, older_than_seconds: int) -> None:
        """Keys expire by themselves."""


class Throttle:
    def __init__(self, store, account_limit: str, address_limit: str):
        self.store = store
        self.account = windows(account_limit)
        self.address = windows(address_limit)

    def _over(self, key: str, limits: tuple[Window, ...], extra: int = 0) -> int | None:
        """Seconds to wait if `key` is at its limit (counting `extra` more), else None."""
        for window in limits:
            if self.store.count(key, window.seconds) + extra > window.amount:
                return window.seconds
        return None

    def begin(self, account_key: str, address: str) -> Attempt:
        """Start an attempt: refused (with a wait) if the account or address is at its limit.

        The account's attempt is reserved before the PIN is checked, so parallel guesses
        count against the limit while they run; `Attempt.succeeded` gives the slot back."""
        address_key = f"address:{address}"
        wait = self._over(address_key, self.address, extra=1)
        if wait:
            return Attempt(self, account_key, address_key, None, wait)
        ticket = self.store.add(account_key)
        wait = self._over(account_key, self.account)
        if wait:
            self.store.remove(account_key, ticket)
            return Attempt(self, account_key, address_key, None, wait)
        return Attempt(self, account_key, address_key, ticket, None)


@dataclass
class Attempt:
    throttle: Throttle
    account_key: str
    address_key: str
    ticket: str | None
    wait_seconds: int | None

    @property
    def refused(self) -> bool:
        return self.wait_seconds is not None

    def succeeded(self) -> None:
        if self.ticket:
            self.throttle.store.remove(self.account_key, self.ticket)

    def failed(self) -> None:
        """The reserved slot stays as the account's failure; the address counts one too."""
        self.throttle.store.add(self.address_key)
