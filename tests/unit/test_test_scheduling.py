"""The parallel run hands out its longest work first (tests/scheduling.py, used by ``./test.sh``'s
``pytest -n 2 --dist loadgroup``), and the PostgreSQL tests form two groups: the world's and the server's."""

from __future__ import annotations

from collections import OrderedDict
from types import SimpleNamespace

import pytest

from tests import conftest, scheduling


def _units() -> dict[str, dict[str, bool]]:
    lone = {n: {n: False} for n in (
        "tests/unit/test_fmt.py::test_rupiah",
        "tests/integration/test_kpi.py::test_coverage[sqlite]",
        "tests/e2e/test_smoke.py::test_root_page_renders@e2e",
    )}
    groups = {
        "e2e": {f"tests/e2e/test_x.py::test_{i}@e2e": False for i in range(6)},
        "postgresql": {f"tests/integration/test_kpi.py::test_{i}[postgresql]@postgresql": False for i in range(40)},
        "default_demo": {f"tests/integration/test_generator.py::test_{i}@default_demo": False for i in range(12)},
    }
    return {**lone, **groups}


def test_the_expensive_groups_and_browser_tests_go_first_and_unit_tests_last() -> None:
    units = _units()
    order = sorted(units, key=lambda s: -scheduling.unit_cost(s, units[s]))
    assert order[:3] == ["default_demo", "e2e", "postgresql"]
    assert order[3] == "tests/e2e/test_smoke.py::test_root_page_renders@e2e"  # a lone browser test
    assert order[-1] == "tests/unit/test_fmt.py::test_rupiah"


def test_the_scheduler_takes_over_loadgroup_only() -> None:
    plugin = scheduling.LongestFirstPlugin()
    other = SimpleNamespace(getvalue=lambda name: "load")
    assert plugin.pytest_xdist_make_scheduler(other, log=None) is None


def test_the_queue_is_reordered_once_before_the_first_unit_is_handed_out(monkeypatch: pytest.MonkeyPatch) -> None:
    cls = scheduling.scheduler_class()
    sent: list[str] = []

    def hand_out(self, node):  # type: ignore[no-untyped-def]  # xdist's own step: the queue's first unit
        scope, _unit = self.workqueue.popitem(last=False)
        sent.append(scope)

    monkeypatch.setattr(cls.__mro__[1], "_assign_work_unit", hand_out)
    sched = cls.__new__(cls)  # no workers here: only the ordering step is exercised
    sched.workqueue = OrderedDict(_units())
    sched._assign_work_unit(node=None)
    sched._assign_work_unit(node=None)
    assert sent == ["default_demo", "e2e"]


@pytest.mark.parametrize(("fixtures", "group"), [
    (("world", "sqlite_world", "pg_world"), "postgresql"),
    (("pg_world",), "postgresql"),
    (("empty_engine", "tmp_path"), "postgresql_db"),
    (("pg_url",), "postgresql_db"),
])
def test_postgres_tests_are_grouped_by_what_they_build(fixtures: tuple[str, ...], group: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    item = SimpleNamespace(fixturenames=fixtures)
    monkeypatch.delenv("JKN_TEST_PG_URL", raising=False)
    assert conftest.postgres_group(item) == group  # type: ignore[arg-type]
    # one foreign server holds one database for every test: they all stay on one worker
    monkeypatch.setenv("JKN_TEST_PG_URL", "postgresql+psycopg://u@db.example:5432/jkn")
    assert conftest.postgres_group(item) == "postgresql"  # type: ignore[arg-type]
