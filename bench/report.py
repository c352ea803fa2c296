"""Markdown tables from a results JSON: ``python -m bench.report bench/results/default.json``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _f(d: dict[str, Any] | None, key: str = "") -> str:
    if not d or "median_ms" not in d:
        return "–"
    return f"{d['median_ms']:.1f} ({d['min_ms']:.1f}–{d['max_ms']:.1f})"


def _ratio(a: dict[str, Any] | None, b: dict[str, Any] | None) -> str:
    if not a or not b or "median_ms" not in a or "median_ms" not in b or not b["median_ms"]:
        return "–"
    return f"{a['median_ms'] / b['median_ms']:.1f}×"


def render(out: dict[str, Any]) -> str:
    s = out["steps"]
    lines = [f"### Scale `{out['scale']}` — `{out['command']}` ({out['started']})", ""]
    m = out["machine"]
    lines += [f"Machine: {m['cpus']} cores ({m['cpu']}), {m['memory_gb']} GB RAM; Python {m['python']}, "
              f"SQLite {m['sqlite']}, {m['postgresql']}, DuckDB {m['duckdb']}, pandas {m['pandas']}, "
              f"SQLAlchemy {m['sqlalchemy']}, Streamlit {m['streamlit']}.", ""]
    lines += ["| step | result | wall s | peak RSS MB |", "|---|---|---:|---:|"]
    for name, st in s.items():
        if "failed" in st:
            res = "FAILED: " + st["failed"][-200:].replace("\n", " ")
        elif name.startswith("generate"):
            c = st.get("counts", {})
            res = (f"{st['seconds']} s ({c.get('participants', 0):,} participants, {c.get('families', 0):,} families, "
                   f"{c.get('contributions', 0):,} ledger rows; aggregates refresh {st['aggregates_refresh_s']} s)")
        elif name.startswith("import"):
            res = (f"{st.get('rows', 0):,} ledger rows of branch {st.get('branch')}: {st.get('seconds')} s = "
                   f"{st.get('rows_per_s', 0):,} rows/s (ok={st.get('ok')}); aggregates refresh of the branch "
                   f"(the import hook) {st.get('aggregates_incremental_s')} s ({st.get('aggregates_incremental_mode')}), "
                   f"full rebuild {st.get('aggregates_refresh_s')} s")
        elif name == "work_queue":
            res = st.get("skipped") or (f"branch {st['branch']} ({st['self_paying_families']:,} self-paying families, "
                                        f"{st['rows']:,} queued, first {st.get('limit')} shown): rebuild {_f(st)} ms, "
                                        f"warm (cached ranking) {_f(st.get('warm'))} ms")
        elif name in ("usual", "duckdb"):
            res = f"read {st.get('read_s')} s + prepare {st.get('prepare_s')} s; same numbers as ours: {st.get('agrees_with_ours')}"
        else:
            res = ""
        lines.append(f"| {name} | {res} | {st.get('wall_s', '–')} | {st.get('maxrss_mb', '–')} |")
    lines.append("")
    backends = [b for b in ("sqlite", "postgresql") if f"kpi_{b}" in s and "kpi" in s[f"kpi_{b}"]]
    usual, duck = s.get("usual", {}).get("kpi", {}), s.get("duckdb", {}).get("kpi", {})
    for scope in ("national", "branch"):
        br = next((s[f"kpi_{b}"].get("branch") for b in backends), "")
        lines += [f"KPI latency, {scope} scope{' (branch ' + br + ')' if scope == 'branch' else ''}, ms: "
                  "median (min–max)", ""]
        head = ["KPI", *[f"ours {b}" for b in backends], "usual (pandas)", "DuckDB"]
        head += [f"usual ÷ ours {b}" for b in backends] + [f"ours {b} ÷ DuckDB" for b in backends]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        names = list(s[f"kpi_{backends[0]}"]["kpi"][scope]) if backends else []
        for n in names:
            ours = [s[f"kpi_{b}"]["kpi"][scope].get(n) for b in backends]
            u, d = usual.get(scope, {}).get(n), duck.get(scope, {}).get(n)
            row = [n, *[_f(o) for o in ours], _f(u), _f(d), *[_ratio(u, o) for o in ours],
                   *[_ratio(o, d) for o in ours]]
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    pg = s.get("pages", {})
    if "pages" in pg:
        lines += ["Page render (AppTest, signed in), ms: median (min–max)", "",
                  "| page | user | cold | warm | exceptions |", "|---|---|---:|---:|---|"]
        for k, v in pg["pages"].items():
            if "skipped" in v:
                lines.append(f"| {k} | {v['user']} | skipped: {v['skipped'][:90]} | | |")
                continue
            lines.append(f"| {k} | {v['user']} | {_f(v['cold'])} | {_f(v['warm'])} | {len(v['exceptions'])} |")
        if pg.get("missing_pages"):
            lines.append(f"\nPages not written yet (skipped): {', '.join(pg['missing_pages'])}")
        lines.append("")
    md = s.get("models", {})
    if md:
        lines += ["| model | train s (1 run) | scoring s median (min–max) | rows scored | rows/s |", "|---|---:|---:|---:|---:|"]
        for k, v in md.items():
            if not isinstance(v, dict):
                continue
            if "skipped" in v:
                lines.append(f"| {k} | skipped: {v['skipped'][:120]} | | | |")
            else:
                sc = v["score_s"]
                lines.append(f"| {k} | {v['train_s']} | {sc['median']} ({sc['min']}–{sc['max']}) | {v['rows_scored']:,} "
                             f"| {v['score_rows_per_s']:,} |")
        lines.append("")
    return "\n".join(lines)


def update(doc: Path, results: Path) -> None:
    """Replace the block between ``<!-- BEGIN bench:<scale> -->`` and ``<!-- END bench:<scale> -->``."""
    out = json.loads(results.read_text())
    begin, end = f"<!-- BEGIN bench:{out['scale']} -->", f"<!-- END bench:{out['scale']} -->"
    text = doc.read_text()
    head, _, rest = text.partition(begin)
    _, _, tail = rest.partition(end)
    doc.write_text(f"{head}{begin}\n{render(out)}\n{end}{tail}")


if __name__ == "__main__":
    # python -m bench.report RESULTS.json            -> print the tables
    # python -m bench.report RESULTS.json DOC.md     -> refresh that scale's block in DOC.md
    if len(sys.argv) > 2:
        update(Path(sys.argv[2]), Path(sys.argv[1]))
    else:
        print(render(json.loads(Path(sys.argv[1]).read_text())))
