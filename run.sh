#!/usr/bin/env bash
# One command: install the dependencies and start the dashboard on the embedded default database.
#   bash run.sh                 -> http://localhost:8501  (PORT=8600 bash run.sh for another port)
#   bash run.sh --server.address 0.0.0.0   (extra arguments go to `streamlit run`)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if [ ! -x .venv/bin/python ]; then
    echo "run.sh: creating .venv" >&2
    if ! python3 -m venv .venv; then
        # Debian's python3 needs python3-venv for `-m venv`
        rm -rf .venv
        if [ "$(id -u)" -eq 0 ] && command -v apt-get > /dev/null; then
            echo "run.sh: apt-get install -y python3-venv" >&2
            DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv \
                || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv; }
            python3 -m venv .venv
        else
            echo "run.sh: python3 -m venv failed: install python3-venv" >&2
            exit 1
        fi
    fi
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt

exec .venv/bin/streamlit run app.py \
    --server.headless true \
    --browser.gatherUsageStats false \
    --server.port "${PORT:-8501}" \
    "$@"
