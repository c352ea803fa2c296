"""Tables for people: translated headers, labels for codes, numbers and months in the user's language.

:func:`table` turns a data frame (snake_case columns, codes, raw numbers) into a :class:`Table`:

- ``Table.data``: headers translated (``hdr_<column>`` in :mod:`jkn_core.i18n.tables`; a column without
  an entry reads as words, never snake_case), codes replaced by their labels (segments, statuses,
  actions, outcomes, roles, …), text gaps as "—"; numbers, months and dates **stay values**;
- ``Table.formats``: one formatter per value column (header -> callable) writing it in the chosen
  language with :mod:`jkn_core.fmt`, whatever the browser's locale.

Why values plus formatters rather than text: a page hands both to ``st.dataframe`` as a pandas
``Styler`` (``pages.common.show_table``), so the grid *shows* "Rp 1.800.000" or "Des 2024" but *sorts*
on the number or the month underneath, and keeps numbers right-aligned. Very large frames (more
cells than :data:`STYLER_MAX_CELLS`, where a Styler costs seconds) are shown as the text of
:meth:`Table.strings`, in the order the page chose. Exports use :meth:`Table.export`: translated
headers and labels, numbers still numbers (a spreadsheet sums them), months and dates as text.

Column kinds (:data:`KINDS`): ``int``, ``num1``, ``num2``, ``num3``, ``num4``, ``auto``, ``pct``/``pct1`` (already a
percentage), ``pct_signed``, ``share`` (a fraction shown as %), ``share_signed``, ``rp`` (compact: Rp 53,2
miliar), ``rp_full`` (Rp 1.800.000), ``period`` (202412 -> Des 2024), ``date``, ``datetime`` (WIB),
``bool`` (Ya/Tidak), ``plain`` (a number that is a name: years, ids, no separators), ``text``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from jkn_core import fmt
from jkn_core.i18n import STRINGS, t

#: Above this many cells a table is shown as pre-formatted text (a pandas Styler would take seconds).
STYLER_MAX_CELLS = 20_000

#: The kind of every known column (anything else is text).
KINDS: dict[str, str] = {
    **dict.fromkeys(
        ["population", "participants", "active", "uninsured", "fktp", "fkrtl", "doctors", "registered", "people",
         "families", "months", "months_counted", "self_paying", "arrears_people", "par_people", "rehab_people",
         "doctors_needed", "over_capacity_fktp", "registered_in_over", "doctors_short", "rank", "members",
         "arrears_months", "rehab_stages", "contacts", "reached", "cured", "contract_months_remaining",
         "max_tenor_months", "tenor_months", "days_past_due", "months_remaining", "participants_per_doctor",
         "score"], "int"),
    "expected_stays": "num1",
    **dict.fromkeys(
        ["coverage_pct", "active_pct", "share_pct", "collectability_pct", "target_pct", "par3_pct",
         "kbk_payment_pct", "contact_ok_pct", "rrns_ok_pct", "rppt_ok_pct", "all_ok_pct", "rate_pct"], "pct"),
    **dict.fromkeys(["contact_rate_pct", "cure_rate_pct"], "pct1"),
    "arrears_change_pct": "pct_signed",
    **dict.fromkeys(["pd", "risk"], "share"),
    "capitation_trend_6m": "share_signed",
    **dict.fromkeys(
        ["billed", "collected", "rp", "exposure_rp", "arrears_rp", "rehab_rp", "capitation_paid",
         "capitation_income", "max_loan", "amount", "outstanding", "capitation_6m_before", "expected_recovery"],
        "rp"),
    **dict.fromkeys(["penalty_per_stay", "paid"], "rp_full"),
    **dict.fromkeys(["period", "start_period"], "period"),
    **dict.fromkeys(["contract_end", "contract_start", "paid_date"], "date"),
    **dict.fromkeys(["created_at", "at", "recorded_at", "last_seen_at"], "datetime"),
    **dict.fromkeys(["over_norm", "eligible", "defaulted", "contract_end_soon", "capitation_falling"], "bool"),
    **dict.fromkeys(["target", "value"], "auto"),
    **dict.fromkeys(["year", "family_id", "id"], "plain"),
}

#: Columns holding codes, and the i18n prefix of their labels (a page may override, e.g. ``action``).
CODES: dict[str, str] = {
    "segment": "seg_", "status": "status_", "type": "type_", "decision": "decision_", "outcome": "outcome_",
    "last_outcome": "outcome_", "last_action": "action_", "action": "action_", "role": "role_",
    "level": "level_", "score_source": "score_source_", "kpi": "kpi_",
}

#: The columns of the model pages' metric tables (``kinds=`` of :func:`table`): held-out metrics with 4
#: decimals, observed and predicted rates as percentages, counts, months. Not in :data:`KINDS`, as short
#: names like ``n`` or ``from`` may mean something else elsewhere.
MODEL_KINDS: dict[str, str] = {
    **dict.fromkeys(["roc_auc", "oracle_roc_auc", "pr_auc", "brier", "ece", "auc_gap_to_oracle", "gap",
                     "calibration_log_loss", "calibration_roc_auc", "calibration_roc_auc_current",
                     "calibration_roc_auc_behind_1_3", "selection_score", "test_roc_auc"], "num4"),
    **dict.fromkeys(["observed", "predicted", "base_rate"], "share"),
    **dict.fromkeys(["n", "misses", "defaults", "n_train", "points"], "int"),
    **dict.fromkeys(["period", "from", "to"], "period"),
}

_SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


def is_snake_case(text: object) -> bool:
    """``arrears_rp`` yes; ``Tunggakan (Rp)``, ``NIK``, ``PAR 3 (%)`` no."""
    return bool(_SNAKE.match(str(text)))


def header(column: str, lang: str = "id") -> str:
    """The header of ``column`` in ``lang`` (``hdr_<column>``); an unknown column reads as words."""
    key = f"hdr_{column}"
    if key in STRINGS:
        return t(key, lang)
    words = str(column).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def label(prefix: str, code: Any, lang: str = "id") -> str:
    """The label of a code (``label("seg_", "PBI_APBD")`` -> "PBPU Pemda"); gaps read "—".

    A code without an entry reads as words (``sign_in`` -> "Sign in"), never as the raw code."""
    if fmt.is_missing(code) or code == "":
        return fmt.MISSING
    key = f"{prefix}{code}"
    if key in STRINGS:
        return t(key, lang)
    text = str(code)
    return header(text, lang) if is_snake_case(text) else text


def formatter(kind: str, lang: str = "id") -> Callable[[Any], str]:
    """A function writing one value of ``kind`` in ``lang`` (missing values: "—")."""
    def auto(v: Any) -> str:
        if fmt.is_missing(v):
            return fmt.MISSING
        f = float(v)
        return fmt.number(f, 0 if f.is_integer() else 2, lang)

    def signed_pct(v: Any, scale: float = 1.0, decimals: int = 2) -> str:
        if fmt.is_missing(v):
            return fmt.MISSING
        return fmt.signed(float(v) * scale, decimals, lang) + " %"

    def boolean(v: Any) -> str:
        return fmt.MISSING if fmt.is_missing(v) else t(f"yesno_{str(bool(v)).lower()}", lang)

    table: dict[str, Callable[[Any], str]] = {
        "int": lambda v: fmt.number(v, 0, lang),
        "num1": lambda v: fmt.number(v, 1, lang),
        "num2": lambda v: fmt.number(v, 2, lang),
        "num3": lambda v: fmt.number(v, 3, lang),
        "num4": lambda v: fmt.number(v, 4, lang),
        "auto": auto,
        "pct": lambda v: fmt.pct(v, 2, lang),
        "pct1": lambda v: fmt.pct(v, 1, lang),
        "pct_signed": signed_pct,
        "share": lambda v: fmt.MISSING if fmt.is_missing(v) else fmt.pct(100 * float(v), 2, lang),
        "share_signed": lambda v: signed_pct(v, 100.0, 1),
        "rp": lambda v: fmt.rupiah(v, lang),
        "rp_full": lambda v: fmt.rupiah_full(v, lang),
        "period": lambda v: fmt.period_label(v, lang),
        "date": lambda v: fmt.date(v, lang),
        "datetime": lambda v: fmt.datetime(v, lang),
        "bool": boolean,
        "text": lambda v: fmt.MISSING if fmt.is_missing(v) or v == "" else str(v),
        "plain": lambda v: fmt.MISSING if fmt.is_missing(v) else str(int(v)),
    }
    return table[kind]


@dataclass
class Table:
    """A frame ready for people: see the module docstring."""

    data: pd.DataFrame
    formats: dict[str, Callable[[Any], str]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)  # header -> kind (value columns only)

    def strings(self) -> pd.DataFrame:
        """Every cell as the text a reader sees."""
        out = self.data.copy()
        for i, col in enumerate(out.columns):
            f = self.formats.get(col)
            if f is not None:
                out.isetitem(i, out.iloc[:, i].map(f).astype(object))
        return out

    def export(self) -> pd.DataFrame:
        """For CSV / Excel: headers and labels translated, numbers as numbers, months and dates as text."""
        out = self.data.copy()
        for i, col in enumerate(out.columns):
            kind = self.kinds.get(col)
            if kind in ("period", "date", "datetime", "bool"):
                out.isetitem(i, out.iloc[:, i].map(self.formats[col]).astype(object))
            elif kind in ("share", "share_signed"):
                out.isetitem(i, (pd.to_numeric(out.iloc[:, i], errors="coerce") * 100).round(4))
        return out

    @property
    def numeric(self) -> list[str]:
        """Headers of the columns shown as numbers (right-aligned)."""
        return [h for h, k in self.kinds.items() if k not in ("period", "date", "datetime", "bool", "text")]


def table(df: pd.DataFrame, lang: str = "id", *, columns: Iterable[str] | None = None,
          headers: Mapping[str, str] | None = None, kinds: Mapping[str, str] | None = None,
          codes: Mapping[str, str | None] | None = None) -> Table:
    """``df`` for people (see the module docstring).

    ``columns``: which columns, in which order (default: all); ``headers``: header texts that replace the
    standard ones (already translated); ``kinds``: column kinds that replace :data:`KINDS`; ``codes``:
    i18n prefixes of code columns that replace :data:`CODES` (``None`` shows a column as it is)."""
    frame = df if columns is None else df[[c for c in columns if c in df.columns]]
    frame = frame.reset_index(drop=True)
    code_map = {**CODES, **(codes or {})}
    kind_map = {**KINDS, **(kinds or {})}
    data: dict[str, pd.Series] = {}
    formats: dict[str, Callable[[Any], str]] = {}
    col_kinds: dict[str, str] = {}
    for col in frame.columns:
        name = str(col)
        head = (headers or {}).get(name) or header(name, lang)
        while head in data:  # headers must be unique for the grid
            head += " "
        series = frame[col]
        prefix = code_map.get(name)
        kind = kind_map.get(name)
        if kind is None and prefix is None and pd.api.types.is_bool_dtype(series):
            kind = "bool"
        if kind is None and prefix is None and pd.api.types.is_numeric_dtype(series):
            kind = "auto"
        if prefix is not None and kind is None:
            data[head] = series.map(lambda v, p=prefix: label(p, v, lang)).astype(object)
        elif kind is None or kind == "text":
            data[head] = series.map(formatter("text", lang)).astype(object)
        else:
            if kind in ("int", "num1", "num2", "num3", "num4", "auto", "pct", "pct1", "pct_signed", "share", "share_signed", "rp",
                        "rp_full", "period", "plain"):
                series = pd.to_numeric(series, errors="coerce")
            data[head] = series
            formats[head] = formatter(kind, lang)
            col_kinds[head] = kind
    return Table(pd.DataFrame(data), formats, col_kinds)


# --- scorecard bands ----------------------------------------------------------------------------------
def _edge(v: float, lang: str) -> str:
    a = abs(v)
    if a >= 1e6:
        return fmt.compact(v, 1, lang)
    return fmt.number(v, 0 if a >= 100 else 1 if a >= 10 else 3, lang)


def band(feature: str, text: Any, low: Any, high: Any, lang: str = "id") -> str:
    """A scorecard band in ``lang``: a numeric one from its edges ("> 2.998 dan ≤ 3.304", "≤ 2.998",
    "> 1,2 juta"), a category by its label ("Dokter Praktik Perorangan"), "(lainnya)" for the rest."""
    lo = None if fmt.is_missing(low) or float(low) == float("-inf") else float(low)
    hi = None if fmt.is_missing(high) or float(high) == float("inf") else float(high)
    if lo is not None and hi is not None:
        return t("band_between", lang).format(low=_edge(lo, lang), high=_edge(hi, lang))
    if hi is not None:
        return f"≤ {_edge(hi, lang)}"
    if lo is not None:
        return f"> {_edge(lo, lang)}"
    if str(text) == "(other)":
        return t("band_other", lang)
    return label(f"{feature}_", text, lang) if f"{feature}_{text}" in STRINGS else label("", text, lang)


# --- KPI values, scope, queue -------------------------------------------------------------------------
def kpi_value(unit: str, value: float | None, lang: str = "id", signed: bool = False) -> str:
    """A KPI value: ``pct`` -> '98,45 %' (a change: '+0,32 poin'), ``rp`` -> 'Rp 21,5 triliun' (a fall:
    '-Rp 1,5 miliar'), ``people``/``count`` -> '1.234.567' or '85,8 juta', else a whole number."""
    if fmt.is_missing(value):
        return fmt.MISSING
    v = float(value)  # type: ignore[arg-type]
    sign = "+" if signed and v > 0 else ""
    if unit == "pct":
        return sign + fmt.number(v, 2, lang) + ((" poin" if lang == "id" else " pts") if signed else " %")
    if unit == "rp":
        return ("-" if v < 0 else sign) + fmt.rupiah(abs(v), lang)
    if unit in ("people", "count"):
        return sign + (fmt.compact(v, 1, lang) if abs(v) >= 1e6 else fmt.number(v, 0, lang))
    return sign + fmt.number(v, 0, lang)


def kpi_table(cards: pd.DataFrame, lang: str = "id") -> pd.DataFrame:
    """The headline cards as text (each row has its own unit): indicator, status, value, target, changes."""
    rows = []
    for r in cards.to_dict("records"):
        u = r["unit"]
        rows.append({
            header("kpi", lang): label("kpi_", r["kpi"], lang),
            header("status", lang): label("status_", r["status"], lang),
            header("value", lang): kpi_value(u, r["value"], lang),
            header("target", lang): kpi_value(u, r["target"], lang),
            header("last_month", lang): kpi_value(u, r["last_month"], lang),
            header("last_year", lang): kpi_value(u, r["last_year"], lang),
            header("change_month", lang): kpi_value(u, r["change_month"], lang, True),
            header("change_year", lang): kpi_value(u, r["change_year"], lang, True),
        })
    return pd.DataFrame(rows)


def scope_text(text: Any, lang: str = "id") -> str:
    """A scope as the audit log stores it (``kantor_cabang:branch=0301``) in words: "Kantor cabang ·
    Kantor Cabang 0301"; anything else as it is."""
    m = re.fullmatch(r"([a-z_]+):(branch|region)=([\w.-]+)|([a-z_]+):national", str(text or ""))
    if not m:
        return fmt.MISSING if fmt.is_missing(text) or text == "" else str(text)
    role = m[1] or m[4]
    where = (t("scope_branch" if m[2] == "branch" else "scope_region", lang).format(code=m[3]) if m[2]
             else t("scope_national", lang))
    return f"{label('role_', role, lang)} · {where}"


def scope_words(scope: Any, lang: str = "id") -> str:
    """A user's scope in words: "Nasional", "Kantor Cabang 0301", "Bank bjb, wilayah KW05"."""
    if getattr(scope, "bank", None) and getattr(scope, "region_code", None):
        return t("scope_bank", lang).format(bank=scope.bank, code=scope.region_code)
    if getattr(scope, "branch_code", None):
        return t("scope_branch", lang).format(code=scope.branch_code)
    if getattr(scope, "region_code", None):
        return t("scope_region", lang).format(code=scope.region_code)
    return t("scope_national", lang)


#: The work queue's key columns (what a collector acts on) and the details kept for the expander.
QUEUE_MAIN = ["rank", "family", "arrears_months", "arrears_rp", "expected_recovery", "action", "reason"]
QUEUE_DETAILS = ["rank", "family_id", "name", "nik", "regency", "segment", "kelas", "members", "risk",
                 "rehab_stages", "reasons", "last_action", "last_outcome"]


def queue_frame(queue: pd.DataFrame, lang: str = "id") -> pd.DataFrame:
    """The work queue with the columns people read: ``family`` ("12345 · S*** N***"), ``reason`` (the
    first), ``reasons`` (all three) and ``action`` as its label, prefixed "Pencegahan" / "Prevention" for a
    family that owes nothing yet (an auto-debit enrolment: its expected recovery is a bill protected)."""
    q = queue.copy()
    q["family"] = [f"{int(f)} · {n}" if not fmt.is_missing(n) else str(int(f))
                   for f, n in zip(q["family_id"], q["name"], strict=True)]
    reasons = q[["reason_1", "reason_2", "reason_3"]].fillna("")
    q["reason"] = reasons["reason_1"].where(reasons["reason_1"] != "", fmt.MISSING)
    q["reasons"] = reasons.apply(lambda r: " · ".join(x for x in r if x), axis=1)
    prevention = q["arrears_months"].fillna(0).astype(int) <= 0
    actions = q["action"].map(lambda a: label("action_", a, lang))
    q["action"] = actions.where(~prevention, t("wq_kind_prevention", lang) + " · " + actions)
    q["prevention"] = prevention
    return q


def progress_text(message: str, lang: str = "id") -> str:
    """A step of the demo generator (English, from :mod:`jkn_core.demo.generator`) in ``lang``."""
    if lang != "id":
        return message
    fixed = {"geography": "gen_geography", "participants per regency and segment": "gen_participants_per_regency",
             "family attributes": "gen_family_attributes", "participants registered at FKTP": "gen_registered_at_fktp",
             "payment behaviour simulated": "gen_payments", "tables assembled": "gen_tables_assembled",
             "writing to the database": "gen_writing", "done": "gen_done"}
    if message in fixed:
        return t(fixed[message], lang)
    m = re.fullmatch(r"([\d,]+) participant rows in ([\d,]+) families", message)
    if m:
        return t("gen_participant_rows", lang).format(n=m[1].replace(",", "."), m=m[2].replace(",", "."))
    m = re.fullmatch(r"([\d,]+) facilities", message)
    if m:
        return t("gen_facilities", lang).format(n=m[1].replace(",", "."))
    m = re.fullmatch(r"wrote (\w+)", message)
    if m:
        return t("gen_wrote", lang).format(name=m[1])
    return message
