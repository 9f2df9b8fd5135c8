"""Where the time and the memory of a whole-scene neural fill go, per phase and per layer.

    python benchmarks/profile_neural_fill.py SCENE [--method convcnp] [--tile 512]
        [--tiles N] [--threads T] [--interop I]

Runs the engine's own tiled runner (`engine.runner.fill_scene`) on SCENE into an in-memory sink
and times its phases by wrapping the objects the runner calls: the scene's read and gap mask,
the statistics pass, the method's fill (the model forward), and the write. Inside the forward,
forward hooks time each top-level part of the model (SetConv, line interpolants, each U-Net
level, band mixers, the per-pixel head), and the process's RSS is sampled after each phase.
Only the first N tiles (default: all) are filled, so a 56 Mpx scene can be sampled in a
minute; pick N so that the tiles have the scene's gap share.

Prints one table per phase and per layer (seconds, share of the tile loop, peak RSS seen in
that phase); no file is written. The figures are for reasoning about where to look, not a
target: whole-process timings come from bench_fill_memory.py.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
if REPO not in sys.path:
    sys.path.insert(0, REPO)

import numpy as np  # noqa: E402


def rss_mb() -> float:
    """Current resident set size in MB (10^6 bytes), from /proc."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


class Clock:
    """Seconds and the highest RSS seen per named phase."""

    def __init__(self):
        self.seconds = defaultdict(float)
        self.calls = defaultdict(int)
        self.peak = defaultdict(float)

    def wrap(self, name, func):
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - t0
                self.calls[name] += 1
                self.peak[name] = max(self.peak[name], rss_mb())
        return timed


def hook_layers(model, clock: Clock) -> None:
    """Time the model's parts: forward hooks on the modules, and a wrapper on SetConv.write,
    which the ConvCNP calls in place of its forward (nested parts have rows of their own, so
    shares of nested rows overlap their parents)."""
    def parts():
        inner = getattr(model, "base", None) or model     # the reference model wraps a ConvCNP
        for name in ("lines", "head"):
            mod = getattr(inner, name, None)
            if mod is not None:
                yield name, mod
        cnn = getattr(inner, "cnn", None)
        for group in ("enc", "proj", "dec"):
            for i, mod in enumerate(getattr(cnn, group, ()) or ()):
                yield f"cnn.{group}[{i}]", mod
        for key, mod in (getattr(cnn, "mix", None) or {}).items():
            yield f"cnn.mix[{key}]", mod
        if inner is not model:
            for name, mod in model.named_children():
                if name != "base":
                    yield f"ref.{name}", mod

    inner = getattr(model, "base", None) or model
    setconv = getattr(inner, "setconv", None)
    if setconv is not None:
        setconv.write = clock.wrap("layer setconv", setconv.write)
    starts = {}
    for name, mod in parts():
        def pre(_m, _a, name=name):
            starts[name] = time.perf_counter()

        def post(_m, _a, _o, name=name):
            clock.seconds["layer " + name] += time.perf_counter() - starts[name]
            clock.calls["layer " + name] += 1
            clock.peak["layer " + name] = max(clock.peak["layer " + name], rss_mb())
        mod.register_forward_pre_hook(pre)
        mod.register_forward_hook(post)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scene")
    ap.add_argument("--method", default="convcnp")
    ap.add_argument("--tile", type=int, default=512)
    ap.add_argument("--tiles", type=int, default=0, help="fill only the first N tiles (0: all)")
    ap.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: default)")
    ap.add_argument("--interop", type=int, default=0, help="torch inter-op threads (0: default)")
    ap.add_argument("--gdal-cache-mb", type=int, default=0,
                    help="GDAL block cache cap (0: the fill job's own)")
    ap.add_argument("--trace-rss", type=int, default=0, metavar="N",
                    help="print the RSS after every N tiles (is memory flat along the scene?)")
    ap.add_argument("--default-malloc", action="store_true",
                    help="leave glibc's heap settings as they are (the command line tunes them)")
    args = ap.parse_args(argv)
    if not args.default_malloc:
        from engine.memory import keep_tile_buffers
        keep_tile_buffers()

    import torch
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.interop:
        torch.set_num_interop_threads(args.interop)

    from engine import runner as runner_mod
    from engine.io import open_scene
    from engine.io.gdal_env import gdal_cache
    from engine.methods import get_method
    from engine.runner import RunOptions, fill_scene

    clock = Clock()
    sink_counts = {"gaps": 0, "outer": 0}
    spec = get_method(args.method)
    base_factory = spec.factory

    def factory(device):
        method = base_factory(device)
        model = getattr(method, "predictor", method).model
        hook_layers(model, clock)
        fill = clock.wrap("model forward (method.fill)", method.fill)

        def counted(values, known, *rest):
            sink_counts["gaps"] += int(np.count_nonzero(~known))
            sink_counts["outer"] += known.size
            return fill(values, known, *rest)
        method.fill = counted
        return method

    object.__setattr__(spec, "factory", factory)
    runner_mod.scene_stats = clock.wrap("statistics pass", runner_mod.scene_stats)
    runner_mod.tile_gaps = clock.wrap("gap mask (tile_gaps)", runner_mod.tile_gaps)

    cache = gdal_cache(args.gdal_cache_mb) if args.gdal_cache_mb else gdal_cache()
    with cache, open_scene(args.scene) as scene:
        scene.read = clock.wrap("read (scene.read)", scene.read)
        scene.invalid = clock.wrap("invalid mask (scene.invalid)", scene.invalid)
        sink = _CountingSink(scene.profile, clock, args.tiles, args.trace_rss)
        t0 = time.perf_counter()
        try:
            report = fill_scene(scene, sink, RunOptions(args.method, tile_px=args.tile))
        except _CountingSink.Enough:
            report = None
        loop_s = time.perf_counter() - t0
    stats_s = clock.seconds.get("statistics pass", 0.0)
    tile_s = loop_s - stats_s
    print(f"scene {args.scene}: {scene.profile.width} x {scene.profile.height} x "
          f"{scene.profile.count}; method {args.method}; tile {args.tile}; torch threads "
          f"{torch.get_num_threads()} / interop {torch.get_num_interop_threads()}")
    print(f"tiles written {sink.tiles}; gaps {100 * sink_counts['gaps'] / max(1, sink_counts['outer']):.1f} % "
          f"of the filled tiles' band-pixels (with halo); "
          f"statistics {stats_s:.2f} s, tile loop {tile_s:.2f} s "
          f"({sink.pixels / max(tile_s, 1e-9) / 1e6 / scene.profile.count:.3f} Mpx/s)")
    print(f"peak RSS of the process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB")
    print()
    print("| phase / layer | calls | s | % of tile loop | peak RSS MB |")
    print("|---|---|---|---|---|")
    for name in sorted(clock.seconds, key=lambda n: (n.startswith("layer"), -clock.seconds[n])):
        if name == "statistics pass":
            continue
        s = clock.seconds[name]
        print(f"| {name} | {clock.calls[name]} | {s:.2f} | {100 * s / max(tile_s, 1e-9):.1f} | "
              f"{clock.peak[name]:.0f} |")
    del report
    return 0


class _CountingSink:
    """An in-memory sink that keeps nothing: counts tiles and gap pixels, stops after N tiles."""

    class Enough(Exception):
        pass

    def __init__(self, profile, clock, limit, trace=0):
        self.profile, self.clock, self.limit, self.trace = profile, clock, limit, trace
        self.tiles = self.pixels = 0
        self.write = clock.wrap("write (sink)", self._write)

    def wants(self, key):
        return False

    def _write(self, window, data, key="main"):
        self.tiles += 1
        self.pixels += data.size
        if self.trace and self.tiles % self.trace == 0:
            print(f"after {self.tiles} tiles: RSS {rss_mb():.0f} MB", flush=True)
        if self.limit and self.tiles >= self.limit:
            raise self.Enough()


if __name__ == "__main__":
    sys.exit(main())
