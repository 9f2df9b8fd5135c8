"""Evidence of the kernel's out-of-memory killer, so a worker ended by SIGKILL is called "out
of memory" only when it was: the signal alone is also what `kill -9`, a session manager or a
container runtime sends. Linux counts OOM kills system-wide (/proc/vmstat `oom_kill`, 4.13+)
and per cgroup (cgroup v2 `memory.events`); elsewhere there is no evidence (None)."""
from __future__ import annotations

import os
from typing import Optional

VMSTAT = "/proc/vmstat"
CGROUP_ROOT = "/sys/fs/cgroup"


def oom_kills() -> Optional[int]:
    """OOM kills counted so far where this process can see them, None when it cannot tell."""
    counts = [c for c in (_vmstat_count(), _cgroup_count()) if c is not None]
    return sum(counts) if counts else None


def _vmstat_count() -> Optional[int]:
    return _field(VMSTAT, "oom_kill")


def _cgroup_count() -> Optional[int]:
    try:
        with open("/proc/self/cgroup", encoding="ascii") as fh:
            unified = [line.split(":", 2)[2].strip() for line in fh if line.startswith("0::")]
    except OSError:
        return None
    if not unified:
        return None
    return _field(os.path.join(CGROUP_ROOT, unified[0].lstrip("/"), "memory.events"),
                  "oom_kill")


def _field(path: str, name: str) -> Optional[int]:
    try:
        with open(path, encoding="ascii") as fh:
            for line in fh:
                key, _, value = line.partition(" ")
                if key == name:
                    return int(value)
    except (OSError, ValueError):
        return None
    return None
