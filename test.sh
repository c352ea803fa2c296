#!/usr/bin/env bash
# One command: install everything (Python packages, PostgreSQL, Chromium) and run lint + the whole test suite,
# in parallel on 2 workers (pytest-xdist; tests sharing an expensive fixture stay on one worker: see
# tests/conftest.py).
#   ./test.sh                              -> ruff + every test
#   ./test.sh -m "not slow and not e2e"    -> the quick loop (no PostgreSQL, no browser, no big world)
#   ./test.sh tests/unit                   -> extra arguments go to pytest (`-n 0` runs in one process)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# shellcheck source=scripts/venv.sh
source scripts/venv.sh test.sh

# System packages: a PostgreSQL server for the dual-backend tests, Chromium for the browser tests, nginx for the
# reverse-proxy test (tests/e2e/test_deploy_e2e.py: two Streamlit processes behind nginx with TLS).
have_initdb() { compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null; }
have_nginx() { command -v nginx > /dev/null || [ -x /usr/sbin/nginx ]; }
if ! have_initdb || ! command -v chromium > /dev/null || ! have_nginx; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "test.sh: PostgreSQL, chromium and/or nginx are missing and we are not root." >&2
        echo "         Install them: sudo apt-get install -y --no-install-recommends postgresql chromium nginx" >&2
        exit 1
    fi
    echo "test.sh: installing system packages: apt-get update && apt-get install -y --no-install-recommends postgresql chromium nginx" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends postgresql chromium nginx
fi

# The Spark batch (jkn_batch, tests/batch): pyspark from requirements-batch.txt, and Java 17 from Debian.
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-batch.txt
if ! command -v java > /dev/null; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "test.sh: Java is missing: sudo apt-get install -y --no-install-recommends openjdk-17-jre-headless" >&2
        exit 1
    fi
    echo "test.sh: installing openjdk-17-jre-headless (Spark runs on Java 17)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jre-headless \
        || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jre-headless; }
fi

lint_paths=()
for p in jkn_core jkn_batch app.py pages tests bench devtools; do [ -e "$p" ] && lint_paths+=("$p"); done
echo "test.sh: ruff check ${lint_paths[*]}" >&2
.venv/bin/ruff check "${lint_paths[@]}"

echo "test.sh: pytest -n 2 --dist loadgroup $*" >&2
exec .venv/bin/python -m pytest -q -n 2 --dist loadgroup "$@"
