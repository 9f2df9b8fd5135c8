"""The engine's heap settings for tile loops (engine.memory): the heap is handed back above the
ceiling only, and only in processes that chose the tile-loop settings (a host such as QGIS that
runs the engine in its own process keeps its allocator untouched)."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc heap")


def _run(code: str) -> str:
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    return res.stdout.strip()


def test_the_heap_is_given_back_above_the_ceiling_only_once_chosen():
    out = _run(
        "from engine import memory\n"
        "untuned = memory.release_above(0)\n"            # default heap: never touched
        "assert memory.keep_tile_buffers()\n"
        "import numpy as np\n"
        # 30 blocks of 10 MB: heap blocks whatever mmap threshold this glibc accepted
        "a = [np.ones(10_000_000 // 8) for _ in range(30)]; rss = memory.resident_mb(); del a\n"
        "kept = memory.resident_mb()\n"
        "below = memory.release_above(kept + 100)\n"      # under the ceiling: nothing done
        "above = memory.release_above(kept - 100)\n"      # over it: the free pages go back
        "print(untuned, below, above, round(rss), round(kept), round(memory.resident_mb()))")
    untuned, below, above, rss, kept, after = out.split()
    assert (untuned, below, above) == ("False", "False", "True")
    assert float(kept) > float(rss) - 50          # freed but kept in the heap (no trim)
    assert float(after) < float(kept) - 250       # handed back
