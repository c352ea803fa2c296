"""Longest work first: the order in which ``pytest -n 2 --dist loadgroup`` hands out its work units.

pytest-xdist's ``loadgroup`` makes one work unit of each xdist group (a group runs on one worker, which
builds its expensive fixture once) and one unit of every other test, and hands them out in order of their
number of tests. The number of tests says little about their cost (the default-scale world is built in
about 100 s for 31 cheap tests, a browser test takes 20 s), so a long unit could start last and leave the
other worker idle at the end. This scheduler hands the units out by their *estimated* cost instead, the
longest first (the "longest processing time first" rule, close to the best split over two workers),
and each worker takes the next unit when it is almost done with its own (as xdist does).

The estimate only orders the units; a wrong estimate costs balance, never correctness. It is read from the
node id: the folder of the test (:data:`PER_TEST_S`) plus the one-off cost of a group's shared fixture
(:data:`GROUP_SETUP_S`), in seconds on a quiet 2-core machine (from ``--durations`` of full runs).
"""

from __future__ import annotations

from typing import Any

import pytest

#: Seconds per test by the first folder in its node id that matches (the longest prefix wins).
PER_TEST_S: dict[str, float] = {
    "tests/e2e/": 15.0,  # a Streamlit server's pages in a real browser
    # the browser files that differ most from that (a module's own servers spread over its tests)
    "tests/e2e/test_locale_e2e.py": 19.0,  # both languages under two browser locales
    "tests/e2e/test_deploy_e2e.py": 20.0,  # nginx and two processes; one process stopped in turn
    "tests/e2e/test_sessions_e2e.py": 23.0,  # a reload on every page; two processes
    "tests/e2e/test_directors_e2e.py": 28.0,
    "tests/e2e/test_access_e2e.py": 21.0,  # one test starts a server of its own
    "tests/e2e/test_drill_e2e.py": 19.0,
    "tests/e2e/test_scf_e2e.py": 13.0,
    "tests/e2e/test_sif_e2e.py": 8.0,
    "tests/e2e/test_smoke.py": 5.0,
    "tests/integration/test_serve_wake_once.py": 12.0,  # one test starts serve.py
    "tests/batch/": 4.0,  # Spark
    "tests/pages/": 1.5,  # AppTest: the app's script runs, sign-in included
    "tests/integration/": 0.6,
    "tests/unit/": 0.1,
}
DEFAULT_PER_TEST_S = 0.5
#: One-off seconds of a group's shared fixture (built once by the worker that runs the group).
GROUP_SETUP_S: dict[str, float] = {
    "default_demo": 100.0,  # the default-scale world (tests/conftest.py: default_demo_world)
    "spark": 60.0,  # a Spark session and the batch run on the small world (tests/batch/conftest.py)
    "postgresql": 30.0,  # the PostgreSQL server and the small world on it
    "postgresql_db": 5.0,  # the PostgreSQL server alone (tests that create empty databases)
    "e2e": 10.0,  # a Streamlit server and Chromium
    "delinquency_model": 20.0,  # the delinquency model trained on the small world (tests/conftest.py)
    "e2e_own": 10.0,
}
#: A group of tests sharing a module fixture of their own (a trained model, a second world).
DEFAULT_GROUP_SETUP_S = 15.0


def per_test_cost(nodeid: str) -> float:
    best, cost = -1, DEFAULT_PER_TEST_S
    for prefix, seconds in PER_TEST_S.items():
        if nodeid.startswith(prefix) and len(prefix) > best:
            best, cost = len(prefix), seconds
    return cost


def unit_cost(scope: str, nodeids: Any) -> float:
    """Estimated seconds of one work unit: ``scope`` is a group name (several tests) or a test's node id."""
    tests = sum(per_test_cost(n) for n in nodeids)
    if "::" in scope:  # a lone test, not a group
        return tests
    return tests + GROUP_SETUP_S.get(scope, DEFAULT_GROUP_SETUP_S)


def scheduler_class() -> type:
    from xdist.scheduler import LoadGroupScheduling

    class LongestFirstGroupScheduling(LoadGroupScheduling):  # type: ignore[misc, valid-type]
        """``--dist loadgroup`` with the work units handed out longest (estimated) first."""

        _ordered = False

        def _assign_work_unit(self, node: Any) -> None:
            if not self._ordered:  # the first assignment: the work queue is complete, order it once
                units = sorted(self.workqueue.items(), key=lambda kv: -unit_cost(kv[0], kv[1]))
                self.workqueue.clear()
                self.workqueue.update(units)
                self._ordered = True
            super()._assign_work_unit(node)

    return LongestFirstGroupScheduling


class LongestFirstPlugin:
    """Registered by tests/conftest.py when pytest-xdist is active; replaces ``loadgroup``'s scheduler."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        if config.getvalue("dist") != "loadgroup":
            return None
        return scheduler_class()(config, log)
