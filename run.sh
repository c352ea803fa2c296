#!/usr/bin/env bash
# One command: install the dependencies and start the dashboard on the embedded default database.
#   bash run.sh                 -> http://localhost:8501  (PORT=8600 bash run.sh for another port)
#   bash run.sh --server.address 0.0.0.0   (extra arguments go to `streamlit run`)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# shellcheck source=scripts/venv.sh
source scripts/venv.sh run.sh

exec .venv/bin/streamlit run app.py \
    --server.headless true \
    --browser.gatherUsageStats false \
    --server.port "${PORT:-8501}" \
    "$@"
