#!/usr/bin/env bash
# Start the local stack under honcho: this is what `make run` does.
#
# Every process is an entry of the root Procfile; honcho prefixes each output line with
# the process name, stops everything on Ctrl-C, and stops everything (saying which one
# and its exit code) when any process dies. The `ready` entry prints the URL to open
# once every /readyz answers.
#
# Configuration is the environment, exactly as each service reads it (see
# deploy/README.md): e.g. `DATABASE_URL=mysql://root@127.0.0.1:3306/test make run`, or
# `SYNTHESIZER_MODEL_URL=http://127.0.0.1:8003 make run` to split Tacotron out into the
# synthesizer-model server (started here only then). The compose `.env` file is NOT read
# (honcho would let it override the environment you typed).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
HONCHO="${HONCHO:-$VENV/bin/honcho}"
if [[ ! -x "$HONCHO" ]]; then
    echo "run_stack: $HONCHO not found; run 'make install' (or 'make run') first" >&2
    exit 1
fi

processes=(encoder synthesizer vocoder gateway)
if [[ -n "${SYNTHESIZER_MODEL_URL:-}" ]]; then
    processes+=(synthesizer-model)
fi
processes+=(ready)

# Lines reach honcho (and your terminal) as they are written, not in 8 KB blocks.
export PYTHONUNBUFFERED=1
exec "$HONCHO" --procfile "${PROCFILE:-Procfile}" --env /dev/null start "${processes[@]}"
