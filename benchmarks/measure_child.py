"""Run one command and print, as one JSON line on stdout, its wall time and its own peak memory.

    python benchmarks/measure_child.py [--timeout S] [--log FILE] -- COMMAND [ARGS...]

Why a separate, standard-library-only process: on Linux a child's `ru_maxrss` (from `os.wait4`
or RUSAGE_CHILDREN) is at least the high-water RSS of the process that forked it, because the
parent's address space is what `exec` replaces. A benchmark that has built scenes or read
outputs (hundreds of MB) would therefore inflate every later measurement. This launcher is a
fresh small interpreter (about 10-15 MB), so the peak it reports is the command's own.

It also samples the command's VmRSS from /proc every 0.2 s, to tell when the peak happens.
Output fields: rc, wall_s, cpu_s (user + system), peak_rss_mb (MB = 10^6 bytes, from wait4),
launcher_rss_mb (this launcher's own peak: the floor below which peak_rss_mb cannot be
trusted), timed_out, samples ([seconds, MB] pairs).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time

SAMPLE_S = 0.2


def sample_rss(pid: int, start: float, samples: list, done: threading.Event) -> None:
    path = f"/proc/{pid}/status"
    while not done.is_set():
        try:
            with open(path) as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        samples.append([round(time.perf_counter() - start, 2),
                                        round(int(line.split()[1]) * 1024 / 1e6, 1)])
                        break
        except (OSError, ValueError):
            pass
        done.wait(SAMPLE_S)


def own_hwm_mb() -> float:
    """High-water RSS of this process's own address space (VmHWM; RUSAGE_SELF would include the
    parent's, for the reason above)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / 1e6
    except (OSError, ValueError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--timeout", type=float, default=0, help="kill after S seconds (0: never)")
    ap.add_argument("--log", default=os.devnull, help="file for the command's stdout+stderr")
    ap.add_argument("--cwd", default=None, help="working folder of the command")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args(argv)
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not cmd:
        ap.error("no command given")
    launcher_rss_mb = own_hwm_mb()
    samples: list = []
    done = threading.Event()
    killed = threading.Event()
    with open(args.log, "w") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=args.cwd, stdout=log, stderr=subprocess.STDOUT)
        sampler = threading.Thread(target=sample_rss, args=(proc.pid, start, samples, done),
                                   daemon=True)
        sampler.start()

        def kill():
            killed.set()
            proc.kill()

        timer = threading.Timer(args.timeout, kill) if args.timeout > 0 else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if timer:
            timer.cancel()
        done.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    print(json.dumps({
        "rc": proc.returncode, "wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss * 1024 / 1e6,  # Linux reports ru_maxrss in KiB
        "launcher_rss_mb": launcher_rss_mb, "timed_out": killed.is_set(), "samples": samples}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
