"""A throwaway PostgreSQL server for the test suite.

Usage::

    with PgServer() as server:
        engine = create_engine(server.url)   # postgresql+psycopg://postgres@127.0.0.1:PORT/jkn_test

The server lives in a temporary directory, listens on 127.0.0.1 on a free port (and on a Unix socket
in the same directory), trusts every local connection, runs without fsync, and is stopped and deleted
by :meth:`PgServer.stop` (also registered with ``atexit`` in case a test run is interrupted).

Debian's PostgreSQL refuses to run as root, so as root the cluster is created and started as the
``postgres`` user (``runuser -u postgres --``); as any other user it runs as that user.

If ``JKN_TEST_PG_URL`` is set, :func:`pg_url_from_env_or_start` returns it instead of starting a server.
Nothing here ever skips: when no server can be had, a :class:`PgServerError` explains why.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

ENV_URL = "JKN_TEST_PG_URL"
DEFAULT_DB = "jkn_test"
SERVER_OPTIONS = (
    "-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off "
    "-c max_connections=60 -c shared_buffers=64MB -c log_min_messages=warning"
)


class PgServerError(RuntimeError):
    """No PostgreSQL server could be started (the message says what to install or set)."""


def find_pg_bin() -> Path:
    """The ``bin`` folder of the highest installed PostgreSQL version under /usr/lib/postgresql."""
    candidates = []
    for initdb in glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        version = Path(initdb).parent.parent.name
        key = tuple(int(p) for p in re.findall(r"\d+", version)) or (0,)
        candidates.append((key, Path(initdb).parent))
    if not candidates:
        raise PgServerError(
            "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb). "
            "Install them with `apt-get install -y --no-install-recommends postgresql` "
            f"(bash test.sh does it when run as root), or set {ENV_URL} to an existing server's "
            "SQLAlchemy URL (postgresql+psycopg://user@host:port/db)."
        )
    return max(candidates)[1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """Start with :meth:`start` (or ``with``), read :attr:`url`, end with :meth:`stop`."""

    def __init__(self, dbname: str = DEFAULT_DB, start_timeout: int = 90) -> None:
        self.dbname = dbname
        self.start_timeout = start_timeout
        self.bin: Path | None = None
        self.tmpdir: Path | None = None
        self.port: int | None = None
        self._run_as: list[str] = []
        self._started = False

    # -- public -------------------------------------------------------------------------------------
    @property
    def datadir(self) -> Path:
        assert self.tmpdir is not None
        return self.tmpdir / "data"

    @property
    def logfile(self) -> Path:
        assert self.tmpdir is not None
        return self.tmpdir / "server.log"

    @property
    def url(self) -> str:
        return self.url_for(self.dbname)

    def url_for(self, dbname: str) -> str:
        if self.port is None:
            raise PgServerError("the server is not started")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def start(self) -> str:
        """Create the cluster, start it, create the database; return its SQLAlchemy URL."""
        if self._started:
            return self.url
        self.bin = find_pg_bin()
        self._run_as = self._user_prefix()
        self.tmpdir = Path(tempfile.mkdtemp(prefix="jkn-pg-"))
        atexit.register(self.stop)
        try:
            if self._run_as:
                shutil.chown(self.tmpdir, user="postgres", group="postgres")
            self.tmpdir.chmod(0o700)
            self._run(
                [
                    str(self.bin / "initdb"),
                    "-D",
                    str(self.datadir),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--no-sync",
                ],
                "initdb",
            )
            last_error: Exception | None = None
            for _attempt in range(3):  # a free port can be taken between probing and binding
                self.port = free_port()
                try:
                    self._run(
                        [
                            str(self.bin / "pg_ctl"),
                            "-D",
                            str(self.datadir),
                            "-l",
                            str(self.logfile),
                            "-w",
                            "-t",
                            str(self.start_timeout),
                            "-o",
                            f"-p {self.port} -k {self.tmpdir} {SERVER_OPTIONS}",
                            "start",
                        ],
                        "pg_ctl start",
                    )
                    self._started = True
                    break
                except PgServerError as exc:
                    last_error = exc
            if not self._started:
                raise last_error or PgServerError("pg_ctl start failed")
            self.create_database(self.dbname)
        except BaseException:
            self.stop()
            raise
        return self.url

    def create_database(self, dbname: str) -> str:
        """Create another (empty) database on this server; return its URL."""
        import psycopg

        if not re.fullmatch(r"[a-z_][a-z0-9_]*", dbname):
            raise ValueError(f"unsafe database name {dbname!r}")
        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            dbname="postgres",
            autocommit=True,
            connect_timeout=10,
        ) as conn:
            conn.execute(f'CREATE DATABASE "{dbname}"')
        return self.url_for(dbname)

    def stop(self) -> None:
        """Stop the server (immediately: the data is thrown away) and delete its directory."""
        if self._started and self.bin is not None:
            try:
                subprocess.run(
                    [
                        *self._run_as,
                        str(self.bin / "pg_ctl"),
                        "-D",
                        str(self.datadir),
                        "-m",
                        "immediate",
                        "-w",
                        "-t",
                        "30",
                        "stop",
                    ],
                    cwd=self.tmpdir,
                    capture_output=True,
                    timeout=60,
                    check=False,
                )
            except (OSError, subprocess.SubprocessError):
                pass
            self._started = False
        if self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    def __enter__(self) -> PgServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- internals ----------------------------------------------------------------------------------
    @staticmethod
    def _user_prefix() -> list[str]:
        """The command prefix that runs a program as a user PostgreSQL accepts."""
        if os.geteuid() != 0:
            return []
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise PgServerError(
                "running as root, but there is no `postgres` user to run the server as "
                "(install the `postgresql` package, which creates it)"
            ) from None
        runuser = shutil.which("runuser")
        if runuser:
            return [runuser, "-u", "postgres", "--"]
        raise PgServerError("running as root and `runuser` is missing (package util-linux)")

    def _run(self, cmd: list[str], what: str) -> None:
        try:
            proc = subprocess.run(
                [*self._run_as, *cmd],
                cwd=self.tmpdir,
                capture_output=True,
                text=True,
                timeout=self.start_timeout + 30,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise PgServerError(f"{what} could not run: {exc}") from exc
        if proc.returncode != 0:
            log = ""
            if self.tmpdir is not None and self.logfile.exists():
                log = "\n--- server.log ---\n" + self.logfile.read_text(errors="replace")[-4000:]
            raise PgServerError(
                f"{what} failed (exit {proc.returncode}) as uid {os.geteuid()}:\n"
                f"$ {' '.join(cmd)}\n{proc.stdout[-2000:]}{proc.stderr[-4000:]}{log}"
            )


def pg_url_from_env_or_start() -> tuple[str, PgServer | None]:
    """``(url, server)``: the URL in ``JKN_TEST_PG_URL`` (server None) or a freshly started server."""
    url = os.environ.get(ENV_URL, "").strip()
    if url:
        return url, None
    server = PgServer()
    server.start()
    return server.url, server
