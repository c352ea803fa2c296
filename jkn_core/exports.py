"""Every download leaves the dashboard through here.

:func:`export_table` is the one entry point pages use: it refuses participant-level frames to roles
that may not see participants, masks NIK and names for roles that may not see identities, writes an
``export`` row to the audit log, and returns the file's bytes (CSV or Excel). Streamlit's own table
download is switched off (``client.disableDataExport`` in ``.streamlit/config.toml``), so this is the
only door.

Both writers neutralise spreadsheet formulas in text cells (a value such as ``=HYPERLINK(...)``
arriving through an import must not become a live formula in someone's spreadsheet): a text cell
that starts (after spaces) with ``= + - @``, a tab or a CR gets a leading apostrophe, as OWASP
recommends. Numbers stay numbers (``-1`` is a number, not text). The CSV quotes every field that
holds a comma, a semicolon, a quote or a line break, so the file splits the same way in a
spreadsheet whose list separator is ``;`` (the Indonesian default) as in one that uses ``,``. CSV is
UTF-8 with a byte-order mark so that Excel opens it with the right encoding.

Every page download says what it holds, in the user's language (:class:`ExportContext`): a few header
lines above the table (title, period, unit, filters, when and by whom, in WIB) and a file name built
from the same facts (:func:`export_filename`, e.g. ``tunggakan_kc0301_des-2024.csv``). The table
itself reaches the writer through ``present`` (translated headers, labels for codes, numbers still
numbers: :meth:`jkn_core.display.Table.export`), *after* the identity checks and masking, which
always read the original column names.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from jkn_core.audit import audit
from jkn_core.fmt import now_wib, period_label
from jkn_core.i18n import t
from jkn_core.scope import Scope, ScopeError

__all__ = [
    "EXPORT_FORMATS",
    "ExportContext",
    "export_filename",
    "FORMULA_PREFIXES",
    "IDENTITY_COLUMNS",
    "MIME_TYPES",
    "may_export",
    "export_table",
    "mask_name",
    "mask_nik",
    "neutralise_formula",
    "to_csv_bytes",
    "to_excel_bytes",
]

#: Columns that make a frame participant-level (matched case-insensitively, index names included).
IDENTITY_COLUMNS = frozenset({"nik", "name", "family_id", "participant_id"})
EXPORT_FORMATS = ("csv", "xlsx")
MIME_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_EXCEL_MAX_ROWS = 1_048_575  # plus the header row
#: A text cell starting with one of these is read as a formula by Excel, LibreOffice or Sheets.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: A CSV field holding one of these is quoted (``;`` for spreadsheets whose list separator is ``;``).
_CSV_QUOTE_CHARS = frozenset(',;"\r\n')


# --- what an export holds ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ExportContext:
    """What a download holds, written above the table and into the file name (in ``lang``).

    ``title``: the table's name as the page shows it; ``period``: a month (YYYYMM) or ``None``; ``unit``:
    the organisational unit in words (the view or the user's scope); ``filters``: (label, value) pairs
    of the other choices that shaped the table (already translated)."""

    title: str
    lang: str = "id"
    period: int | None = None
    unit: str = ""
    filters: Sequence[tuple[str, str]] = field(default_factory=tuple)

    def lines(self, username: str = "") -> list[tuple[str, str]]:
        """The header lines: (label, value)."""
        out = [(t("exp_title", self.lang), self.title)]
        if self.period is not None:
            out.append((t("exp_period", self.lang), period_label(self.period, self.lang)))
        if self.unit:
            out.append((t("exp_unit", self.lang), self.unit))
        shown = "; ".join(f"{k}: {v}" for k, v in self.filters) or t("exp_no_filter", self.lang)
        out.append((t("exp_filters", self.lang), shown))
        out.append((t("exp_downloaded", self.lang), now_wib(self.lang)
                    + (f" · {t('exp_by', self.lang)} {username}" if username else "")))
        return out


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


def export_filename(what: str, fmt_: str, context: ExportContext | None = None) -> str:
    """``what`` + the unit, filters and period of ``context`` + extension, safe on every system:
    ``tunggakan-per-cabang_kedeputian-wilayah-kw03_des-2024.csv``."""
    parts = [_slug(context.title) if context is not None and context.title else _slug(what)]
    if context is not None:
        parts += [_slug(context.unit)] + [_slug(v) for _k, v in context.filters]
        if context.period is not None:
            parts.append(_slug(period_label(context.period, context.lang)))
    name = "_".join(p for p in parts if p)[:150].strip("_-") or "export"
    return f"{name}.{fmt_}"


# --- masking --------------------------------------------------------------------------------------
def _is_missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def mask_nik(value: Any) -> Any:
    """``1671012345678912`` -> ``167101********12``: the first 6 digits (the regency) and the last 2.

    Values too short to keep anything (under 10 characters) are masked entirely; missing values
    pass through.
    """
    if _is_missing(value):
        return value
    s = str(value).strip()
    if len(s) < 10:
        return "*" * len(s)
    return s[:6] + "*" * (len(s) - 8) + s[-2:]


def mask_name(value: Any) -> Any:
    """``Siti Nurhaliza`` -> ``S*** N***``: the first letter of each word; missing values pass."""
    if _is_missing(value):
        return value
    return " ".join(word[0] + "***" for word in str(value).split())


# --- writers --------------------------------------------------------------------------------------
def _flat(df: pd.DataFrame) -> pd.DataFrame:
    """Named indexes (e.g. a groupby result) become ordinary columns so nothing is lost on export."""
    if any(name is not None for name in df.index.names):
        df = df.reset_index()
    if isinstance(df.columns, pd.MultiIndex):
        df = df.copy()
        df.columns = [" ".join(str(p) for p in col if str(p) != "").strip() for col in df.columns]
    return df


def _is_text(series: pd.Series) -> bool:
    dtype = series.dtype
    return (pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype)
            or isinstance(dtype, pd.CategoricalDtype))


def neutralise_formula(value: Any) -> Any:
    """``value`` with a leading apostrophe when it is text a spreadsheet would read as a formula.

    Text starting (after spaces) with ``= + - @``, a tab or a CR becomes ``'`` + text; anything else,
    numbers included (``-1`` stays the number ``-1``), is returned unchanged.
    """
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _neutralise(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out.columns = [neutralise_formula(c) for c in out.columns]
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if _is_text(col):
            out.isetitem(i, col.astype(object).map(neutralise_formula).astype(object))
    return out


def _csv_field(text: str) -> str:
    if _CSV_QUOTE_CHARS.isdisjoint(text):
        return text
    return '"' + text.replace('"', '""') + '"'


def to_csv_bytes(df: pd.DataFrame, preamble: Sequence[tuple[str, str]] = ()) -> bytes:
    """CSV (UTF-8 with BOM, no index column, formulas neutralised, separators always quoted).

    pandas formats the values (dates, floats, missing values); every field that holds ``,``, ``;``,
    a quote or a line break is then quoted, so the file reads the same with either list separator.
    ``preamble``: (label, value) lines written first, then an empty line, then the table.
    """
    frame = _neutralise(_flat(df))
    formatted = frame.to_csv(index=False, lineterminator="\n", quoting=csv.QUOTE_ALL)  # exact fields
    out = io.StringIO()
    for key, value in preamble:
        out.write(",".join(_csv_field(str(neutralise_formula(x))) for x in (key, value)) + "\r\n")
    if preamble:
        out.write("\r\n")
    for row in csv.reader(io.StringIO(formatted, newline="")):
        # a lone empty field is written "" so the line is not mistaken for a blank one
        out.write(",".join(_csv_field(field) for field in row) if row != [""] else '""')
        out.write("\r\n")
    return out.getvalue().encode("utf-8-sig")


def _sheet_name(name: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\']", " ", name or "").strip()
    return (cleaned or "data")[:31]


def to_excel_bytes(df: pd.DataFrame, sheet_name: str = "data",
                   preamble: Sequence[tuple[str, str]] = ()) -> bytes:
    """An .xlsx workbook (openpyxl) with one sheet, header frozen, formulas neutralised; ``preamble``
    lines (label, value) above the table, numbers shown with thousands separators."""
    frame = _neutralise(_flat(df))
    if len(frame) > _EXCEL_MAX_ROWS:
        raise ValueError(f"{len(frame):,} rows do not fit in one Excel sheet; export CSV instead")
    for i in range(frame.shape[1]):  # Excel has no time zones: store UTC wall time
        col = frame.iloc[:, i]
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            frame.isetitem(i, col.dt.tz_convert("UTC").dt.tz_localize(None))
    sheet = _sheet_name(sheet_name)
    skip = len(preamble) + 1 if preamble else 0
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=sheet, index=False, startrow=skip)
        ws = writer.sheets[sheet]
        for i, (key, value) in enumerate(preamble, start=1):
            ws.cell(row=i, column=1, value=neutralise_formula(str(key)))
            ws.cell(row=i, column=2, value=neutralise_formula(str(value)))
        ws.freeze_panes = f"A{skip + 2}"
        for j in range(frame.shape[1]):
            col = frame.iloc[:, j]
            if (pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
                    and len(frame) <= 200_000):  # beyond: Excel's own format (styling costs minutes)
                whole = bool(((col.dropna() % 1) == 0).all())
                for cell in ws.iter_rows(min_row=skip + 2, min_col=j + 1, max_col=j + 1):
                    cell[0].number_format = "#,##0" if whole else "#,##0.00"
    return buf.getvalue()


# --- the one entry point --------------------------------------------------------------------------
def _lower_names(df: pd.DataFrame) -> dict[str, str]:
    """Lower-cased column name -> actual column name."""
    return {str(c).strip().lower(): c for c in df.columns}


def may_export(scope: Scope, df: pd.DataFrame) -> bool:
    """Whether ``scope`` may export ``df`` at all (no identity columns unless it sees participants)."""
    return scope.sees_participants or not (IDENTITY_COLUMNS & _lower_names(_flat(df)).keys())


def export_table(engine: Engine, scope: Scope, df: pd.DataFrame, what: str, fmt: str,
                 context: ExportContext | None = None,
                 present: Callable[[pd.DataFrame], pd.DataFrame] | None = None) -> bytes:
    """The bytes of ``df`` as ``fmt`` (``"csv"`` or ``"xlsx"``) for ``scope``, audited as ``export``.

    ``context``: header lines above the table (title, period, unit, filters, time in WIB, user);
    ``present``: turns the checked and masked frame into what people read (translated headers,
    labels) just before writing.

    - Raises :class:`ScopeError` (and audits ``export_refused``) when the frame has a participant
      identity column (``nik``, ``name``, ``family_id``, ``participant_id``) and the scope may not
      see participants. Aggregate frames should therefore name their label columns specifically
      (``branch_name``, ``facility_name``...), never just ``name``.
    - Masks ``nik`` and ``name`` when the scope may not see identities.
    """
    fmt = (fmt or "").strip().lower()
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}")
    what = (what or "").strip() or "export"
    frame = _flat(df)
    names = _lower_names(frame)
    identity = sorted(IDENTITY_COLUMNS & names.keys())
    if identity and not scope.sees_participants:
        audit(engine, scope, "export_refused", {"what": what, "format": fmt, "identity_columns": identity})
        raise ScopeError(f"role {scope.role} may not export participant-level data ({', '.join(identity)})")

    masked: list[str] = []
    if not scope.sees_identity:
        for key, masker in (("nik", mask_nik), ("name", mask_name)):
            if key in names:
                if not masked:
                    frame = frame.copy()
                frame[names[key]] = frame[names[key]].map(masker).astype(object)
                masked.append(key)

    rows, columns = len(frame), len(frame.columns)
    if present is not None:
        frame = present(frame)
    preamble = context.lines(scope.username) if context is not None else ()
    data = (to_csv_bytes(frame, preamble) if fmt == "csv"
            else to_excel_bytes(frame, sheet_name=context.title if context is not None else what, preamble=preamble))
    detail: dict[str, Any] = {"what": what, "format": fmt, "rows": rows, "columns": columns, "masked": masked}
    if context is not None:
        detail.update({"period": context.period, "unit": context.unit, "filters": [list(f) for f in context.filters]})
    audit(engine, scope, "export", detail)
    return data
