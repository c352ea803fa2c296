"""Shared AppTest helper: start the app and sign in through the real form."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def sign_in(user: str, password: str | None = None, timeout: int = 180) -> AppTest:
    """The app after signing in as ``user`` (demo password ``<user>-demo`` unless given)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.run()
    at.text_input(key="login_user").input(user)
    at.text_input(key="login_password").input(password if password is not None else f"{user}-demo")
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at
