#!/usr/bin/env bash
# Sourced by qgis_run.sh and qgis_smoke.sh (not run on its own): prepares a scratch QGIS
# profile folder with this repository installed as the plugin `landsat_gapfill` (a symlink, so
# edits show up on the next QGIS start) and enabled through QGIS3.ini, and exports the
# environment the desktop QGIS needs to import the venv's packages (torch, opencv).
#   qgis_prepare_profile PROFILES_DIR   -> PROFILES_DIR/profiles/default/...
#   qgis_export_env SCRATCH_DIR         -> PYTHONPATH, TMPDIR, XDG_RUNTIME_DIR
QGIS_PLUGIN_NAME=landsat_gapfill
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

qgis_prepare_profile() {
  local profile="$1/profiles/default"
  mkdir -p "$profile/python/plugins" "$profile/QGIS"
  ln -sfn "$REPO_ROOT" "$profile/python/plugins/$QGIS_PLUGIN_NAME"
  # Merge the keys into QGIS3.ini (QSettings keeps the user's other settings between runs).
  "$REPO_ROOT/.venv/bin/python" - "$profile/QGIS/QGIS3.ini" "$QGIS_PLUGIN_NAME" <<'PY'
import sys
from qgis.PyQt.QtCore import QSettings
ini, plugin = sys.argv[1:]
settings = QSettings(ini, QSettings.Format.IniFormat)
for key, value in ((f"PythonPlugins/{plugin}", True), ("PythonPlugins/processing", True),
                   ("app/askToSaveMemoryLayers", False), ("qgis/checkVersion", False)):
    settings.setValue(key, value)
settings.sync()
PY
}

qgis_export_env() {
  local scratch="$1"
  local site
  site="$("$REPO_ROOT/.venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  # QGIS embeds the system Python: the venv's packages must be put on its path explicitly.
  export PYTHONPATH="$site${PYTHONPATH:+:$PYTHONPATH}"
  mkdir -p "$scratch/tmp" "$scratch/runtime"
  chmod 700 "$scratch/runtime"
  export TMPDIR="$scratch/tmp" XDG_RUNTIME_DIR="$scratch/runtime"
}
