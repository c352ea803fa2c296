"""A second, differently-shaped world for the delinquency pipeline (issue 16 item 5), as import files.

The demo's payment process (``jkn_core.demo.payments``) is the world the model was designed around. This
one is deliberately different, so the pipeline is proven on data it was not tuned on:

- a **short ledger** (8 months by default; 6-9 is the range this world is meant for), where every family
  older than the ledger carries its history only as ``arrears_before_months``;
- **families entering with prior arrears**: 35 % of the families registered before the ledger start it
  already behind (1-40 months, geometric), and 25 % of the families join during the ledger;
- **a different process**: a short relapse memory (missing again is likelier for two months after a
  cure, not an exponential memory), a cure hazard falling 0.25 logit per month of arrears up to 18
  months, no care events and no collection actions, payment days uniform over the month;
- **drift**: missing gets likelier and curing rarer month after month (+0.07 / -0.05 logit a month), so the
  scoring months differ from the training months;
- **another base rate**: about a quarter of the bills are not paid in their month (the demo: two thirds).

:func:`write_world` writes ``families.csv`` and ``contributions.csv`` in the import formats of
``python -m jkn_core import families`` / ``import contributions``. :func:`status_matrix` turns the files back
into the plain monthly statuses a plain gradient-boosting benchmark learns from (independent of
``jkn_core.collection.features``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from jkn_core import rules
from jkn_core.months import from_index, index_int


@dataclass(frozen=True)
class World:
    """What :func:`write_world` wrote: the two files and the ledger's months."""

    families: Path
    contributions: Path
    first: int  # first ledger month (YYYYMM)
    last: int  # last ledger month
    n_families: int


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def write_world(folder: Path, regencies: pd.DataFrame, *, n_families: int = 4000, months: int = 8,
                last: int = 202408, seed: int = 5) -> World:
    """Simulate the world and write its import files to ``folder``.

    ``regencies``: columns ``code``, ``branch_code`` (the geography of the target database, e.g. after
    ``python -m jkn_core init``)."""
    rng = np.random.default_rng(seed)
    n = n_families
    last_i = index_int(last)
    first_i = last_i - months + 1
    reg = regencies.sample(n=n, replace=True, random_state=seed).reset_index(drop=True)
    kelas = rng.choice([1, 2, 3], n, p=[0.15, 0.25, 0.60])
    members = rng.integers(1, 6, n)
    auto = rng.random(n) < 0.12
    segment = np.where(rng.random(n) < 0.8, "PBPU", "BP")
    head_birth_year = rng.integers(1950, 2000, n)
    thrift = rng.normal(0, 1, n)  # latent: never written to any file
    joins = rng.random(n) < 0.25
    reg_i = np.where(joins, rng.integers(first_i, last_i - 1, n), rng.integers(index_int(201501), first_i, n))
    prior = np.where(~joins & (rng.random(n) < 0.35), np.minimum(rng.geometric(1 / 6, n), 40), 0)

    k = prior.copy()  # arrears run (months), before the ledger: the prior arrears
    since_cure = np.full(n, 99)
    bill = members * np.vectorize(rules.IURAN_PARTICIPANT.get)(kelas)
    rows: list[pd.DataFrame] = []
    paid_at = np.full((n, months), -1)  # month index a bill got paid (-1: unpaid)
    paid_day = np.zeros((n, months), dtype=int)
    for c in range(months):
        t = first_i + c
        on = reg_i <= t
        miss_logit = (-3.0 + 0.7 * (kelas == 3) - 1.5 * auto + 0.9 * thrift + 0.25 * (members > 3)
                      + 1.1 * (since_cure <= 2) + 0.07 * c)
        cure_logit = 0.9 - 0.25 * np.minimum(k, 18) - 0.8 * thrift + 0.5 * (kelas == 1) - 0.05 * c
        u = rng.random(n)
        current = on & (k == 0)
        behind = on & (k > 0)
        pays = current & (u >= _sigmoid(miss_logit))
        cures = behind & (u < _sigmoid(cure_logit))
        day = rng.integers(1, 29, n)
        paid_at[pays | cures, c] = t
        paid_day[pays | cures, c] = day[pays | cures]
        # a cure pays every unpaid bill still on the ledger
        older = cures[:, None] & (np.arange(months)[None, :] < c) & (paid_at < 0) & (
            (first_i + np.arange(months))[None, :] >= reg_i[:, None])
        paid_at[older] = t
        paid_day[older] = np.broadcast_to(day[:, None], older.shape)[older]
        since_cure = np.where(cures, 0, since_cure + 1)
        k = np.where(~on, 0, np.where(pays | cures, 0, k + 1))
    fam_ids = 700_000_001 + np.arange(n)
    for c in range(months):
        t = first_i + c
        on = reg_i <= t
        paid = paid_at[on, c] >= 0
        dates = [dt.date(int(from_index(p)) // 100, int(from_index(p)) % 100, int(d)).isoformat() if ok else ""
                 for p, d, ok in zip(paid_at[on, c], paid_day[on, c], paid, strict=True)]
        rows.append(pd.DataFrame({"family_id": fam_ids[on], "period": int(from_index(t)), "billed": bill[on],
                                  "paid": np.where(paid, bill[on], 0), "paid_date": dates}))
    folder.mkdir(parents=True, exist_ok=True)
    registered_on = [dt.date(int(from_index(i)) // 100, int(from_index(i)) % 100, 1 + int(d)).isoformat()
                     for i, d in zip(reg_i, rng.integers(0, 28, n), strict=True)]
    families = pd.DataFrame({
        "id": fam_ids, "segment": segment, "kelas": kelas, "regency_code": reg["code"],
        "branch_code": reg["branch_code"], "registered_on": registered_on, "head_birth_year": head_birth_year,
        "members": members, "auto_debit": np.where(auto, "true", "false"), "arrears_before_months": prior,
    })
    fam_path, led_path = folder / "families.csv", folder / "contributions.csv"
    families.to_csv(fam_path, index=False)
    pd.concat(rows, ignore_index=True).to_csv(led_path, index=False)
    return World(fam_path, led_path, int(from_index(first_i)), last, n)


def status_matrix(world: World, label_month: int) -> tuple[pd.DataFrame, np.ndarray]:
    """The plain information of every family billed in ``label_month`` and the month before: the status
    of each earlier ledger month as of the end of the month before (0 not billed, 1 paid in its month,
    2 paid later, 3 unpaid), the family's columns, and the label (bill of ``label_month`` not paid in it)."""
    fam = pd.read_csv(world.families)
    led = pd.read_csv(world.contributions, keep_default_na=False)
    led["paid_period"] = [int(d[:4]) * 100 + int(d[5:7]) if d else 0 for d in led["paid_date"]]
    before = [int(from_index(i)) for i in range(index_int(world.first), index_int(label_month))]
    status = {}
    for p in before:
        part = led[led["period"] == p].set_index("family_id")["paid_period"]
        s = np.where(part == p, 1, np.where((part > 0) & (part < label_month), 2, 3))
        status[f"s_{p}"] = pd.Series(s, index=part.index)
    X = pd.DataFrame(status).reindex(fam["id"]).fillna(0)
    now = led[led["period"] == label_month].set_index("family_id")["paid_period"]
    prev = set(led.loc[led["period"] == before[-1], "family_id"])
    rows = [f for f in now.index if f in prev]
    X = X.loc[rows]
    f = fam.set_index("id").loc[rows]
    X = X.assign(kelas=f["kelas"], members=f["members"], auto=(f["auto_debit"].astype(str) == "true").astype(int),
                 bp=(f["segment"] == "BP").astype(int), prior=f["arrears_before_months"],
                 born=f["head_birth_year"], reg=pd.to_datetime(f["registered_on"]).dt.year)
    y = (now.loc[rows] != label_month).to_numpy(int)
    return X, y
