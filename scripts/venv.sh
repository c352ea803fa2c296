# Sourced by run.sh and test.sh: create .venv if missing and install the pinned requirements.
# $1: the calling script's name, for messages.
who="${1:-setup}"
if [ ! -x .venv/bin/python ]; then
    echo "$who: creating .venv" >&2
    if ! python3 -m venv .venv; then
        # Debian's python3 needs python3-venv for `-m venv`
        rm -rf .venv
        if [ "$(id -u)" -eq 0 ] && command -v apt-get > /dev/null; then
            echo "$who: apt-get install -y python3-venv" >&2
            DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv \
                || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv; }
            python3 -m venv .venv
        else
            echo "$who: python3 -m venv failed: install python3-venv" >&2
            exit 1
        fi
    fi
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
