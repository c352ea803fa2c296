"""What the command-line tools say and ask: one-line errors on stderr, passwords from a pipe or a terminal."""

from __future__ import annotations

import getpass
import sys
from typing import TextIO


def error(msg: str) -> None:
    """One line on standard error, ``error: …`` (the command then returns a non-zero exit code)."""
    print(f"error: {msg}", file=sys.stderr, flush=True)


def read_password(prompt: str = "Password: ", stdin: TextIO | None = None) -> str | None:
    """A password: asked twice, hidden, on a terminal; else the first line of standard input.

    Returns ``None`` when the two entries on a terminal differ (after saying so), ``""`` when nothing
    was given.
    """
    stdin = sys.stdin if stdin is None else stdin
    if stdin is not None and stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("Repeat password: ") != first:
            error("passwords do not match")
            return None
        return first
    return (stdin.readline() if stdin is not None else "").rstrip("\r\n")
