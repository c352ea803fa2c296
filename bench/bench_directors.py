"""Render time of each directors' page, cold (empty caches) and warm, in Streamlit's AppTest.

    .venv/bin/python bench/bench_directors.py [--db sqlite:////tmp/try_default.db] [--user direksi]

Not a test: it prints figures (seconds) for the closing note of a change. Cold = first render of the
page in a fresh process after clearing st.cache_data; warm = the mean of 3 re-renders.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("overview", "coverage", "arrears", "capacity")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default=os.environ.get("JKN_DATABASE_URL", "sqlite:////tmp/try_default.db"))
    ap.add_argument("--user", default="direksi")
    args = ap.parse_args()
    os.environ["JKN_DATABASE_URL"] = args.db
    os.chdir(ROOT)
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()
    at.text_input(key="login_user").input(args.user)
    at.text_input(key="login_password").input(f"{args.user}-demo")
    at.button[0].click().run()
    print(f"{'page':<10} {'cold s':>8} {'warm s':>8}")
    for page in PAGES:
        st.cache_data.clear()
        t0 = time.perf_counter()
        at.switch_page(f"pages/{page}.py").run()
        cold = time.perf_counter() - t0
        assert not at.exception, [e.value for e in at.exception]
        warm = []
        for _ in range(3):
            t0 = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - t0)
        print(f"{page:<10} {cold:>8.2f} {statistics.mean(warm):>8.3f}")


if __name__ == "__main__":
    main()
