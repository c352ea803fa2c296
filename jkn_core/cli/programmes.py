"""``python -m jkn_core programmes [--json] [--outcome reactivated|paid]``: every programme / action's measured
uplift over its random holdout, with its 95 % interval and cost per reactivated person (#13).
``python -m jkn_core programmes --cancel-overdue``: cancel every active Rehab plan with a missed stage (the
explicit step the Rehab page's button does for one branch; audited ``rehab_cancel``).

Reads the database of ``JKN_DATABASE_URL`` under :meth:`Scope.cli` (national) and writes one audit row
(``programmes_report``). ``--json`` prints a list of objects with the keys ``programme``, ``action``,
``n_treated``, ``n_holdout``, ``uplift``, ``ci_low``, ``ci_high``, ``cost_per_reactivation_rp`` (and
``true_effect`` on a demo database; plus ``outcome``, ``window_months``, ``rate_treated``,
``rate_holdout``). Method: :mod:`jkn_core.programmes.uplift`.
"""

from __future__ import annotations

import argparse
import json

from jkn_core.audit import audit
from jkn_core.db import get_engine
from jkn_core.fmt import pct, rupiah
from jkn_core.programmes.evaluation import OUTCOMES
from jkn_core.programmes.uplift import as_records, measure
from jkn_core.scope import Scope


def _is_demo(engine) -> bool:  # noqa: ANN001 - an Engine
    from sqlalchemy import select

    from jkn_core.schema import Meta

    with engine.connect() as conn:
        return conn.execute(select(Meta.value).where(Meta.key == "synthetic")).scalar() == "1"


def _run(args: argparse.Namespace) -> int:
    engine = get_engine()
    scope = Scope.cli()
    if args.cancel_overdue:  # the explicit, audited cancellation of plans with a missed stage (all branches)
        from jkn_core.programmes.rehab import cancel_missed

        n = cancel_missed(engine, scope)
        print(json.dumps({"cancelled": n}) if args.json else f"{n} Rehab plans with a missed stage cancelled")
        return 0
    frame = measure(engine, scope, outcome=args.outcome)
    demo = _is_demo(engine)
    records = as_records(frame, with_truth=demo)
    audit(engine, scope, "programmes_report", {"outcome": args.outcome, "rows": len(records),
                                                "format": "json" if args.json else "text"})
    if args.json:
        print(json.dumps(records, ensure_ascii=False, indent=2))
        return 0
    if not records:
        print("no programme assignment with a finished outcome window")
        return 0
    head = f"{'programme':<10} {'action':<16} {'treated':>8} {'holdout':>8} {'uplift':>9} {'95% interval':>21} " \
           f"{'cost per reactivation':>22}" + (f" {'true effect':>11}" if demo else "")
    print(f"uplift of '{args.outcome}' over the random holdout (percentage points)")
    print(head)
    for r in records:
        ci = "–" if r["ci_low"] is None else f"{pct(100 * r['ci_low'], 1, 'en')} … {pct(100 * r['ci_high'], 1, 'en')}"
        up = "–" if r["uplift"] is None else pct(100 * r["uplift"], 1, "en")
        cost = "–" if r["cost_per_reactivation_rp"] is None else rupiah(r["cost_per_reactivation_rp"], "en")
        line = f"{r['programme']:<10} {r['action']:<16} {r['n_treated']:>8} {r['n_holdout']:>8} {up:>9} {ci:>21} " \
               f"{cost:>22}"
        if demo:
            te = r.get("true_effect")
            line += f" {('–' if te is None else pct(100 * te, 1, 'en')):>11}"
        print(line)
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "programmes",
        help="each collection programme's measured uplift over its holdout, 95 %% interval, cost per reactivation",
        description="For every programme and action: treated vs randomly held-out families, the uplift of the "
        "outcome with its 95 % interval and the cost per extra reactivated person (docs/programmes.md).",
    )
    p.add_argument("--json", action="store_true", help="print a JSON list of objects")
    p.add_argument("--outcome", choices=OUTCOMES, default="reactivated",
                   help="reactivated (default): no unpaid bill at the window's end; paid: a bill paid in the window")
    p.add_argument("--cancel-overdue", action="store_true",
                   help="cancel every active Rehab plan with a stage unpaid after its month (audited), then exit")
    p.set_defaults(func=_run)
