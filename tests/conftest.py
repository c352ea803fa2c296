"""Fixtures shared by the whole suite.

Databases
- ``pg_url`` (session): SQLAlchemy URL of a throwaway PostgreSQL database (``devtools/pg_server.py``), or
  ``JKN_TEST_PG_URL`` when set. Never skipped: no server means an error.
- ``sqlite_url`` (session): URL of an empty SQLite file in a temporary folder (no schema).
- ``world`` (session, parametrised ``sqlite`` / ``postgresql``): the SMALL demo world, built once per
  backend per session with ``jkn_core.demo.generator.generate``; a :class:`World` (``.engine``, ``.url``,
  ``.backend``, ``.summary`` = what ``generate`` returned). Treat it as read-only.
- ``sqlite_world`` (session): the same small world on SQLite only.
- ``writable_sqlite_world`` (function): a private copy of the SQLite small world, for tests that write.
- ``empty_engine`` (function): factory ``empty_engine(backend="sqlite") -> Engine``, a fresh empty
  database with the schema (``"postgresql"`` creates a new database on the test server).
- ``app_env`` (function): points ``JKN_DATABASE_URL`` at the SQLite small world for in-process
  ``streamlit.testing.v1.AppTest`` runs; returns the URL.

The generator is imported inside the fixtures, so tests that do not need a world collect and run even
while ``jkn_core.demo.generator`` is missing or broken.

Markers and parallel runs (``test.sh`` runs ``pytest -n 2 --dist loadgroup``)
- Tests marked ``postgres`` are also marked ``slow`` and put in an xdist group: ``postgresql`` for those of
  the PostgreSQL small world (one worker starts the throwaway server and builds that world once),
  ``postgresql_db`` for those that need the server only (empty or private databases), which the other
  worker may run with a server of its own (all in ``postgresql`` when ``JKN_TEST_PG_URL`` names one
  shared server). ``tests/e2e/conftest.py`` marks its tests ``e2e`` and
  ``slow`` and puts them in two xdist groups, ``e2e`` and ``e2e_own`` (each worker running one starts
  its own Streamlit server: ``tests/e2e/conftest.py:E2E_GROUPS``).
- A test that uses a module-scoped fixture of its own module (a trained model) is grouped with its
  module, so that fixture is built once, not once per worker; the tests of the default-scale world
  (``default_demo_world``) share the group ``default_demo``, those of the delinquency model trained once
  (``trained_delinquency``) the group ``delinquency_model``.
- Work units are handed out longest (estimated) first: ``tests/scheduling.py``.
- The SQLite small world is built once per run: the first worker that needs it builds it under a file lock,
  each worker uses a private copy (``_sqlite_world_build``). Every ``AppTest`` of a process shares one scan
  of the installed Streamlit components (``_scan_streamlit_components_once``).
- Quick loop: ``./test.sh -m "not slow and not e2e"``.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

# the Spark batch's session fixtures (one batch run per session, shared by tests/batch and the batch e2e test)
from tests.batch.fixtures import batch_world, spark  # noqa: F401
from tests.worlds import World, build_world, sqlite_copy

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"


# --- PostgreSQL ------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def pg_server_handle() -> Iterator[Any]:
    """The running :class:`devtools.pg_server.PgServer`, or the URL string when ``JKN_TEST_PG_URL`` is set."""
    from devtools.pg_server import pg_url_from_env_or_start

    url, server = pg_url_from_env_or_start()
    try:
        yield server if server is not None else url
    finally:
        if server is not None:
            server.stop()


@pytest.fixture(scope="session")
def pg_url(pg_server_handle: Any) -> str:
    return pg_server_handle if isinstance(pg_server_handle, str) else pg_server_handle.url


# --- SQLite ----------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("sqlite") / "jkn_test.db"
    return f"sqlite:///{path}"


# --- the small demo world --------------------------------------------------------------------------
def _build_sqlite_world(path: Path) -> dict:
    summary = build_world(f"sqlite:///{path}")
    # fold the WAL into the main file so copies and other processes see one self-contained file
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return summary


@pytest.fixture(scope="session")
def _sqlite_world_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The SQLite small world of this process. Under xdist the first worker that needs it builds it once
    for the run (a file lock in the run's shared temporary folder); every worker then works on a copy of
    its own, exactly as if it had built it (the generator is deterministic)."""
    path = tmp_path_factory.mktemp("world_sqlite") / "jkn_small.db"
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return path, _build_sqlite_world(path)
    import fcntl
    import json

    shared = tmp_path_factory.getbasetemp().parent / "world_sqlite_shared"  # the run's folder, all workers
    shared.mkdir(exist_ok=True)
    done = shared / "summary.json"  # written last: the world is complete
    with open(shared / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            summary = _build_sqlite_world(shared / "jkn_small.db")
            done.write_text(json.dumps(summary, default=lambda v: v.item() if hasattr(v, "item") else str(v)))
    sqlite_copy(shared / "jkn_small.db", path)
    return path, json.loads(done.read_text())


@pytest.fixture(scope="session")
def sqlite_world_file(_sqlite_world_build: tuple[Path, dict]) -> Path:
    """Path of a SQLite file holding the small world (built once per session / xdist worker)."""
    return _sqlite_world_build[0]


@pytest.fixture(scope="session")
def sqlite_world(_sqlite_world_build: tuple[Path, dict]) -> Iterator[World]:
    from jkn_core.db import make_engine

    path, summary = _sqlite_world_build
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    yield World(engine=engine, url=url, backend="sqlite", summary=summary)
    engine.dispose()


@pytest.fixture(scope="session")
def pg_world(pg_url: str) -> Iterator[World]:
    from jkn_core.db import make_engine

    summary = build_world(pg_url)
    engine = make_engine(pg_url)
    yield World(engine=engine, url=pg_url, backend="postgresql", summary=summary)
    engine.dispose()


@pytest.fixture(
    scope="session",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
    ids=["sqlite", "postgresql"],
)
def world(request: pytest.FixtureRequest) -> World:
    """The small world on each backend in turn: tests using it run once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_world")
    return request.getfixturevalue("pg_world")


@pytest.fixture
def writable_sqlite_world(_sqlite_world_build: tuple[Path, dict], tmp_path: Path) -> Iterator[World]:
    """A private copy of the SQLite small world that a test may change freely."""
    from jkn_core.db import make_engine

    src, summary = _sqlite_world_build
    path = tmp_path / "jkn_small_copy.db"
    sqlite_copy(src, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    yield World(engine=engine, url=url, backend="sqlite", summary=summary)
    engine.dispose()


# --- empty databases -------------------------------------------------------------------------------
_EMPTY_DB_COUNTER = itertools.count(1)


@pytest.fixture
def empty_engine(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., Engine]]:
    """Factory: ``empty_engine(backend="sqlite")`` -> a new Engine on an empty database with the schema."""
    from jkn_core.db import create_schema, make_engine

    engines: list[Engine] = []

    def make(backend: str = "sqlite") -> Engine:
        n = next(_EMPTY_DB_COUNTER)
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / f'empty_{n}.db'}"
        elif backend == "postgresql":
            server = request.getfixturevalue("pg_server_handle")
            if isinstance(server, str):
                raise RuntimeError(
                    "empty_engine('postgresql') needs the test's own PostgreSQL server "
                    "(JKN_TEST_PG_URL is set, and databases are not created on foreign servers)"
                )
            worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
            url = server.create_database(f"jkn_empty_{worker}_{n}")
        else:
            raise ValueError(f"unknown backend {backend!r}")
        engine = make_engine(url)
        create_schema(engine)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


# --- Streamlit AppTest -----------------------------------------------------------------------------
@pytest.fixture(scope="session", autouse=True)
def _scan_streamlit_components_once() -> Iterator[None]:
    """Every ``AppTest`` scans the installed packages for Streamlit components (``importlib.metadata`` of
    each distribution: ~0.3 s of CPU, seconds on a busy machine) although they do not change during a run:
    scan once per process. Active only where a test module imported ``streamlit.testing``."""
    import sys

    if "streamlit.testing.v1" not in sys.modules:
        yield
        return
    from streamlit.components.v2 import manifest_scanner

    original = manifest_scanner.scan_component_manifests
    found: list[Any] = []

    def scan_once(max_workers: int | None = None) -> list[Any]:
        if not found:
            found.append(original(max_workers))
        return list(found[0])

    manifest_scanner.scan_component_manifests = scan_once
    try:
        yield
    finally:
        manifest_scanner.scan_component_manifests = original


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch, sqlite_world: World) -> str:
    """Make in-process AppTest runs use the SQLite small world; returns its URL."""
    monkeypatch.setenv("JKN_DATABASE_URL", sqlite_world.url)
    monkeypatch.chdir(ROOT)
    return sqlite_world.url


# --- markers and xdist groups ----------------------------------------------------------------------
def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.hasplugin("xdist"):  # hand the work units out longest first (tests/scheduling.py)
        from tests.scheduling import LongestFirstPlugin

        config.pluginmanager.register(LongestFirstPlugin(), "jkn-longest-first")


def _uses_module_fixture_of_its_module(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    module = getattr(item, "module", None)
    if info is None or module is None:
        return False
    for defs in info.name2fixturedefs.values():
        for fixturedef in defs:
            if fixturedef.scope == "module" and getattr(fixturedef.func, "__module__", None) == module.__name__:
                return True
    return False


def postgres_group(item: pytest.Item) -> str:
    """``postgresql`` for the tests of the PostgreSQL small world (``world``, ``pg_world``), built once by
    the worker that runs them; ``postgresql_db`` for those that only need the server (empty databases, a
    private world of their own): the other worker can run them, starting a server of its own (seconds)."""
    if os.environ.get("JKN_TEST_PG_URL"):  # one foreign server, one database for all: one worker
        return "postgresql"
    names = set(getattr(item, "fixturenames", ()))
    return "postgresql" if names & {"world", "pg_world"} else "postgresql_db"


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups (``--dist loadgroup``)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        if item.get_closest_marker("postgres"):
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.xdist_group(postgres_group(item)))
        elif "default_demo_world" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("default_demo"))
        elif "trained_delinquency" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("delinquency_model"))
        elif _uses_module_fixture_of_its_module(item):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


@pytest.hookimpl(tryfirst=True)  # before xdist sends the collected ids to the controller
def pytest_collection_finish(session: pytest.Session) -> None:
    """Make ``--dist loadgroup`` see the groups with pytest 9.2.

    pytest-xdist 3.8 tells the controller a test's group by appending ``@group`` to ``item._nodeid``,
    which pytest 9.2 no longer reads (node ids are structured: pytest-xdist issue #1386, fix in PR #1388),
    so the groups are silently ignored. Append the suffix to the structured id here, as that fix does;
    a no-op once xdist appends it itself.
    """
    if not getattr(session.config.option, "loadgroup", False):  # set on xdist workers only
        return
    for item in session.items:
        names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                        for m in item.iter_markers("xdist_group")})
        suffix = "@" + "_".join(names)
        if not names or item.nodeid.endswith(suffix):
            continue
        if hasattr(item, "_id"):
            from _pytest.nodeid import NodeId

            item._id = NodeId.parse(item.nodeid + suffix)
        else:
            item._nodeid = item.nodeid + suffix


# --- the delinquency model, trained once ---------------------------------------------------------------
@pytest.fixture(scope="session")
def trained_delinquency(sqlite_world: World, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, list[str], Path]:
    """The delinquency model trained once on the SQLite small world (seed 11) into a models folder of its own:
    ``(card, log lines, folder)``. ``JKN_MODELS_DIR`` is set only while training; a user points it at
    ``folder`` itself. Its users share the xdist group ``delinquency_model`` (one training per run)."""
    from jkn_core.collection import model as delinquency

    folder = tmp_path_factory.mktemp("models_delinquency")
    lines: list[str] = []
    mp = pytest.MonkeyPatch()
    mp.setenv("JKN_MODELS_DIR", str(folder))
    try:
        card = delinquency.train(sqlite_world.engine, log=lines.append, seed=11)
    finally:
        mp.undo()
    return card, lines, folder


# --- the default demo (run.sh's world), built once --------------------------------------------------
@pytest.fixture(scope="session")
def default_demo_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, str]]:
    """The default demo (all 38 provinces, scale default, default seed), as ``python -m jkn_core demo``
    builds it: ``(engine, url)`` of a SQLite file. Read-only for its users (calibration checks, dry-run
    imports); its tests share one xdist group, so the world is built once per run (about 100 s)."""
    from jkn_core.db import make_engine
    from jkn_core.demo.generator import DEFAULT_SEED, generate

    url = f"sqlite:///{tmp_path_factory.mktemp('default_demo') / 'jkn_default.db'}"
    engine = make_engine(url)
    generate(engine, scale="default", seed=DEFAULT_SEED, progress=None)
    yield engine, url
    engine.dispose()


# --- artifacts -------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """``tests/artifacts`` (gitignored): screenshots, logs and reports the tests leave behind."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    """Remember each phase's report on the item (``item.rep_call.failed``) for fixture teardowns."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
