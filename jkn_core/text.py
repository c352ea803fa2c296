"""User data is text, never markup.

Names, notes, codes, regency and branch names, reasons, usernames, audit details: anything that came
from an import, a form or the database may hold Markdown or HTML (``![x](http://host/t.png)`` would
make every viewer's browser fetch that address). Pages show such strings as table cells (never
Markdown), with ``st.text``, or, inside a Markdown element (``st.markdown``, ``st.caption``,
``st.subheader``, widget and metric labels, ...), through :func:`plain`, which escapes every character
Markdown, Streamlit's directives (``:red[...]``, ``:material/...:``, ``$...$``) or HTML give a meaning,
so the text shows literally; autolinks (``http://``, ``www.``, e-mail) are broken with a zero-width
space.

Rule for pages: a string built from data goes into Markdown only as ``plain(value)``; strings from
``jkn_core.i18n`` and numbers formatted by ``jkn_core.fmt`` are ours and need no escaping.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

__all__ = ["MARKDOWN_SPECIAL", "ZWSP", "chart_label", "plain", "single_line"]

#: Characters escaped by :func:`plain`: every ASCII punctuation character CommonMark lets a backslash
#: escape, except the harmless ``, ; ' " ? % /`` (kept for readability). Includes ``< > &`` (HTML and
#: entities), ``! [ ] ( )`` (images and links), ``: $ ~ { }`` (Streamlit directives, math,
#: strikethrough), ``* _ ` # | + - . = ^ @`` (emphasis, code, headings, tables, lists, autolinks).
MARKDOWN_SPECIAL = frozenset("\\`*_{}[]()<>#+-.!|~:$&=^@")
_ESCAPE = re.compile("[" + re.escape("".join(sorted(MARKDOWN_SPECIAL))) + "]")
_SPACE = re.compile(r"\s+")
#: Where a zero-width space is put so that no autolink forms: after ``\:`` and ``\@``, and after
#: ``www`` before ``\.``.
_AUTOLINK = re.compile(r"\\[:@]|(?i:www)(?=\\\.)")
ZWSP = "\u200b"


def single_line(value: Any) -> str:
    """``value`` as one line of text: missing -> ``""``; line breaks, tabs and control/format
    characters (including bidi overrides and zero-width ones) -> one space; runs of spaces squeezed."""
    if value is None:
        return ""
    try:
        if value != value:  # NaN / NaT
            return ""
    except (TypeError, ValueError):
        pass
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in str(value))
    return _SPACE.sub(" ", text).strip()


def plain(value: Any) -> str:
    """``value`` escaped so that a Markdown element of Streamlit shows it literally, on one line.

    >>> plain("![x](http://host/a.png)").replace(ZWSP, "")
    '\\\\!\\\\[x\\\\]\\\\(http\\\\://host/a\\\\.png\\\\)'
    >>> plain("Siti Nurhaliza")
    'Siti Nurhaliza'
    """
    escaped = _ESCAPE.sub(lambda m: "\\" + m.group(0), single_line(value))
    # Streamlit's GFM autolinks ``http://``, ``www.`` and e-mail addresses in the text *after*
    # escapes are resolved: a zero-width space breaks those patterns (the text still reads the same).
    return _AUTOLINK.sub(lambda m: m.group(0) + ZWSP, escaped)


def chart_label(value: Any) -> str:
    """``value`` for a Plotly label, tick or hover text: one line, ``& < >`` as entities.

    Plotly reads a small HTML subset in every text it draws (``<a href>``, ``<span style>``...);
    escaped, a name shows literally (Plotly turns the entities back into the characters).
    """
    return html.escape(single_line(value), quote=False)
