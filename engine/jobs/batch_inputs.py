"""What a batch runs over: the user names scenes the way an archive stores them (files, product
folders, tarballs, globs, or a list kept in a text or CSV file); each becomes one `BatchScene`
with the WRS path/row that groups it with the other dates of its place and the date that orders
them. A scene that cannot be read still becomes a scene (group "unknown"): the batch records
its error and goes on, instead of refusing a whole archive for one bad file."""
from __future__ import annotations

import csv
import datetime as dt
import glob
import os
import re
import tarfile
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

from engine.errors import EngineError, InputError
from engine.io import open_scene
from engine.io.acquisition import acquisition_date
from engine.io.landsat import parse_mtl

UNKNOWN_GROUP = "unknown"
LIST_SUFFIXES = (".txt", ".csv", ".lst")
_TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz")
_RASTER_SUFFIXES = (".tif", ".tiff", ".nc", ".img", ".vrt", ".jp2", ".hdf")
# path/row inside Collection product ids (LE07_L1TP_041025_...) and pre-collection scene ids
_PRODUCT_ID = re.compile(r"L[CEOTM]0\d_L\w{3}_(\d{3})(\d{3})_\d{8}_")
_SCENE_ID = re.compile(r"L[CEOTM]\d(\d{3})(\d{3})\d{7}[A-Z]{3}\d{2}")


@dataclass(frozen=True)
class BatchScene:
    """One scene of a batch: where it is, the path/row that groups it with the other dates of its
    place, its date (None when unknown) and, when it cannot be read, why, so the batch records the
    error instead of stopping."""

    path: str                       # absolute
    group: str                      # "PPPRRR" (WRS path and row) or "unknown"
    date: Optional[dt.date]
    problem: str = ""               # why it cannot be read ("" when it opened)


def expand_inputs(inputs: Sequence[str]) -> list:
    """Absolute scene paths, in the order given, without duplicates; InputError when an input
    names nothing (a glob that matches nothing, a missing file) or nothing is left."""
    found = []
    for item in inputs:
        found.extend(_expand_one(os.fspath(item)))
    unique = list(dict.fromkeys(os.path.abspath(p) for p in found))
    if not unique:
        raise InputError("no scenes found in the inputs given")
    return unique


def describe_scenes(paths: Iterable[str]) -> list:
    """A BatchScene per path (runs on the workers: reading metadata is work to spread too)."""
    return [_describe(p) for p in paths]


def sort_scenes(scenes: Iterable[BatchScene]) -> list:
    """By path/row group, then date (undated scenes last in their group)."""
    return sorted(scenes, key=lambda s: (s.group, s.date is None, s.date or dt.date.min, s.path))


def _expand_one(item: str) -> list:
    if glob.has_magic(item):
        matches = sorted(glob.glob(item))
        if not matches:
            raise InputError(f"no file matches {item}")
        return [p for m in matches for p in _expand_one(m)]
    if not os.path.exists(item):
        raise InputError(f"input not found: {item}")
    if os.path.isdir(item):
        return _expand_folder(item)
    if _is_list(item):
        return _read_list(item)
    return [item]


def _expand_folder(folder: str) -> list:
    """A product folder is one scene; any other folder holds scenes (one level deep)."""
    names = sorted(os.listdir(folder))
    if any(n.upper().endswith("_MTL.TXT") for n in names):
        return [folder]
    scenes = []
    for name in names:
        path = os.path.join(folder, name)
        lower = name.lower()
        if name.startswith("."):
            continue
        if os.path.isdir(path):
            if any(n.upper().endswith("_MTL.TXT") for n in os.listdir(path)):
                scenes.append(path)
        elif lower.endswith(_TAR_SUFFIXES + _RASTER_SUFFIXES):
            scenes.append(path)
    if not scenes:
        raise InputError(f"{folder} holds no scenes (rasters, tarballs or product folders)")
    return scenes


def _is_list(path: str) -> bool:
    lower = path.lower()
    return lower.endswith(LIST_SUFFIXES) and not lower.endswith("_mtl.txt")


def _read_list(path: str) -> list:
    """One scene per line (text) or per row (CSV: the `path` or `input` column, else the first);
    relative names are relative to the list's folder; blank lines and `#` comments skipped."""
    base = os.path.dirname(os.path.abspath(path))
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = [r for r in csv.reader(fh) if r and r[0].strip() and
                    not r[0].lstrip().startswith("#")]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"cannot read the list {path}: {exc}") from None
    column = 0
    if rows and path.lower().endswith(".csv"):
        header = [c.strip().lower() for c in rows[0]]
        named = [i for i, c in enumerate(header) if c in ("path", "input", "scene", "file")]
        if named:
            column, rows = named[0], rows[1:]
    entries = []
    for row in rows:
        if column >= len(row) or not row[column].strip():
            continue
        entry = os.path.expanduser(row[column].strip())
        entries.extend(_expand_one(entry if os.path.isabs(entry) else os.path.join(base, entry)))
    if not entries:
        raise InputError(f"the list {path} names no scenes")
    return entries


def _describe(path: str) -> BatchScene:
    name = os.path.basename(os.path.normpath(path))
    group = _group_from_name(name) or _group_from_mtl(path)
    try:
        with open_scene(path) as scene:
            profile = scene.profile
    except EngineError as exc:
        return BatchScene(path, group or UNKNOWN_GROUP, None, str(exc))
    except Exception as exc:  # whatever a damaged file raises, one scene must not stop a batch
        return BatchScene(path, group or UNKNOWN_GROUP, None,
                          f"cannot read {path}: {type(exc).__name__}: {exc}")
    if not group:
        group = _group_from_name(str(profile.tags.get("LANDSAT_PRODUCT_ID", "")))
    return BatchScene(path, group or UNKNOWN_GROUP, acquisition_date(profile, path))


def _group_from_name(name: str) -> str:
    m = _PRODUCT_ID.search(name) or _SCENE_ID.search(name)
    return f"{m.group(1)}{m.group(2)}" if m else ""


def _group_from_mtl(path: str) -> str:
    """WRS_PATH/WRS_ROW from the product's MTL (folder, MTL file or tarball); "" if none."""
    text = _mtl_text(path)
    if not text:
        return ""
    try:
        meta = parse_mtl(text)
        return f"{int(meta['WRS_PATH']):03d}{int(meta['WRS_ROW']):03d}"
    except (InputError, KeyError, ValueError):
        return ""


def _mtl_text(path: str) -> str:
    try:
        if os.path.isdir(path):
            mtls = sorted(n for n in os.listdir(path) if n.upper().endswith("_MTL.TXT"))
            path = os.path.join(path, mtls[0]) if len(mtls) == 1 else ""
        if path.upper().endswith("_MTL.TXT"):
            with open(path, encoding="utf-8", errors="replace") as fh:
                return fh.read()
        if path.lower().endswith(_TAR_SUFFIXES):
            with tarfile.open(path) as tar:
                for member in tar.getmembers():
                    if member.isfile() and member.name.upper().endswith("_MTL.TXT"):
                        return tar.extractfile(member).read().decode("utf-8", "replace")
    except (OSError, tarfile.TarError):
        return ""
    return ""
