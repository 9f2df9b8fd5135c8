#!/usr/bin/env bash
# Set up (idempotent), check the import contracts (.importlinter) and lint (ruff.toml), then run
# the whole test suite (engine, CLI, plugin in the real QGIS). Any of them failing fails this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/lint-imports --no-cache
.venv/bin/ruff check --no-cache engine plugin training tests benchmarks scripts
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
