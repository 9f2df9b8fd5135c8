"""The batch's record in OUTDIR: one JSON line per finished task, appended and flushed as it
finishes, so a batch killed at any moment keeps the record of everything done before; a torn
last line (killed mid-write) is ignored on reading. `--resume` trusts a record only while its
outputs are still on disk with the recorded size and SHA-256."""
from __future__ import annotations

import glob
import hashlib
import json
import os
from typing import Optional

MANIFEST_NAME = "batch_manifest.jsonl"
LOCK_NAME = ".batch.lock"
DONE, FAILED = "done", "failed"


def manifest_path(outdir: str) -> str:
    """Where the batch's manifest lives in `outdir`."""
    return os.path.join(outdir, MANIFEST_NAME)


def file_record(path: str) -> dict:
    """Name (relative to OUTDIR, so the folder can move), size and SHA-256 of one output."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return {"name": os.path.basename(path), "bytes": os.path.getsize(path),
            "sha256": digest.hexdigest()}


def append_record(outdir: str, record: dict) -> None:
    """Append one task's record and fsync it before returning, so a batch killed right after still
    has it on disk."""
    line = json.dumps(record, sort_keys=True) + "\n"
    with open(manifest_path(outdir), "a", encoding="utf-8") as fh:
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())


def load_records(outdir: str) -> dict:
    """task key -> its latest record (a rerun's record replaces an earlier one)."""
    records = {}
    try:
        with open(manifest_path(outdir), encoding="utf-8") as fh:
            lines = fh.readlines()
    except FileNotFoundError:
        return records
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and "key" in record:
            records[record["key"]] = record
    return records


def still_valid(record: Optional[dict], task, outdir: str) -> bool:
    """True when `record` says `task` (same inputs, same method) finished and every output
    it names is on disk unchanged."""
    if not record or record.get("status") != DONE:
        return False
    if record.get("method") != task.method or record.get("inputs") != list(task.inputs):
        return False
    outputs = record.get("outputs") or []
    if sorted(o.get("name") for o in outputs) != sorted(os.path.basename(p) for p in task.outputs):
        return False
    for out in outputs:
        path = os.path.join(outdir, out["name"])
        if not os.path.isfile(path) or os.path.getsize(path) != out.get("bytes"):
            return False
        if file_record(path)["sha256"] != out.get("sha256"):
            return False
    return True


def remove_partial_files(outdir: str) -> list:
    """Delete the hidden stage files of writers that were killed (the writer removes its own
    whenever it can unwind; SIGKILL and a lost node do not let it). Only safe while this batch
    holds OUTDIR's lock: no other writer is then at work there."""
    removed = []
    for path in glob.glob(os.path.join(glob.escape(outdir), ".*.partial-*")):
        try:
            os.remove(path)
            removed.append(path)
        except FileNotFoundError:
            pass
    return removed
