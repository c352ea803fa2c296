"""Shared AppTest helpers: start the app from ``app.py``, sign in through the real form, read the navigation.

- :func:`sign_in` -> the app after the sign-in form was submitted (asserts no exception).
- :data:`PAGE_FILES` -> ``app.PAGE_FILES`` (page key -> (file, group, icon)), read without running app.py.
- :func:`nav_keys` -> the page keys the navigation of the last run offered.
- :func:`texts` -> the values of some elements joined (``texts(at.error)``).
"""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from devtools.app_pages import page_files
from jkn_core.text import MARKDOWN_SPECIAL, ZWSP

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
PAGE_FILES: dict[str, tuple[str, str, str]] = page_files(APP)
#: AppTest element kinds that show data; a refused page shows none of them.
DATA_ELEMENTS = ("dataframe", "table", "metric", "plotly_chart", "download_button")


def sign_in(user: str, password: str | None = None, timeout: int = 180, lang: str | None = None) -> AppTest:
    """The app after signing in as ``user`` (demo password ``<user>-demo`` unless given), in ``lang`` if given."""
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    if lang:
        at.query_params["lang"] = lang
    at.run()
    at.text_input(key="login_user").input(user)
    at.text_input(key="login_password").input(password if password is not None else f"{user}-demo")
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def nav_keys(at: AppTest) -> set[str]:
    """Page keys of the file pages st.navigation registered in the last run (the sign-in form is a function)."""
    by_file = {(ROOT / f).resolve(): k for k, (f, _g, _i) in PAGE_FILES.items()}
    pages = at._registered_pages  # AppTest 1.67 keeps st.navigation's registry here
    paths = [Path(str(info["script_path"])).resolve() for info in pages.values() if info.get("script_path")]
    return {by_file.get(p, str(p)) for p in paths if p != APP.resolve()}


_SHOWN = re.compile("\\\\([" + re.escape("".join(sorted(MARKDOWN_SPECIAL))) + "])")


def texts(elements) -> str:  # type: ignore[no-untyped-def]
    """The text a reader sees in AppTest elements (``at.error``, ``at.title``, ...), joined by new lines.

    AppTest hands over the Markdown source; data strings in it are escaped by ``jkn_core.text.plain``
    (a backslash before punctuation, a zero-width space in autolinks), which the browser does not show."""
    return "\n".join(_SHOWN.sub(r"\1", str(e.value)).replace(ZWSP, "") for e in elements)
