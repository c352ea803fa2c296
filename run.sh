#!/usr/bin/env bash
# One command: install the dependencies, build the demo database if the database is empty, and start
# the dashboard (serve.py: app.py plus the session-cookie routes).
#   bash run.sh                 -> http://localhost:8501  (PORT=8600 bash run.sh for another port)
#   bash run.sh --server.address 0.0.0.0   (extra arguments go to `streamlit run`)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# shellcheck source=scripts/venv.sh
source scripts/venv.sh run.sh

# The demo is built here, before the server answers its health check, so the first page a browser
# opens can render at once (a database set up with `python -m jkn_core init` is never touched).
set +e
.venv/bin/python scripts/db_ready.py
ready=$?
set -e
if [ "$ready" -eq 1 ]; then
    echo "run.sh: the database is empty: building the demo (python -m jkn_core demo)" >&2
    .venv/bin/python -m jkn_core demo
elif [ "$ready" -ne 0 ]; then
    exit "$ready"
fi

# Streamlit's web server believes X-Forwarded-For only from the proxies the dashboard trusts (docs/deploy.md)
export FORWARDED_ALLOW_IPS="${FORWARDED_ALLOW_IPS-${JKN_TRUSTED_PROXIES-}}"
exec .venv/bin/streamlit run serve.py \
    --server.headless true \
    --browser.gatherUsageStats false \
    --server.port "${PORT:-8501}" \
    "$@"
