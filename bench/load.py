"""``python -m bench load --sessions 10,25,50``: concurrent sign-ins to the overview, as the server sees them.

Each session is a raw Streamlit client: one websocket to ``/_stcore/stream`` speaking the protobuf
messages that ship with streamlit (``BackMsg.rerun_script`` with the sign-in form's widget states,
``ForwardMsg`` deltas back), so the figures measure the server, not N browsers fighting it for the CPU.
A session opens the app and waits for the sign-in form; when every session of the round has its form,
all of them (clock starts) submit username and password at once and wait until the overview page has
finished rendering (a ``script_finished`` after its chart arrived, clock stops): N people pressing
"Masuk" at the same moment. Per N it prints p50 / p95 / max of that time and the errors (time-outs, a failed sign-in,
an exception shown on the page, a closed socket), and the server's CPU seconds (user + system, from ``/proc``)
per session: for the whole round (opening the form too) and per sign-in (from the moment every form is there
to the end: what the sign-in-to-overview runs cost, less sensitive to other load on the machine than the times),
and the forward messages (websocket frames: one per element, block and state change) a session receives
from its press of "Masuk" to the overview's end (each one is a wake-up of the server's event loop).

By default it copies a demo SQLite database (``--sqlite-db``, default ``data/jkn.db``), adds one direksi
user per session with a random password (the demo users' default passwords may be refused by the
product, and one user per session keeps per-user sign-in throttling out of the figures), and starts
``streamlit run serve.py`` (what ``run.sh`` and ``docs/deploy.md`` run: ``app.py`` plus the session-cookie
routes) on a free loopback port. ``--url`` measures a running server instead (loopback
only; give ``--username`` and the password in ``JKN_BENCH_PASSWORD``). ``--processes N`` starts N
Streamlit processes behind nginx with TLS (``devtools/proxy_stack.py``, ``deploy/nginx.conf``) and measures
through https; server CPU and RSS are then summed over the processes. ``--ramp S`` spreads the presses of
"sign in" evenly over S seconds instead of all at once. Bounded: each session has
``--timeout`` seconds, the whole run ``--deadline`` seconds. Results go to ``bench/results/load.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
USER_PREFIX = "loadbench"


class SessionError(Exception):
    """A session that did not reach the overview (the message says why)."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) by linear interpolation (numpy's default)."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    pos = (len(xs) - 1) * q
    lo, hi = int(pos), min(int(pos) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


# --- one raw Streamlit session --------------------------------------------------------------------
class RawSession:
    """A websocket client of one Streamlit session that records the elements of each script run."""

    def __init__(self, base_url: str, headers: dict[str, str] | None = None) -> None:
        parsed = urlparse(base_url)
        self.headers = dict(headers or {})  # extra request headers of the websocket (Cookie, X-Forwarded-For)
        secure = parsed.scheme == "https"
        self.ws_url = f"{'wss' if secure else 'ws'}://{parsed.netloc}{parsed.path.rstrip('/')}/_stcore/stream"
        self.origin = f"{parsed.scheme}://{parsed.netloc}"
        self.ssl: Any = None
        if secure:  # the loopback proxy's self-signed certificate (devtools/proxy_stack.py)
            import ssl

            self.ssl = ssl.create_default_context()
            self.ssl.check_hostname = False
            self.ssl.verify_mode = ssl.CERT_NONE
        self.ws: Any = None
        self.page_script_hash = ""
        self.received = 0  # forward messages (websocket frames) received so far

    async def __aenter__(self) -> RawSession:
        import websockets

        extra: dict[str, Any] = {"ssl": self.ssl} if self.ssl is not None else {}
        if self.headers:
            extra["additional_headers"] = self.headers
        self.ws = await websockets.connect(self.ws_url, subprotocols=["streamlit"], origin=self.origin,
                                           max_size=None, open_timeout=30, ping_interval=None, **extra)
        return self

    async def __aexit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close()

    async def rerun(self, widgets: list[Any] | None = None) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = ""
        state.page_script_hash = self.page_script_hash
        for w in widgets or []:
            state.widget_states.widgets.append(w)
        await self.ws.send(msg.SerializeToString())

    async def run_until_finished(self, deadline: float, want: str | None = None) -> list[Any]:
        """Elements received until a successful ``script_finished`` (after an element of type
        ``want`` when given); raises :class:`SessionError` on an exception element or the deadline."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        elements: list[Any] = []
        seen_want = want is None
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise SessionError("timeout")
            try:
                raw = await asyncio.wait_for(self.ws.recv(), timeout=left)
            except TimeoutError as exc:
                raise SessionError("timeout") from exc
            except Exception as exc:  # noqa: BLE001 - a closed socket is an error of the session
                rcvd = getattr(exc, "rcvd", None)
                why = f" {rcvd.code} {rcvd.reason}".rstrip() if rcvd is not None else ""
                raise SessionError(f"socket closed: {type(exc).__name__}{why}") from exc
            self.received += 1
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                self.page_script_hash = msg.new_session.page_script_hash or self.page_script_hash
            elif kind == "page_info_changed":
                pass
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                el = msg.delta.new_element
                etype = el.WhichOneof("type")
                elements.append(el)
                if etype == "exception":
                    raise SessionError(f"exception on the page: {el.exception.type}")
                if want is not None and etype == want:
                    seen_want = True
            elif kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
                if status == "FINISHED_WITH_COMPILE_ERROR":
                    raise SessionError("script compile error")
                if status == "FINISHED_SUCCESSFULLY":
                    if not seen_want:
                        alerts = [e.alert.body for e in elements if e.WhichOneof("type") == "alert"]
                        raise SessionError(f"page finished without {want}" + (f" ({alerts[0][:60]})" if alerts else ""))
                    return elements


def sign_in_widgets(elements: list[Any], username: str, password: str) -> list[Any]:
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    inputs = [e.text_input for e in elements if e.WhichOneof("type") == "text_input"]
    submit = [e.button for e in elements if e.WhichOneof("type") == "button" and e.button.is_form_submitter]
    if len(inputs) < 2 or not submit:
        raise SessionError("no sign-in form")
    user_input = next((i for i in inputs if i.type != i.PASSWORD), inputs[0])
    password_input = next((i for i in inputs if i.type == i.PASSWORD), inputs[1])
    states = []
    for widget_id, value in ((user_input.id, username), (password_input.id, password)):
        w = WidgetState(id=widget_id)
        w.string_value = value
        states.append(w)
    trigger = WidgetState(id=submit[0].id)
    trigger.trigger_value = True
    states.append(trigger)
    return states


class Gate:
    """All sessions press "sign in" together: each waits until every session has its form (or failed).
    ``on_open`` is called once, just before the gate opens (the bench reads the server's CPU time there)."""

    def __init__(self, n: int, on_open: Callable[[], None] | None = None) -> None:
        self.n, self.arrived, self.open, self.on_open = n, 0, asyncio.Event(), on_open

    def arrive(self) -> None:
        self.arrived += 1
        if self.arrived >= self.n and not self.open.is_set():
            if self.on_open is not None:
                self.on_open()
            self.open.set()


async def one_session(base_url: str, username: str, password: str, timeout: float,
                      gate: Gate | None = None, delay: float = 0.0) -> dict[str, Any]:
    """Open, wait for the form (and for every other session's), wait ``delay`` seconds more (a ramp),
    sign in, wait for the overview; seconds of each phase or the error."""
    t_open = time.monotonic()
    deadline = t_open + timeout
    arrived = False
    try:
        async with RawSession(base_url) as s:
            await s.rerun()
            form = await s.run_until_finished(deadline, want="button")
            t_form = time.monotonic()
            if gate is not None:
                gate.arrive()
                arrived = True
                await asyncio.wait_for(gate.open.wait(), timeout=max(0.1, deadline - time.monotonic()))
            if delay > 0:
                await asyncio.sleep(delay)
            t0, m0 = time.monotonic(), s.received
            await s.rerun(sign_in_widgets(form, username, password))
            await s.run_until_finished(deadline, want="plotly_chart")
            t1 = time.monotonic()
            messages = s.received - m0
    except SessionError as exc:
        return {"error": str(exc)}
    except Exception as exc:  # noqa: BLE001 - counted, reported by type
        return {"error": f"{type(exc).__name__}"}
    finally:
        if gate is not None and not arrived:
            gate.arrive()
    return {"form_s": t_form - t_open, "sign_in_to_overview_s": t1 - t0, "messages": messages}


async def run_round(base_url: str, users: list[tuple[str, str]], timeout: float,
                    ramp: float = 0.0, on_open: Callable[[], None] | None = None) -> list[dict[str, Any]]:
    """Every session opens its form; then all press "sign in" at once (``ramp`` 0) or evenly spread over
    ``ramp`` seconds (session i waits i × ramp ÷ N). The clock of each starts at its own press;
    ``on_open`` is called when every form is there, before the first press."""
    gate, n = Gate(len(users), on_open), len(users)
    return list(await asyncio.gather(*(one_session(base_url, u, p, timeout + ramp, gate, i * ramp / n)
                                       for i, (u, p) in enumerate(users))))


def summarise(n: int, results: list[dict[str, Any]], wall: float) -> dict[str, Any]:
    times = [r["sign_in_to_overview_s"] for r in results if "error" not in r]
    errors: dict[str, int] = {}
    for r in results:
        if "error" in r:
            errors[r["error"]] = errors.get(r["error"], 0) + 1
    return {"sessions": n, "ok": len(times), "errors": sum(errors.values()), "error_kinds": errors,
            "p50_s": round(percentile(times, 0.5), 2) if times else None,
            "p95_s": round(percentile(times, 0.95), 2) if times else None,
            "max_s": round(max(times), 2) if times else None,
            "mean_form_s": round(statistics.mean(r["form_s"] for r in results if "error" not in r), 2)
            if times else None,
            "messages_per_sign_in": round(statistics.mean(r["messages"] for r in results if "error" not in r), 1)
            if times else None,
            "wall_s": round(wall, 2)}


# --- the server under test ------------------------------------------------------------------------
def prepare_database(source: Path, work: Path, n_users: int) -> tuple[str, list[tuple[str, str]]]:
    """A copy of ``source`` with ``n_users`` direksi users (random passwords); its URL and the users."""
    if not source.exists():
        raise SystemExit(f"no demo database at {source}: build one (python -m jkn_core demo) or pass --sqlite-db")
    dest = work / "jkn.db"
    shutil.copy(source, dest)
    url = f"sqlite:///{dest}"
    from jkn_core import access
    from jkn_core.db import make_engine

    engine = make_engine(url)
    users = []
    print(f"· adding {n_users} bench users to the copy …", file=sys.stderr, flush=True)
    for i in range(1, n_users + 1):
        name, pw = f"{USER_PREFIX}{i:03d}", secrets.token_urlsafe(18)
        access.create_user(engine, name, pw, "direksi", actor="bench", replace=True)
        users.append((name, pw))
    engine.dispose()
    return url, users


def start_server(url: str, port: int, log: Path, models_dir: str | None) -> subprocess.Popen:
    env = {**os.environ, "JKN_DATABASE_URL": url}
    if models_dir:
        env["JKN_MODELS_DIR"] = models_dir
    from devtools.proxy_stack import app_file

    cmd = [sys.executable, "-m", "streamlit", "run", app_file(), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none", "--server.runOnSave", "false"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    health = f"http://127.0.0.1:{port}/_stcore/health"
    end = time.monotonic() + 90
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"the server stopped at start-up (exit {proc.returncode}); see {log}")
        with contextlib.suppress(Exception), urllib.request.urlopen(health, timeout=2) as r:
            if r.status == 200:
                return proc
        time.sleep(0.5)
    proc.terminate()
    raise SystemExit(f"the server did not answer {health} within 90 s; see {log}")


def _pids(procs: Any) -> list[int]:
    if procs is None:
        return []
    items = procs if isinstance(procs, list) else [procs]
    return [p.pid for p in items if p is not None]


def server_rss_mb(procs: Any) -> float | None:
    """Resident memory of the server process(es), summed (MB)."""
    total, seen = 0, False
    for pid in _pids(procs):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS"):
                    total += int(line.split()[1])
                    seen = True
    return round(total / 1024, 1) if seen else None


def server_cpu_s(procs: Any) -> float | None:
    """CPU seconds (user + system) the server process(es) have used so far, summed."""
    total, seen = 0.0, False
    for pid in _pids(procs):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            seen = True
    return total if seen else None


def main(argv: list[str] | None = None) -> int:
    from jkn_core import config

    p = argparse.ArgumentParser(prog="python -m bench load", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sessions", default="10,25,50", help="comma-separated concurrent session counts")
    p.add_argument("--sqlite-db", default=str(config.DEFAULT_SQLITE_PATH),
                   help="demo database to copy (never modified); default data/jkn.db")
    p.add_argument("--url", help="measure this running server instead (loopback only)")
    p.add_argument("--username", default="direksi", help="with --url: the user every session signs in as")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds per session")
    p.add_argument("--deadline", type=float, default=1200.0, help="seconds for the whole run")
    p.add_argument("--models-dir", help="JKN_MODELS_DIR of the started server")
    p.add_argument("--processes", type=int, default=0,
                   help="N > 0: start N Streamlit processes behind nginx with TLS (devtools/proxy_stack.py, "
                        "deploy/nginx.conf) and measure through https; 0 (default): one process, no proxy")
    p.add_argument("--ramp", type=float, default=0.0,
                   help="seconds over which the sessions press 'sign in' (evenly spread); 0 (default): all at once")
    a = p.parse_args(argv)
    counts = [int(x) for x in a.sessions.split(",") if x.strip()]
    if not counts or min(counts) < 1 or max(counts) > 200:
        raise SystemExit("--sessions: counts between 1 and 200")
    t_start = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="jkn-bench-load-"))
    proc: Any = None
    stack: Any = None
    direct: list[str] = []  # each process's own address (warm-up)
    out: dict[str, Any] = {"command": "python -m bench load " + " ".join(argv if argv is not None else sys.argv[2:]),
                           "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "rounds": []}
    try:
        if a.url:
            host = urlparse(a.url).hostname or ""
            if host not in LOOPBACK:
                raise SystemExit(f"--url must be a loopback address (127.0.0.1, localhost, ::1), not {host!r}")
            password = os.environ.get("JKN_BENCH_PASSWORD", "")
            if not password:
                raise SystemExit("with --url, put the password of --username in JKN_BENCH_PASSWORD")
            base_url = a.url
            users = [(a.username, password)] * max(counts)
        else:
            db_url, users = prepare_database(Path(a.sqlite_db), work, max(counts))
            if a.processes > 0:
                from devtools.proxy_stack import ProxyStack

                env = {"JKN_MODELS_DIR": a.models_dir} if a.models_dir else {}
                print(f"· starting {a.processes} streamlit processes behind nginx …", file=sys.stderr, flush=True)
                stack = ProxyStack(a.processes, db_url, env=env, folder=work / "proxy")
                (work / "proxy").mkdir()
                base_url = stack.start()
                proc = [*stack.streamlits, stack.nginx]
                direct = [f"http://127.0.0.1:{port}" for port in stack.ports]
            else:
                port = free_port()
                print(f"· starting streamlit on 127.0.0.1:{port} …", file=sys.stderr, flush=True)
                proc = start_server(db_url, port, work / "server.log", a.models_dir)
                base_url = f"http://127.0.0.1:{port}"
        from bench.__main__ import machine

        out["machine"] = machine()
        out["processes"] = a.processes or 1
        out["proxy"] = "nginx (deploy/nginx.conf), https" if a.processes > 0 else None
        out["ramp_s"] = a.ramp
        out["load_average_before"] = os.getloadavg()
        # caches filled once per process, not counted (through each process's own port behind a proxy)
        warm = [asyncio.run(run_round(u, users[:1], a.timeout))[0] for u in (direct or [base_url])]
        out["warm_up"] = warm
        print(f"· warm-up: {warm}", file=sys.stderr, flush=True)
        for n in counts:
            left = a.deadline - (time.monotonic() - t_start)
            if left < 5:
                print(f"· deadline reached, {n} sessions skipped", file=sys.stderr)
                break
            t0, cpu0 = time.monotonic(), server_cpu_s(proc)
            at_press: list[float | None] = []  # the server's CPU time when every form is there
            results = asyncio.run(run_round(base_url, users[:n], min(a.timeout, left), a.ramp,
                                            on_open=lambda marks=at_press: marks.append(server_cpu_s(proc))))
            row = summarise(n, results, time.monotonic() - t0)
            cpu1 = server_cpu_s(proc)
            row["server_cpu_s_per_session"] = round((cpu1 - cpu0) / n, 2) if cpu0 is not None and cpu1 else None
            cpu_press = at_press[0] if at_press else None
            row["server_cpu_s_per_sign_in"] = (round((cpu1 - cpu_press) / n, 3)
                                               if cpu_press is not None and cpu1 else None)
            row["server_rss_mb"] = server_rss_mb(proc)
            row["load_average"] = os.getloadavg()[0]
            out["rounds"].append(row)
            print(f"· {n} sessions: {row}", file=sys.stderr, flush=True)
    finally:
        log = work / "server.log"
        if log.exists() and any(r["errors"] for r in out["rounds"]):
            RESULTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(log, RESULTS / "load-server.log")
            print(f"· server log kept: {RESULTS / 'load-server.log'}", file=sys.stderr)
        if stack is not None:
            stack.stop()
        elif proc is not None:
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=20)
            if proc.poll() is None:
                proc.kill()
        shutil.rmtree(work, ignore_errors=True)
    out["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    print("\n| sessions | ok | errors | p50 s | p95 s | max s | wall s | server CPU s / session "
          "| server CPU s / sign-in | messages / sign-in | server RSS MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in out["rounds"]:
        print(f"| {r['sessions']} | {r['ok']} | {r['errors']} {r['error_kinds'] or ''} | {r['p50_s']} | "
              f"{r['p95_s']} | {r['max_s']} | {r['wall_s']} | {r['server_cpu_s_per_session']} | "
              f"{r['server_cpu_s_per_sign_in']} | {r['messages_per_sign_in']} | {r['server_rss_mb']} |")
    RESULTS.mkdir(parents=True, exist_ok=True)
    dest = RESULTS / "load.json"
    dest.write_text(json.dumps(out, indent=2, default=str))
    print(f"\nwritten: {dest}")
    return 0 if all(r["errors"] == 0 for r in out["rounds"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
