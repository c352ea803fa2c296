"""Delinquency features: THE single place their definitions live (training and scoring share it).

Unit of a row: one self-paying family (PBPU / BP) and one **label month** ``M`` (YYYYMM). Every feature
describes the family *as known at the end of month M-1*; nothing from month ``M`` or later is read:

- ledger rows count only when ``period < M``, and a bill counts as paid only when ``paid_period < M``
  (a later payment of an old bill is not yet known at the end of M-1);
- care events and collection actions count only when ``period < M``;
- the family record (class, members, auto-debit, registration date, head's birth year, arrears before
  the ledger started) and the regency (income index, city) are static attributes.

The label (``y``) is 1 when the bill of month ``M`` is **not paid within month M**: a current payer who
misses it, or a family in arrears that does not cure in M. That is exactly the event whose true
probability the demo generator keeps in ``truth_family(family_id, period=M)``.

How it is computed (set-based, chunked, ready to move to Spark)
1. Families are read in chunks of consecutive ids (``chunk_size``). For each chunk three SQL queries
   read the family record (joined to its regency), its ledger rows, its care events and its collection
   actions: plain filtered scans, the same on SQLite and PostgreSQL.
2. The ledger becomes a dense family × month matrix (columns = ledger months). Window features are
   cumulative scans along the month axis (run length of arrears, exponentially decayed arrears,
   rolling counts over 3/6/12 months), evaluated at column ``M-1`` for each label month. In Spark each
   one is a window function ``OVER (PARTITION BY family_id ORDER BY period ROWS BETWEEN k PRECEDING AND
   CURRENT ROW)`` on the monthly table filtered to ``period < M`` (see ``docs/collections.md``).
3. No Python loop runs per family: loops run over label months (at most the ledger length) and
   chunks only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, func, select

from jkn_core import rules
from jkn_core.collection.actions import CURED_OUTCOMES, OFTEN_LATE
from jkn_core.months import from_index, next_period
from jkn_core.months import index_int as month_index
from jkn_core.schema import (
    SELF_PAYING_SEGMENTS,
    CareEvent,
    CollectionAction,
    Contribution,
    Family,
    Regency,
    TruthFamily,
)

#: Model inputs, in order. Descriptions (id, en) are the plain words used for per-row reasons.
FEATURES: dict[str, tuple[str, str]] = {
    "arrears_months": ("Bulan menunggak saat ini", "Months in arrears now"),
    "longest_streak": ("Tunggakan terpanjang (bulan)", "Longest arrears streak (months)"),
    "missed_decay": ("Riwayat menunggak baru-baru ini", "Recent history of arrears"),
    "missed_3m": ("Bulan menunggak, 3 bulan terakhir", "Months in arrears, last 3 months"),
    "missed_6m": ("Bulan menunggak, 6 bulan terakhir", "Months in arrears, last 6 months"),
    "missed_12m": ("Bulan menunggak, 12 bulan terakhir", "Months in arrears, last 12 months"),
    "paid_3m": ("Iuran terbayar, 3 bulan terakhir", "Bills paid, last 3 months"),
    "paid_6m": ("Iuran terbayar, 6 bulan terakhir", "Bills paid, last 6 months"),
    "paid_12m": ("Iuran terbayar, 12 bulan terakhir", "Bills paid, last 12 months"),
    "ontime_share": ("Porsi bayar tepat bulan", "Share of bills paid in their month"),
    "miss_rate": ("Laju mulai menunggak saat lancar", "How often it fell behind while current"),
    "cure_rate": ("Laju melunasi saat menunggak", "How often it cured while in arrears"),
    "miss_events": ("Kali mulai menunggak", "Times it fell behind"),
    "late_share": ("Porsi bayar lewat tgl 10", "Share of payments after the 10th"),
    "late_share_all": ("Porsi bayar lewat tgl 10, seluruh riwayat", "Share of payments after the 10th, all history"),
    "months_observed": ("Bulan riwayat tercatat", "Months of recorded history"),
    "arrears_before_months": ("Tunggakan sebelum riwayat", "Arrears before the recorded history"),
    "history_censored": ("Riwayat sebelum data tidak tercatat", "Membership older than the recorded history"),
    "unknown_memory": ("Porsi riwayat yang belum tercatat", "Share of recent history not yet recorded"),
    "tenure_months": ("Lama menjadi peserta (bulan)", "Membership tenure (months)"),
    "early_inpatient": ("Rawat inap di 3 bulan pertama", "Inpatient stay in the first 3 months"),
    "months_since_inpatient": ("Bulan sejak rawat inap terakhir", "Months since the last inpatient stay"),
    "outpatient_12m": ("Rawat jalan, 12 bulan terakhir", "Outpatient visits, last 12 months"),
    "care_cost_12m": ("Biaya layanan, 12 bulan terakhir (juta Rp)", "Care cost, last 12 months (Rp million)"),
    "actions_12m": ("Tindakan penagihan, 12 bulan terakhir", "Collection actions, last 12 months"),
    "actions_paid_12m": ("Penagihan berhasil dibayar, 12 bulan", "Collection actions that got paid, 12 months"),
    "months_since_action": ("Bulan sejak penagihan terakhir", "Months since the last collection action"),
    "kelas": ("Kelas rawat", "Care class"),
    "members": ("Jumlah anggota keluarga", "Family members"),
    "head_age": ("Usia kepala keluarga", "Age of the family head"),
    "auto_debit": ("Autodebet", "Auto-debit"),
    "is_bp": ("Segmen BP", "BP segment"),
    "income_index": ("Indeks pendapatan daerah", "Regional income index"),
    "is_city": ("Tinggal di kota", "Lives in a city"),
    "bill": ("Iuran bulanan keluarga (ribu Rp)", "Monthly bill of the family (Rp thousand)"),
}
FEATURE_NAMES: list[str] = list(FEATURES)

#: Columns every feature frame carries besides the features.
ID_COLUMNS = ["family_id", "period", "branch_code", "province_code", "regency_code", "segment", "weight"]
#: Extra (non-model) columns: arrears in Rupiah as of M-1, the monthly bill in Rupiah, "often late".
EXTRA_COLUMNS = ["arrears_rp", "bill_rp", "often_late"]

DECAY = 0.85  # monthly decay of the "recent arrears" memory
NEVER = 99  # "months since" when it never happened in the recorded history

#: Payment-history segments of a row (``segment_of``): the bills of the last 6 months (as of M-1) left
#: unpaid in their own month: none = ``current``, 1-3 = ``behind_1_3``, 4-6 = ``behind_4_6``.
HISTORY_SEGMENTS = ("current", "behind_1_3", "behind_4_6")


def segment_of(frame: pd.DataFrame) -> np.ndarray:
    """The payment-history segment of each feature row (see :data:`HISTORY_SEGMENTS`): where the
    decisions are. ``current`` paid every bill of the last 6 months in its month; ``behind_1_3`` left
    1-3 of them unpaid; ``behind_4_6`` 4-6 (mostly long-term debtors)."""
    missed = frame["missed_6m"].to_numpy(float)
    return np.select([missed <= 0, missed <= 3], list(HISTORY_SEGMENTS[:2]), HISTORY_SEGMENTS[2])


def ledger_range(engine: Engine) -> tuple[int, int] | None:
    """First and last ledger month, or None when the ledger is empty."""
    # two scalar subqueries, not min() and max() in one SELECT: each is then one index probe
    # (ix_contributions_period) instead of a scan of the whole ledger (SQLite optimises a lone min/max only)
    with engine.connect() as conn:
        lo, hi = conn.execute(select(select(func.min(Contribution.period)).scalar_subquery(),
                                     select(func.max(Contribution.period)).scalar_subquery())).one()
    return (int(lo), int(hi)) if lo is not None else None


def label_months(engine: Engine, min_history: int = 3) -> list[int]:
    """Ledger months usable as label months (at least ``min_history`` months of history before them)."""
    rng = ledger_range(engine)
    if rng is None:
        return []
    lo, hi = month_index(rng[0]), month_index(rng[1])
    return [int(from_index(i)) for i in range(lo + min_history, hi + 1)]


def scoring_month(engine: Engine) -> int:
    """The month scores are for: the month after the last ledger month (all data is history)."""
    rng = ledger_range(engine)
    if rng is None:
        raise ValueError("the contribution ledger is empty: nothing to score")
    return next_period(rng[1])


def _family_chunks(engine: Engine, chunk_size: int, branch_code: str | None,
                   family_ids: Iterable[int] | None) -> Iterator[tuple[int, int]]:
    """Consecutive id ranges holding at most ``chunk_size`` self-paying families each."""
    q = select(Family.id).where(Family.segment.in_(SELF_PAYING_SEGMENTS)).order_by(Family.id)
    if branch_code:
        q = q.where(Family.branch_code == branch_code)
    if family_ids is not None:
        q = q.where(Family.id.in_([int(i) for i in family_ids]))
    with engine.connect() as conn:
        ids = np.array([r[0] for r in conn.execute(q)], dtype=np.int64)
    for start in range(0, len(ids), chunk_size):
        part = ids[start:start + chunk_size]
        yield int(part[0]), int(part[-1])


def build(engine: Engine, months: list[int], *, chunk_size: int = 20_000, branch_code: str | None = None,
          family_ids: Iterable[int] | None = None, with_truth: bool = False,
          progress: Callable[[float, str], None] | None = None) -> pd.DataFrame:
    """Feature rows for every self-paying family registered in each label month of ``months``.

    ``months`` may include the scoring month (the month after the ledger); its ``y`` is missing.
    ``with_truth`` adds ``p_true`` from ``truth_family`` (NaN where the truth is unknown).
    """
    rng = ledger_range(engine)
    if rng is None or not months:
        return _empty()
    family_ids = list(family_ids) if family_ids is not None else None
    chunks = list(_family_chunks(engine, chunk_size, branch_code, family_ids))
    frames = []
    for i, (lo, hi) in enumerate(chunks):
        frames.append(_build_chunk(engine, lo, hi, sorted(months), rng, branch_code, family_ids, with_truth))
        if progress:
            progress((i + 1) / len(chunks), f"features {i + 1}/{len(chunks)}")
    frames = [f for f in frames if len(f)]
    if not frames:
        return _empty()
    return pd.concat(frames, ignore_index=True)


def _empty() -> pd.DataFrame:
    """A feature frame with no rows (every column present)."""
    return pd.DataFrame(columns=ID_COLUMNS + FEATURE_NAMES + EXTRA_COLUMNS + ["y"])


def _read_chunk(engine: Engine, lo: int, hi: int, branch_code: str | None,
                family_ids: list[int] | None) -> tuple[pd.DataFrame, ...]:
    """The chunk's families (with their regency), ledger rows, care events and collection actions."""
    fam_cond = [Family.id.between(lo, hi), Family.segment.in_(SELF_PAYING_SEGMENTS)]
    if branch_code:
        fam_cond.append(Family.branch_code == branch_code)
    if family_ids is not None:
        fam_cond.append(Family.id.in_([i for i in family_ids if lo <= i <= hi]))
    fq = (select(Family.id.label("family_id"), Family.segment, Family.kelas, Family.members,
                 Family.regency_code, Family.branch_code, Regency.province_code, Family.registered_on,
                 Family.auto_debit, Family.head_birth_year, Family.arrears_before_months, Family.weight,
                 Regency.income_index, Regency.is_city)
          .join(Regency, Regency.code == Family.regency_code).where(*fam_cond).order_by(Family.id))
    in_chunk = select(Family.id).where(*fam_cond)
    lq = (select(Contribution.family_id, Contribution.period, Contribution.billed, Contribution.paid_period,
                 Contribution.paid_date)
          .where(Contribution.family_id.between(lo, hi), Contribution.family_id.in_(in_chunk)))
    cq = (select(CareEvent.family_id, CareEvent.period, CareEvent.kind, CareEvent.cost)
          .where(CareEvent.family_id.between(lo, hi), CareEvent.family_id.in_(in_chunk)))
    aq = (select(CollectionAction.family_id, CollectionAction.period, CollectionAction.outcome)
          .where(CollectionAction.family_id.between(lo, hi), CollectionAction.family_id.in_(in_chunk)))
    with engine.connect() as conn:
        fam = _frame(conn.execute(fq))
        led = _frame(conn.execute(lq), ["family_id", "period", "billed", "paid_period", "paid_date"])
        care = _frame(conn.execute(cq), ["family_id", "period", "kind", "cost"])
        acts = _frame(conn.execute(aq), ["family_id", "period", "outcome"])
    return fam, led, care, acts


def _frame(result: Any, columns: list[str] | None = None) -> pd.DataFrame:
    """A query result as a DataFrame, built from plain tuples: pandas probes every SQLAlchemy ``Row`` for
    attributes, which costs about 7 µs a row (0.2 s for one branch's 30,000 ledger rows)."""
    return pd.DataFrame([tuple(r) for r in result], columns=columns or list(result.keys()))


def _build_chunk(engine: Engine, lo: int, hi: int, months: list[int], rng: tuple[int, int],
                 branch_code: str | None, family_ids: list[int] | None, with_truth: bool) -> pd.DataFrame:
    """Feature rows of the families with ids ``lo``..``hi`` for every label month (see the module doc)."""
    fam, led, care, acts = _read_chunk(engine, lo, hi, branch_code, family_ids)
    res = from_frames(fam, led, care, acts, months, rng)
    if with_truth and len(res):
        res = _attach_truth(engine, res, lo, hi)
    return res


def from_frames(fam: pd.DataFrame, led: pd.DataFrame, care: pd.DataFrame, acts: pd.DataFrame,
                months: list[int], rng: tuple[int, int]) -> pd.DataFrame:
    """THE feature definition, on columnar frames: the feature rows of the families in ``fam`` for every
    label month of ``months`` (sorted), the ledger spanning months ``rng`` = (first, last).

    Pure (no database): ``build`` calls it per chunk of families read from SQL, and the Spark batch
    (``jkn_batch``) per partition of families read from Parquet, so both compute the same rows.
    ``fam``: one row per family (``family_id``, segment, kelas, members, regency_code, branch_code,
    province_code, registered_on, auto_debit, head_birth_year, arrears_before_months, weight,
    income_index, is_city); ``led``: the families' ledger rows (family_id, period, billed, paid_period,
    paid_date); ``care``: (family_id, period, kind, cost); ``acts``: (family_id, period, outcome).
    """
    if fam.empty:
        return _empty()
    n = len(fam)
    first, last = month_index(rng[0]), month_index(rng[1])
    W = last - first + 1
    fam_ids = fam["family_id"].to_numpy(np.int64)
    rows_of = _row_finder(fam_ids)

    # --- dense family x month matrices of the ledger ------------------------------------------------
    reg = np.zeros((n, W), dtype=bool)  # a bill exists (family registered that month)
    paid_at = np.full((n, W), 10**9, dtype=np.int64)  # month index the bill was paid (huge = unpaid)
    paid_day = np.zeros((n, W), dtype=np.int16)
    bill = np.zeros(n, dtype=np.int64)
    if len(led):
        r = rows_of(led["family_id"].to_numpy(np.int64))
        c = month_index(led["period"].to_numpy(np.int64)) - first
        reg[r, c] = True
        pp = pd.to_numeric(led["paid_period"], errors="coerce")
        has = pp.notna().to_numpy()
        paid_at[r[has], c[has]] = month_index(pp[has].to_numpy(np.int64))
        day = pd.to_datetime(led["paid_date"], errors="coerce").dt.day.fillna(0).to_numpy(np.int16)
        paid_day[r, c] = day
        bill_s = pd.Series(led["billed"].to_numpy(np.int64)).groupby(r).max()
        bill[bill_s.index.to_numpy()] = bill_s.to_numpy()
    month_idx = first + np.arange(W)
    # in arrears at the end of month p: the bill of p exists and was not paid by the end of p.
    # (paid_at > p is the same fact whether seen at the end of p or later, so this matrix is leak-free
    # for every p < M.)
    arrears_end = reg & (paid_at > month_idx[None, :])
    ontime = reg & (paid_at == month_idx[None, :])
    late = ontime & (paid_day > rules.DUE_DAY)

    # cumulative scans along months (evaluated at column M-1 below)
    run = np.zeros((n, W), dtype=np.int32)
    longest = np.zeros((n, W), dtype=np.int32)
    decay = np.zeros((n, W))
    before = fam["arrears_before_months"].fillna(0).to_numpy(np.int64)
    d0 = np.where(before > 0, (1 - DECAY ** np.minimum(before, 60)) / (1 - DECAY), 0.0)
    prev_run = np.where(reg[:, 0], before, 0)
    prev_long = prev_run.copy()
    prev_dec = d0
    for j in range(W):
        cur = arrears_end[:, j]
        run[:, j] = np.where(cur, prev_run + 1, 0)
        longest[:, j] = np.maximum(prev_long, run[:, j])
        decay[:, j] = prev_dec * DECAY + cur
        prev_run, prev_long, prev_dec = run[:, j], longest[:, j], decay[:, j]
    # hazards seen in the recorded history: months a family was current at the start (at risk of missing)
    # and months it was in arrears at the start (at risk of curing), and what happened in them
    prev_arrears = np.concatenate([(before > 0)[:, None], arrears_end[:, :-1]], axis=1)
    at_risk_miss = reg & ~prev_arrears
    at_risk_cure = reg & prev_arrears
    i32 = np.int32  # counts of at most W months: 32-bit cumulative sums move half the memory of 64-bit ones
    c_miss_ev = np.cumsum(at_risk_miss & arrears_end, axis=1, dtype=i32)
    c_miss_risk = np.cumsum(at_risk_miss, axis=1, dtype=i32)
    c_cure_ev = np.cumsum(at_risk_cure & ~arrears_end, axis=1, dtype=i32)
    c_cure_risk = np.cumsum(at_risk_cure, axis=1, dtype=i32)
    c_arrears = np.cumsum(arrears_end, axis=1, dtype=i32)
    c_reg = np.cumsum(reg, axis=1, dtype=i32)
    c_ontime = np.cumsum(ontime, axis=1, dtype=i32)
    c_late = np.cumsum(late, axis=1, dtype=i32)

    def window(cum: np.ndarray, end: int, k: int) -> np.ndarray:
        """Sum of the underlying matrix over columns (end-k, end]."""
        lo_ = end - k
        return cum[:, end] - (cum[:, lo_] if lo_ >= 0 else 0)

    # --- care and actions as family x month counts -----------------------------------------------
    inp = np.zeros((n, W), dtype=np.int16)
    outp = np.zeros((n, W), dtype=np.int16)
    cost = np.zeros((n, W))
    if len(care):
        r = rows_of(care["family_id"].to_numpy(np.int64))
        c = month_index(care["period"].to_numpy(np.int64)) - first
        ok = (c >= 0) & (c < W) & (r >= 0)
        kind = care["kind"].to_numpy()
        is_inp = (kind == "rawat_inap") & ok
        is_out = (kind != "rawat_inap") & ok
        inp += _cell_counts(r[is_inp], c[is_inp], n, W).astype(np.int16)
        outp += _cell_counts(r[is_out], c[is_out], n, W).astype(np.int16)
        cost += _cell_counts(r[ok], c[ok], n, W, care["cost"].to_numpy(float)[ok])
    act = np.zeros((n, W), dtype=np.int16)
    act_paid = np.zeros((n, W), dtype=np.int16)
    if len(acts):
        r = rows_of(acts["family_id"].to_numpy(np.int64))
        c = month_index(acts["period"].to_numpy(np.int64)) - first
        ok = (c >= 0) & (c < W) & (r >= 0)  # outcomes recorded after the ledger are for later months
        act += _cell_counts(r[ok], c[ok], n, W).astype(np.int16)
        paid_o = ok & np.isin(acts["outcome"].to_numpy(), CURED_OUTCOMES)
        act_paid += _cell_counts(r[paid_o], c[paid_o], n, W).astype(np.int16)
    c_out, c_cost, c_act, c_act_paid = (np.cumsum(a, axis=1) for a in (outp, cost, act, act_paid))
    # last month index (<= column) with an inpatient stay / an action; -10**6 when none
    def last_seen(mat: np.ndarray) -> np.ndarray:
        idx = np.where(mat > 0, month_idx[None, :], -10**6)
        return np.maximum.accumulate(idx, axis=1)

    last_inp = last_seen(inp)
    last_act = last_seen(act)

    reg_on = pd.to_datetime(fam["registered_on"])
    reg_month = (reg_on.dt.year * 12 + reg_on.dt.month - 1).to_numpy(np.int64)
    censored = reg_month < first  # a member before the ledger's first month
    # inpatient stay within the first 3 months of membership (observable when those months are recorded)
    early_mask = (month_idx[None, :] >= reg_month[:, None]) & (month_idx[None, :] < reg_month[:, None] + 3)
    early_cum = np.cumsum((inp > 0) & early_mask, axis=1)

    static = {
        "kelas": fam["kelas"].to_numpy(float), "members": fam["members"].to_numpy(float),
        "auto_debit": fam["auto_debit"].astype(int).to_numpy(float),
        "is_bp": (fam["segment"] == "BP").to_numpy(float),
        "income_index": fam["income_index"].to_numpy(float), "is_city": fam["is_city"].astype(int).to_numpy(float),
        "arrears_before_months": before.astype(float), "bill": bill / 1000.0,
    }

    out = []
    for M in months:
        m = month_index(M) - first  # column of the label month; features read columns < m only
        if m < 1 or m > W:
            continue
        e = m - 1  # column of M-1
        if m < W:
            member = reg[:, m]  # the family has a bill in M: it is a label row
            y = (~(reg[:, m] & (paid_at[:, m] == month_idx[m]))).astype(float)
        else:  # the scoring month: families still registered at the end of the ledger
            member = reg[:, e]
            y = np.full(n, np.nan)
        member = member & reg[:, e]  # at least one month of history
        if not member.any():
            continue
        obs = c_reg[:, e].astype(float)
        # a bill of p < M counts as paid only when paid before M (as-of the end of M-1)
        paid_asof = reg[:, :m] & (paid_at[:, :m] < month_index(M))
        c_paid = np.cumsum(paid_asof, axis=1, dtype=i32)
        f = {
            "arrears_months": run[:, e].astype(float),
            "longest_streak": longest[:, e].astype(float),
            "missed_decay": decay[:, e],
            "missed_3m": window(c_arrears, e, 3).astype(float),
            "missed_6m": window(c_arrears, e, 6).astype(float),
            "missed_12m": window(c_arrears, e, 12).astype(float),
            "paid_3m": window(c_paid, e, 3).astype(float),
            "paid_6m": window(c_paid, e, 6).astype(float),
            "paid_12m": window(c_paid, e, 12).astype(float),
            "ontime_share": np.where(obs > 0, c_ontime[:, e] / np.maximum(obs, 1), np.nan),
            "late_share": np.where(window(c_ontime, e, 12) > 0,
                                   window(c_late, e, 12) / np.maximum(window(c_ontime, e, 12), 1), 0.0),
            # the payment habit over the whole recorded history (unknown before the first bill paid in its month)
            "late_share_all": np.where(c_ontime[:, e] > 0, c_late[:, e] / np.maximum(c_ontime[:, e], 1), np.nan),
            "miss_rate": np.where(c_miss_risk[:, e] > 0, c_miss_ev[:, e] / np.maximum(c_miss_risk[:, e], 1), np.nan),
            "cure_rate": np.where(c_cure_risk[:, e] > 0, c_cure_ev[:, e] / np.maximum(c_cure_risk[:, e], 1), np.nan),
            "miss_events": c_miss_ev[:, e].astype(float),
            "months_observed": obs,
            # membership older than the ledger: what happened before it is unknown (except the arrears
            # run it started with); the weight of that unknown past in the decayed memory
            "history_censored": censored.astype(float),
            "unknown_memory": np.where(censored, DECAY ** np.minimum(obs, 60), 0.0),
            "tenure_months": (month_index(M) - reg_month).astype(float),
            "early_inpatient": (early_cum[:, e] > 0).astype(float),
            "months_since_inpatient": np.minimum(month_index(M) - last_inp[:, e], NEVER).astype(float),
            "outpatient_12m": window(c_out, e, 12).astype(float),
            "care_cost_12m": window(c_cost, e, 12) / 1e6,
            "actions_12m": window(c_act, e, 12).astype(float),
            "actions_paid_12m": window(c_act_paid, e, 12).astype(float),
            "months_since_action": np.minimum(month_index(M) - last_act[:, e], NEVER).astype(float),
            # an unknown birth year (empty in a modelling extract) is a missing value (NaN), never 0
            "head_age": M // 100 - pd.to_numeric(fam["head_birth_year"], errors="coerce").to_numpy(float),
            **static,
        }
        k_ledger = np.minimum(run[:, e], rules.MAX_ARREARS_MONTHS_BILLED)
        frame = pd.DataFrame({
            "family_id": fam["family_id"].to_numpy(np.int64), "period": M,
            "branch_code": fam["branch_code"].to_numpy(), "province_code": fam["province_code"].to_numpy(),
            "regency_code": fam["regency_code"].to_numpy(), "segment": fam["segment"].to_numpy(),
            "weight": fam["weight"].to_numpy(np.int64),
            **{k: f[k] for k in FEATURE_NAMES},
            "arrears_rp": k_ledger * bill, "bill_rp": bill,
            "often_late": (window(c_late, e, 12) + window(c_arrears, e, 12)) >= OFTEN_LATE,
            "y": y,
        })[member]
        out.append(frame)
    if not out:
        return _empty()
    return pd.concat(out, ignore_index=True)


def _row_finder(ids: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """``find(values)``: the row of each value in ``ids`` (-1 when absent), like ``pd.Index.get_indexer``;
    a binary search when ``ids`` is ascending (``build`` and the batch pass the families sorted), which is
    several times faster than the hash lookup for the ledger's hundreds of thousands of rows."""
    if len(ids) and bool((ids[1:] > ids[:-1]).all()):
        def find(values: np.ndarray) -> np.ndarray:
            pos = np.searchsorted(ids, values)
            pos[pos == len(ids)] = 0
            return np.where(ids[pos] == values, pos, -1)
        return find
    index = pd.Index(ids)
    return lambda values: index.get_indexer(values)


def _cell_counts(r: np.ndarray, c: np.ndarray, n: int, w: int, weights: np.ndarray | None = None) -> np.ndarray:
    """The n × w matrix of how many (r, c) pairs fall in each cell (the sum of ``weights`` when given), the
    same as ``np.add.at`` on a zero matrix (sums accumulate in the same order), by one ``bincount``."""
    return np.bincount(r * w + c, weights=weights, minlength=n * w).reshape(n, w)


def _attach_truth(engine: Engine, frame: pd.DataFrame, lo: int, hi: int) -> pd.DataFrame:
    """``p_true`` = truth_family.p_miss for (family, label month); evaluation only, never a feature."""
    periods = sorted(frame["period"].unique().tolist())
    q = select(TruthFamily.family_id, TruthFamily.period, TruthFamily.p_miss).where(
        and_(TruthFamily.family_id.between(lo, hi), TruthFamily.period.in_(periods)))
    with engine.connect() as conn:
        truth = pd.DataFrame(conn.execute(q).all(), columns=["family_id", "period", "p_true"])
    truth["family_id"] = truth["family_id"].astype(np.int64)
    truth["period"] = truth["period"].astype(np.int64)
    frame = frame.astype({"period": np.int64})
    return frame.merge(truth, on=["family_id", "period"], how="left")
