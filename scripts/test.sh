#!/usr/bin/env bash
# Set up (idempotent) and run the whole test suite (engine, CLI, plugin in the real QGIS).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
