"""UI strings in Bahasa Indonesia (default) and English. ``t(key, lang)``; unknown keys show the key.

The strings live in one module per area (each a dict ``STRINGS``: key -> (Indonesian, English)):
``common`` (app shell, navigation, shared labels), ``directors``, ``collection``, ``sif`` and ``admin``.
They are merged here into :data:`STRINGS`; nothing else lives here.
"""

from __future__ import annotations

from jkn_core.i18n import admin, collection, common, directors, sif
from jkn_core.i18n import imports as imports_strings  # import reasons, report lines, schema help (#17)
from jkn_core.i18n import programmes as programmes_strings  # collection programmes, part 1 (#13)
from jkn_core.i18n import programmes_eval as programmes_eval_strings  # programmes part 2: effect, CSR (#13)
from jkn_core.i18n import scf as scf_strings  # hospital claims and SCF (#14)

LANGS = ("id", "en")

#: Every UI string: key -> (Bahasa Indonesia, English), merged from the area modules.


def merge(*areas: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """One dict of the areas' strings; a key defined in two areas is an error (one would silently win)."""
    merged: dict[str, tuple[str, str]] = {}
    for area in areas:
        twice = sorted(merged.keys() & area.keys())
        if twice:
            raise ValueError(f"UI string keys defined in two areas: {', '.join(twice)}")
        merged.update(area)
    return merged


STRINGS: dict[str, tuple[str, str]] = merge(common.STRINGS, directors.STRINGS, collection.STRINGS, sif.STRINGS,
                                            admin.STRINGS)
STRINGS = merge(STRINGS, programmes_strings.STRINGS)  # collection programmes, part 1 (#13)
STRINGS = merge(STRINGS, programmes_eval_strings.STRINGS)  # collection programmes, part 2 (#13)
STRINGS = merge(STRINGS, scf_strings.STRINGS)  # hospital claims and SCF (#14)
STRINGS = merge(STRINGS, imports_strings.STRINGS)  # imports in the user's language (#17)


def t(key: str, lang: str = "id") -> str:
    """The text of ``key`` in ``lang`` (``"en"`` English, anything else Indonesian); unknown: the key."""
    pair = STRINGS.get(key)
    if pair is None:
        return key
    return pair[0] if lang != "en" else pair[1]
