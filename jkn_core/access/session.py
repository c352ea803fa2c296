"""Session hygiene: the idle time-out of a signed-in session and the largest upload accepted."""

from __future__ import annotations

import datetime as dt

#: Sign a user out after this many minutes without activity.
SESSION_TIMEOUT_MINUTES = 30
#: Largest upload the import page accepts (match ``server.maxUploadSize`` in .streamlit/config.toml).
MAX_UPLOAD_MB = 50


def session_expired(last_activity: dt.datetime, now: dt.datetime | None = None) -> bool:
    """True when more than :data:`SESSION_TIMEOUT_MINUTES` have passed since ``last_activity``.

    Both datetimes are UTC; naive ones are taken as UTC.
    """
    now = now or dt.datetime.now(dt.UTC)
    if last_activity.tzinfo is None:
        last_activity = last_activity.replace(tzinfo=dt.UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    return now - last_activity > dt.timedelta(minutes=SESSION_TIMEOUT_MINUTES)
