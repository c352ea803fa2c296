"""Sign-in throttling per username and per client address, counted from the audit trail.

The state lives in the database (``audit_log`` rows ``sign_in_failed`` / ``sign_in``), so every server
process sees the same counts and a restart does not reset them. Rules:

- **per username**: :data:`USER_MAX_FAILURES` failed sign-ins within :data:`WINDOW` (since the user's
  last successful sign-in) lock the username for :data:`LOCK` from the failure that reached the limit;
- **per client address**: :data:`CLIENT_MAX_FAILURES` failures within :data:`WINDOW` from one address
  (any usernames) lock that address the same way. An unknown address (``"unknown"``: a local
  connection, or every client behind a reverse proxy that hides addresses) is not throttled per
  address, so one attacker cannot lock every user out;
- **growing delay**: before checking a password, wait :func:`delay_for` the recent failures
  (0.5 s, 1 s, 2 s, then 4 s at most), so guessing is slow even below the lock.

Locked attempts never run Argon2 (no CPU for an attacker) and are audited as ``sign_in_locked``; they
do not extend the lock. The message shown is the same whether or not the username exists (unknown
usernames are counted and locked just like real ones).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import Engine, and_, or_, select

from jkn_core.schema import AuditLog

USER_MAX_FAILURES = 5
CLIENT_MAX_FAILURES = 20
WINDOW = dt.timedelta(minutes=15)
LOCK = dt.timedelta(minutes=15)
#: Delay before the next check after 1, 2, 3, ... recent failures: 0.5 s doubling, at most this.
MAX_DELAY_S = 4.0
UNKNOWN_CLIENT = "unknown"


@dataclass(frozen=True)
class Throttle:
    """The throttle state of one attempt: locked until (naive UTC) or ``None``, and the delay to apply."""

    locked_until: dt.datetime | None
    delay_s: float

    @property
    def locked(self) -> bool:
        return self.locked_until is not None


def naive_utc(now: dt.datetime | None = None) -> dt.datetime:
    """``now`` (default: the current time) as naive UTC, like the ``audit_log.at`` column."""
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(dt.UTC).replace(tzinfo=None) if now.tzinfo else now


def delay_for(failures: int) -> float:
    """Seconds to wait before checking a password after ``failures`` recent failures."""
    return 0.0 if failures <= 0 else min(MAX_DELAY_S, 0.25 * 2 ** min(failures, 10))


def lock_end(failure_times: list[dt.datetime], limit: int) -> dt.datetime | None:
    """When the lock made by ``limit`` failures within :data:`WINDOW` ends (latest such lock), or ``None``."""
    times = sorted(failure_times)
    end = None
    for i in range(limit - 1, len(times)):
        if times[i] - times[i - limit + 1] <= WINDOW:
            end = max(end or times[i], times[i] + LOCK)
    return end


def _client_of(detail: str | None) -> str | None:
    try:
        value = json.loads(detail or "{}")
    except ValueError:
        return None
    return value.get("client") if isinstance(value, dict) else None


def throttle_state(engine: Engine, username: str, client: str | None,
                   now: dt.datetime | None = None) -> Throttle:
    """The :class:`Throttle` for a sign-in as ``username`` from ``client`` at ``now``.

    One query on the recent audit rows (``audit_log.at`` is indexed): the sign-ins and failures of this
    username, and the failures from this client address.
    """
    now = naive_utc(now)
    since = now - WINDOW - LOCK
    client = client if client and client != UNKNOWN_CLIENT else None
    who = [AuditLog.username == username]
    if client:  # only the client's failures count (its sign-ins are many users' behind one address)
        who.append(and_(AuditLog.action == "sign_in_failed",
                        AuditLog.detail.contains(f'"client": {json.dumps(client)}', autoescape=True)))
    with engine.connect() as conn:
        rows = conn.execute(
            select(AuditLog.at, AuditLog.username, AuditLog.action, AuditLog.detail)
            .where(AuditLog.at >= since, AuditLog.at <= now,
                   AuditLog.action.in_(("sign_in", "sign_in_failed")), or_(*who))
            .order_by(AuditLog.at)
        ).all()
    last_success = max((r.at for r in rows if r.action == "sign_in" and r.username == username), default=None)
    user_failures = [r.at for r in rows if r.action == "sign_in_failed" and r.username == username
                     and (last_success is None or r.at > last_success)]
    client_failures = ([r.at for r in rows if r.action == "sign_in_failed" and _client_of(r.detail) == client]
                       if client else [])
    ends = [e for e in (lock_end(user_failures, USER_MAX_FAILURES),
                        lock_end(client_failures, CLIENT_MAX_FAILURES)) if e is not None and e > now]
    recent = sum(1 for at in user_failures if at > now - WINDOW)
    return Throttle(locked_until=max(ends) if ends else None, delay_s=delay_for(recent))
