"""Dump what users see — every public KPI, two branches' work queues, the SIF scores, a director brief — to JSON.

Written for the regrouping of ``jkn_core`` (issue 11): run it on the default demo before and after a
restructure and compare the two files; identical files mean nothing a user sees has changed.

    JKN_DATABASE_URL=sqlite:////tmp/jkn_dump.db .venv/bin/python -m jkn_core demo
    JKN_DATABASE_URL=sqlite:////tmp/jkn_dump.db .venv/bin/python scripts/dump_behaviour.py /tmp/after.json
    cmp /tmp/before.json /tmp/after.json

The work queue is read on a fixed day (2024-12-16, a Monday inside the Rehab registration window) so
the action rules do not depend on today's date.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jkn_core import collection, kpi, sif  # noqa: E402
from jkn_core.db import get_engine  # noqa: E402
from jkn_core.kpi import Filters  # noqa: E402
from jkn_core.scope import Scope  # noqa: E402
from jkn_core.sif import policy as credit  # noqa: E402

QUEUE_DAY = dt.date(2024, 12, 16)


def plain(x: Any) -> Any:
    """JSON-able, stable form of a KPI result (floats rounded to 9 significant digits)."""
    if isinstance(x, pd.DataFrame):
        return {"columns": [str(c) for c in x.columns], "rows": [plain(list(r)) for r in x.itertuples(index=False)]}
    if isinstance(x, pd.Series):
        return {str(k): plain(v) for k, v in x.items()}
    if isinstance(x, dict):
        return {str(k): plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    if isinstance(x, np.ndarray):
        return [plain(v) for v in x.tolist()]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        f = float(x)
        return None if math.isnan(f) else float(f"{f:.9g}")
    if x is None or x is pd.NA or x is pd.NaT:
        return None
    return str(x)


def main(out: str) -> None:
    engine = get_engine()
    hier = kpi.hierarchy(engine, Scope.national())
    region = str(hier["region_code"].iloc[0])
    branch = "0301"
    regency = str(hier.loc[hier["branch_code"] == branch, "regency_code"].iloc[0])
    scopes = {
        "nation": Scope.national(),
        "deputi": Scope("deputi_wilayah", "deputi", region_code="KW03"),
        "cabang": Scope("kantor_cabang", "cabang", branch_code=branch),
        "bank": Scope("bank_officer", "bank", region_code="KW05", bank="Bank bjb"),
    }
    views = {"all": Filters(), "region": Filters(region=region), "branch": Filters(branch=branch),
             "regency": Filters(branch=branch, regency=regency)}
    periods = kpi.periods(engine)
    earlier = periods[-4]
    d: dict[str, Any] = {"periods": periods, "latest": kpi.latest_period(engine),
                         "synthetic": kpi.is_synthetic(engine), "hierarchy": hier}
    for sname, sc in scopes.items():
        if not sc.sees_kpis:
            continue
        d[f"{sname}/hierarchy"] = kpi.hierarchy(engine, sc)
        for vname, f in views.items():
            if sname == "cabang" and vname in ("all", "region"):
                continue
            if sname == "deputi" and vname != "all":
                continue
            k = f"{sname}/{vname}"
            for period in (None, earlier):
                p = f"{k}/{period}"
                for level in ("region", "province", "branch", "regency"):
                    d[f"{p}/coverage/{level}"] = kpi.coverage(engine, sc, level=level, period=period, filters=f)
                    d[f"{p}/capacity/{level}"] = kpi.capacity(engine, sc, level=level, period=period, filters=f)
                d[f"{p}/segment_mix"] = kpi.segment_mix(engine, sc, period=period, filters=f)
                d[f"{p}/arrears_aging"] = kpi.arrears_aging(engine, sc, period=period, filters=f)
                d[f"{p}/arrears_by_branch"] = kpi.arrears_by_branch(engine, sc, period=period, filters=f)
                d[f"{p}/arrears_total"] = kpi.arrears_total(engine, sc, period=period, filters=f)
                d[f"{p}/summary"] = kpi.summary(engine, sc, period=period, filters=f)
                d[f"{p}/overview_cards"] = kpi.overview_cards(engine, sc, period=period, filters=f)
                d[f"{p}/rehab_pool"] = kpi.rehab_pool(engine, sc, period=period, filters=f)
                d[f"{p}/inpatient_stats"] = kpi.inpatient_stats(engine, sc, period=period, filters=f)
                d[f"{p}/penalty_exposure"] = kpi.penalty_exposure(engine, sc, period=period, filters=f)
                d[f"{p}/branch_league"] = kpi.branch_league(engine, sc, period=period, filters=f)
                d[f"{p}/over_capacity"] = kpi.over_capacity_facilities(engine, sc, period=period, filters=f)
                d[f"{p}/regency_capacity"] = kpi.regency_capacity(engine, sc, period=period, filters=f)
                for level in ("region", "branch", "regency"):
                    d[f"{p}/kbk/{level}"] = kpi.kbk_attainment(engine, sc, level=level, period=period, filters=f)
                d[f"{p}/contracted"] = kpi.contracted_facilities(engine, sc, period or periods[-1], filters=f)
            d[f"{k}/coverage_trend"] = kpi.coverage_trend(engine, sc, filters=f)
            d[f"{k}/capitation_trend"] = kpi.capitation_trend(engine, sc, filters=f)
            d[f"{k}/coverage_target_path"] = kpi.coverage_target_path(engine, sc, filters=f)
            for by in ("month", "region", "branch", "segment"):
                try:
                    d[f"{k}/collectability/{by}"] = kpi.collectability(engine, sc, by=by, filters=f)
                except ValueError as e:
                    d[f"{k}/collectability/{by}"] = f"ValueError: {e}"
    d["target/coverage"] = kpi.target(engine, "coverage_pct", periods[-1] // 100)
    # the work queue of two branches, as a branch user sees it
    for b in ("0301", "0501"):
        sc = Scope("kantor_cabang", f"cabang{b}", branch_code=b)
        d[f"queue/{b}"] = collection.work_queue.work_queue(engine, sc, on=QUEUE_DAY)
        d[f"queue/{b}/en"] = collection.work_queue.work_queue(engine, sc, on=QUEUE_DAY, lang="en", limit=50)
        d[f"outcome_rates/{b}"] = collection.outcome_rates(engine, sc)
    # SIF: the scores of every eligible facility, as the bank officer and the nation see them
    for sname in ("nation", "bank"):
        sc = scopes[sname]
        feats = sif.facility_features(engine, sc)
        d[f"sif/{sname}/features"] = feats
        d[f"sif/{sname}/scores"] = sif.predict(sif.reference_request(feats, credit.load_policy()))
        d[f"sif/{sname}/market"] = sif.market(engine, sc)
        d[f"sif/{sname}/booked"] = sif.booked_loans(engine, sc)
        d[f"sif/{sname}/stability"] = sif.score_stability(engine, sc)
    code = str(sif.facility_features(engine, scopes["bank"])["facility_code"].iloc[0])
    d["sif/assess"] = {k: v for k, v in sif.assess_application(engine, scopes["bank"], code, 150_000_000, 24, 11.0).items()
                       if k != "assessed_at"}
    # a director brief of the branch view, in both languages
    cards = kpi.overview_cards(engine, scopes["nation"], filters=views["branch"])
    tables = [("Arrears by branch", kpi.arrears_by_branch(engine, scopes["nation"], filters=views["region"]))]
    for lang in ("id", "en"):
        html = kpi.make_brief(cards, "Nasional › 0301", periods[-1], tables, lang, True, "Ikhtisar")
        d[f"brief/{lang}"] = re.sub(r"(</?div[^>]*>[^<]*: )\d[^<]*</div>", r"\1(time)</div>", html.decode("utf-8"))
    Path(out).write_text(json.dumps(plain(d), ensure_ascii=False, indent=0, sort_keys=True))
    print(f"wrote {out}: {len(d)} entries")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "behaviour.json")
