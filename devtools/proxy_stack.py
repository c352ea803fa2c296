"""Several Streamlit processes behind nginx with TLS on loopback, as ``deploy/nginx.conf`` describes.

By hand::

    .venv/bin/python -m devtools.proxy_stack --processes 2 --db data/jkn.db     # Ctrl-C stops everything
    # then open https://127.0.0.1:8443/ (self-signed certificate: accept it once)

Used by the browser test (``tests/e2e/test_deploy_e2e.py``) and the load benchmark
(``python -m bench load --processes N``). Everything runs as child processes in their own process groups
in a temporary folder (nginx with ``-p`` and its own pid, log and temp paths): nothing is installed or
changed on the machine, and :meth:`ProxyStack.stop` ends exactly what it started.

The nginx configuration is ``deploy/nginx.conf`` itself with only its upstream ports, listen addresses,
server name and certificate paths replaced (:func:`render_site`), so the file a deployment copies is the
file the test runs. The certificate is self-signed for 127.0.0.1 / localhost (``openssl req``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE_CONF = ROOT / "deploy" / "nginx.conf"
HEALTH_TIMEOUT_S = 120.0


class StackError(RuntimeError):
    """The stack could not start (the message says which part and where its log is)."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def find_nginx() -> str | None:
    """The nginx binary (Debian installs it in /usr/sbin, often not on a user's PATH), or None."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def app_file() -> str:
    """``serve.py`` (the app plus the session-cookie routes) when the project has it, else ``app.py``."""
    return "serve.py" if (ROOT / "serve.py").exists() else "app.py"


def render_site(template: str, upstream_ports: list[int], https_port: int, http_port: int, cert: Path,
                key: Path, server_name: str = "127.0.0.1") -> str:
    """``deploy/nginx.conf`` for a loopback stack: its upstream servers, listen lines, server name and
    certificate paths replaced; every other line (headers, CSP, stickiness, websocket) as shipped."""
    servers = "".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;\n" for p in upstream_ports)
    out, n = re.subn(r"(upstream jkn_streamlit \{\n    hash [^\n]+\n)(?:    server [^\n]+\n)+",
                     lambda m: m.group(1) + servers, template)
    if n != 1:
        raise StackError("deploy/nginx.conf: no `upstream jkn_streamlit { hash ...; server ...; }` block found")
    for pattern, repl in ((r"listen 443 ssl( http2)?;", f"listen 127.0.0.1:{https_port} ssl\\1;"),
                          (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
                          (r"ssl_certificate +\S+;", f"ssl_certificate     {cert};"),
                          (r"ssl_certificate_key +\S+;", f"ssl_certificate_key {key};"),
                          (r"server_name \S+;", f"server_name {server_name};")):
        out, n = re.subn(pattern, repl, out)
        if n == 0:
            raise StackError(f"deploy/nginx.conf: no line matches {pattern!r}")
    return out


def main_conf(site: str, prefix: Path) -> str:
    """A complete nginx.conf around the site: pid, logs and temp folders under ``prefix``."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the temp folder made by us
    temps = "".join(f"    {name}_temp_path {prefix / name};\n"
                    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"{user}worker_processes 1;\npid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'} warn;\n"
            f"events {{ worker_connections 1024; }}\n"
            f"http {{\n    access_log {prefix / 'access.log'};\n{temps}"
            f"    types {{ text/html html; application/javascript js; text/css css; image/svg+xml svg; }}\n"
            f"    default_type application/octet-stream;\n{site}\n}}\n")


def self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    cmd = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
           "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise StackError(f"openssl could not make a self-signed certificate: {proc.stderr.strip()[-300:]}")
    return cert, key


def _stop_group(proc: subprocess.Popen | None, timeout: float = 15) -> None:
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


class ProxyStack:
    """N ``streamlit run`` processes on free loopback ports and nginx in front of them (https)."""

    def __init__(self, processes: int, database_url: str, env: dict[str, str] | None = None,
                 https_port: int | None = None, folder: Path | None = None) -> None:
        if processes < 1:
            raise ValueError("processes must be at least 1")
        self.processes = processes
        # nginx on loopback is the trusted proxy (docs/deploy.md, "The client's address"), unless set otherwise
        self.env = {"JKN_TRUSTED_PROXIES": "127.0.0.1", "FORWARDED_ALLOW_IPS": "127.0.0.1", **os.environ,
                    **(env or {}), "JKN_DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}
        self.folder = folder or Path(tempfile.mkdtemp(prefix="jkn-proxy-"))
        self.ports = [free_port() for _ in range(processes)]
        self.https_port = https_port or free_port()
        self.http_port = free_port()
        self.url = f"https://127.0.0.1:{self.https_port}"
        self.streamlits: list[subprocess.Popen | None] = [None] * processes
        self.nginx: subprocess.Popen | None = None

    # --- the Streamlit processes -------------------------------------------------------------------
    def log_of(self, i: int) -> Path:
        return self.folder / f"streamlit-{self.ports[i]}.log"

    def start_streamlit(self, i: int) -> None:
        cmd = [sys.executable, "-m", "streamlit", "run", app_file(), "--server.headless", "true",
               "--server.port", str(self.ports[i]), "--server.address", "127.0.0.1",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
               "--server.runOnSave", "false"]
        with self.log_of(i).open("ab") as log:
            self.streamlits[i] = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                                  stdin=subprocess.DEVNULL, start_new_session=True)

    def wait_healthy(self, i: int, timeout: float = HEALTH_TIMEOUT_S) -> None:
        proc, url = self.streamlits[i], f"http://127.0.0.1:{self.ports[i]}/_stcore/health"
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if proc is None or proc.poll() is not None:
                raise StackError(f"streamlit on port {self.ports[i]} stopped; see {self.log_of(i)}")
            with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
            time.sleep(0.3)
        raise StackError(f"streamlit on port {self.ports[i]} was not healthy within {timeout:.0f} s; "
                         f"see {self.log_of(i)}")

    def stop_streamlit(self, i: int) -> None:
        """Stop process ``i`` (its users' next request goes to another process)."""
        _stop_group(self.streamlits[i])

    def pids(self) -> list[int]:
        return [p.pid for p in self.streamlits if p is not None and p.poll() is None]

    # --- nginx ---------------------------------------------------------------------------------------
    def start_nginx(self) -> None:
        nginx = find_nginx()
        if nginx is None:
            raise StackError("nginx is not installed: apt-get install -y nginx (bash test.sh does it as root)")
        cert, key = self_signed(self.folder)
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.folder / name).mkdir(exist_ok=True)
        site = render_site(SITE_CONF.read_text(), self.ports, self.https_port, self.http_port, cert, key)
        conf = self.folder / "nginx.conf"
        conf.write_text(main_conf(site, self.folder))
        test = subprocess.run([nginx, "-t", "-p", str(self.folder), "-c", str(conf)], capture_output=True,
                              text=True, check=False)
        if test.returncode != 0:
            raise StackError(f"nginx -t refused the configuration: {test.stderr.strip()[-800:]}")
        with (self.folder / "nginx.out").open("ab") as log:
            self.nginx = subprocess.Popen([nginx, "-p", str(self.folder), "-c", str(conf), "-g", "daemon off;"],
                                          stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                          start_new_session=True)
        end = time.monotonic() + 20
        while time.monotonic() < end:
            if self.nginx.poll() is not None:
                raise StackError(f"nginx stopped: {(self.folder / 'error.log').read_text(errors='replace')[-800:]}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.https_port), 1):
                return
            time.sleep(0.2)
        raise StackError("nginx did not listen within 20 s")

    # --- all of it -----------------------------------------------------------------------------------
    def start(self) -> str:
        try:
            for i in range(self.processes):
                self.start_streamlit(i)
            for i in range(self.processes):
                self.wait_healthy(i)
            self.start_nginx()
        except BaseException:
            self.stop()
            raise
        return self.url

    def stop(self) -> None:
        _stop_group(self.nginx)
        for i in range(self.processes):
            self.stop_streamlit(i)

    def __enter__(self) -> ProxyStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    from jkn_core import config

    p = argparse.ArgumentParser(prog="python -m devtools.proxy_stack", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--processes", type=int, default=2, help="Streamlit processes behind nginx (default 2)")
    p.add_argument("--db", default=str(config.DEFAULT_SQLITE_PATH), help="SQLite file (default data/jkn.db)")
    p.add_argument("--url", help="a database URL instead of --db (e.g. PostgreSQL for several processes)")
    p.add_argument("--port", type=int, default=8443, help="https port on 127.0.0.1 (default 8443)")
    a = p.parse_args(argv)
    url = a.url or f"sqlite:///{Path(a.db).resolve()}"
    stack = ProxyStack(a.processes, url, https_port=a.port)
    try:
        stack.start()
    except StackError as exc:
        print(f"proxy_stack: {exc}", file=sys.stderr)
        return 1
    print(f"{stack.url}/  ({a.processes} Streamlit processes on ports {', '.join(map(str, stack.ports))}; "
          f"logs in {stack.folder}; Ctrl-C stops them)", flush=True)
    try:
        while all(p is not None and p.poll() is None for p in [stack.nginx, *stack.streamlits]):
            time.sleep(1)
        print("proxy_stack: a process stopped; see the logs", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    raise SystemExit(main())
