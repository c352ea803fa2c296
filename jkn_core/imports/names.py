"""Name-vs-code warnings: a file whose name column disagrees with its code probably lands on the wrong place.

A file keyed by code (regency, branch, facility, province, region) may carry the unit's name next to the
code (``regency_name`` next to ``regency_code``, the ``name`` of a ``regencies`` row...). When that name
is not the code's name in the database (code 35.78 named "Probolinggo": 35.78 is Kota Surabaya), the
import is not rejected, but the row is listed as a warning: on the admin page, by the command line and
counted in the audit row. Names are compared after :func:`canonical`: case, spaces, punctuation and the
prefixes ``Kabupaten``/``Kab.``/``Kota``/``Adm.``/``Provinsi``/``Kantor Cabang`` do not count, but a
*kota* is never a *kabupaten* of the same name (Kota Probolinggo ≠ Kab. Probolinggo).
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy.engine import Connection

from jkn_core.imports.lookup import lookup
from jkn_core.imports.report import Problem, why
from jkn_core.imports.spec import TableSpec

#: Leading words that are not part of a name, and the kind of unit they say (None: any kind).
PREFIXES: tuple[tuple[tuple[str, ...], str | None], ...] = (
    (("kabupaten", "administrasi"), "kab"), (("kabupaten", "adm"), "kab"), (("kab", "administrasi"), "kab"),
    (("kab", "adm"), "kab"), (("kabupaten",), "kab"), (("kab",), "kab"),
    (("kota", "administrasi"), "kota"), (("kota", "adm"), "kota"), (("kota",), "kota"),
    (("provinsi",), None), (("prov",), None),
    (("bpjs", "kesehatan"), None), (("kantor", "cabang"), None), (("cabang",), None), (("kc",), None),
    (("kedeputian", "wilayah"), None), (("kedwil",), None),
)


def canonical(name: str) -> tuple[str | None, str]:
    """(kind, bare name) of a unit's name: kind ``kab``, ``kota`` or None (not said); the bare name in
    lower case, words separated by one space, punctuation dropped, initials joined (``D.I.`` = ``DI``)."""
    text = unicodedata.normalize("NFKC", name).casefold().replace(".", ". ")
    words = [w for w in re.split(r"[^\w]+", text) if w]
    merged: list[str] = []
    for w in words:  # D. I. Yogyakarta -> di yogyakarta
        if len(w) == 1 and merged and merged[-1].isalpha() and len(merged[-1]) < 3 and merged[-1] not in (
                "kc", "kab"):
            merged[-1] += w
        else:
            merged.append(w)
    kind: str | None = None
    stripped = True
    while stripped and merged:
        stripped = False
        for prefix, k in PREFIXES:
            if tuple(merged[: len(prefix)]) == prefix and len(merged) > len(prefix):
                merged = merged[len(prefix):]
                kind = kind or k
                stripped = True
                break
    return kind, " ".join(merged)


def same_name(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` name the same unit (see :func:`canonical`)."""
    (ka, na), (kb, nb) = canonical(a), canonical(b)
    return na == nb and (ka is None or kb is None or ka == kb)


#: The table of a unit ``level`` (targets and reference figures name their unit by level and code).
LEVEL_TABLES = {"region": "regions", "branch": "branches", "province": "provinces", "regency": "regencies"}


def _target(spec: TableSpec, code_field: str) -> str:
    """The table whose ``name`` the name column of ``code_field`` is checked against."""
    f = spec.get(code_field)
    if f.refs:
        return f.refs.split(".")[0]
    return spec.name  # the key of a reference table itself (regions, branches, regencies)


def _stored_names(conn: Connection, spec: TableSpec, code_field: str, frame, pairs) -> dict:  # type: ignore[no-untyped-def]
    """{frame index: (table, stored name)} of the rows of ``pairs`` whose code exists."""
    if "level" in frame and not spec.get(code_field).refs and spec.name not in LEVEL_TABLES.values():
        levels = frame.loc[pairs.index, "level"]
        out = {}
        for level, table in LEVEL_TABLES.items():
            rows = pairs[levels == level]
            known = lookup(conn, table, "code", set(rows[code_field].tolist()), ("name",))
            out |= {i: (table, known[c][0]) for i, c in rows[code_field].items() if c in known}
        return out
    table = _target(spec, code_field)
    known = lookup(conn, table, "code", set(pairs[code_field].tolist()), ("name",))
    return {i: (table, known[c][0]) for i, c in pairs[code_field].items() if c in known}


def name_warnings(conn: Connection, spec: TableSpec, frame, rownums) -> list[Problem]:  # type: ignore[no-untyped-def]
    """One warning per row whose name column disagrees with its code's name in the database.

    Only valid codes that exist are compared (an unknown code is a problem, reported elsewhere); a new
    code of a reference table has no stored name to disagree with.
    """
    out: list[Problem] = []
    for f in spec.fields:
        if not f.names or f.name not in frame or f.names not in frame:
            continue
        pairs = frame[[f.names, f.name]].dropna()
        pairs = pairs[pairs[f.name].astype(str).str.strip() != ""]
        if pairs.empty:
            continue
        stored = _stored_names(conn, spec, f.names, frame, pairs)
        for i, code, name in pairs.itertuples(index=True, name=None):
            if i not in stored or same_name(str(name), str(stored[i][1])):
                continue
            table, known = stored[i]
            if table == spec.name:
                reason = why("name_renames", code=code, known=known, name=name)
            else:
                reason = why("name_mismatch", name=name, column=f.names, code=code, known=known)
            out.append(Problem(int(rownums[i]), f.name, reason))
    return out + branch_warnings(conn, spec, frame, rownums)


def branch_warnings(conn: Connection, spec: TableSpec, frame, rownums) -> list[Problem]:  # type: ignore[no-untyped-def]
    """One warning per row whose ``branch_code`` is not the branch its ``regency_code`` belongs to in the
    regency → branch map (participants, facilities): the row would count in another branch's figures."""
    names = {f.name: f.refs for f in spec.fields}
    if names.get("regency_code") != "regencies.code" or names.get("branch_code") != "branches.code":
        return []
    pairs = frame[["regency_code", "branch_code"]].dropna()
    if pairs.empty:
        return []
    mapped = lookup(conn, "regencies", "code", set(pairs["regency_code"].tolist()), ("branch_code",))
    out = []
    for i, regency, branch in pairs.itertuples(index=True, name=None):
        own = mapped.get(regency)
        if own is not None and own[0] != branch:
            out.append(Problem(int(rownums[i]), "branch_code",
                               why("branch_not_regency_branch", regency=regency, own=own[0], branch=branch)))
    return out
