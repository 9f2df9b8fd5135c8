#!/usr/bin/env python3
"""Build the QGIS plugin-repository zip: dist/landsat_gapfill-<version>.zip holding one folder,
`landsat_gapfill/` (the name QGIS installs it under), with the engine, the plugin, resources,
metadata.txt, the root __init__.py and LICENSE/README when present. Then check what QGIS's
plugin repository checks: required metadata keys, no compiled files, a classFactory.

Usage: python scripts/build_zip.py [--out DIR]   (standard library only)"""
from __future__ import annotations

import argparse
import configparser
import os
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLUGIN_FOLDER = "landsat_gapfill"
INCLUDE_DIRS = ("engine", "plugin", "resources")
INCLUDE_FILES = ("metadata.txt", "__init__.py", "LICENSE", "LICENSE.txt", "LICENSE.md",
                 "README.md", "README.txt")
SKIP_DIRS = {"__pycache__", ".pytest_cache", ".hypothesis", ".mypy_cache", ".ruff_cache",
             ".git", ".venv", ".venv.partial", "out", "dist", "build", "training", "tests"}
SKIP_SUFFIXES = (".pyc", ".pyo", ".aux.xml", ".orig", ".rej", "~")
REQUIRED_KEYS = ("name", "qgisMinimumVersion", "description", "about", "version", "author",
                 "email", "repository")
MAX_MB = 25  # plugins.qgis.org refuses larger uploads


def read_metadata(text: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    return parser["general"]


def plugin_files() -> list:
    files = [ROOT / name for name in INCLUDE_FILES if (ROOT / name).is_file()]
    for top in INCLUDE_DIRS:
        for folder, dirs, names in os.walk(ROOT / top):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
            files += [Path(folder) / n for n in sorted(names)
                      if not n.endswith(SKIP_SUFFIXES) and ".partial-" not in n
                      and not n.startswith(".")]
    return files


def build(out_dir: Path) -> Path:
    version = read_metadata((ROOT / "metadata.txt").read_text(encoding="utf-8"))["version"]
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{PLUGIN_FOLDER}-{version}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in plugin_files():
            zf.write(path, f"{PLUGIN_FOLDER}/{path.relative_to(ROOT).as_posix()}")
    return target


def check(target: Path) -> list:
    """Problems found in the built zip (empty when it is fine to upload)."""
    problems = []
    with zipfile.ZipFile(target) as zf:
        names = zf.namelist()
        if any(not n.startswith(f"{PLUGIN_FOLDER}/") for n in names):
            problems.append(f"every entry must sit under {PLUGIN_FOLDER}/")
        compiled = [n for n in names if n.endswith((".pyc", ".pyo")) or "__pycache__" in n]
        if compiled:
            problems.append(f"compiled files in the zip: {compiled[:3]}")
        leaked = [n for n in names if n.split("/")[1] in SKIP_DIRS]
        if leaked:
            problems.append(f"excluded folders in the zip: {leaked[:3]}")
        meta = read_metadata(zf.read(f"{PLUGIN_FOLDER}/metadata.txt").decode("utf-8"))
        missing = [k for k in REQUIRED_KEYS if not meta.get(k, "").strip()]
        if missing:
            problems.append(f"metadata.txt lacks: {', '.join(missing)}")
        if f"{PLUGIN_FOLDER}/{meta.get('icon', '')}" not in names:
            problems.append(f"icon {meta.get('icon')} is not in the zip")
        init = zf.read(f"{PLUGIN_FOLDER}/__init__.py").decode("utf-8")
        if "def classFactory(" not in init:
            problems.append("__init__.py has no classFactory(iface)")
        for package in ("engine", "plugin"):
            if f"{PLUGIN_FOLDER}/{package}/__init__.py" not in names:
                problems.append(f"{package}/__init__.py is missing")
    size_mb = target.stat().st_size / 2 ** 20
    if size_mb > MAX_MB:
        problems.append(f"{size_mb:.1f} MB is over the plugin repository's {MAX_MB} MB")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="output folder")
    args = parser.parse_args(argv)
    target = build(args.out)
    problems = check(target)
    with zipfile.ZipFile(target) as zf:
        count = len(zf.namelist())
    print(f"{target}: {count} files, {target.stat().st_size / 2 ** 20:.2f} MB")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
