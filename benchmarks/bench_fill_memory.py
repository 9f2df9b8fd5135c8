"""Whole-scene memory and speed benchmark of the tiled fills (classical and neural) and the water
job.

    python benchmarks/bench_fill_memory.py [--sizes 8000x7000,11314x9900]
        [--methods navier-stokes,convcnp] [--water] [--workdir out/bench] [--keep]
        [--device auto|cpu|cuda] [--tile-batch N] [--footprint]

For every size (WIDTH x HEIGHT) a 6-band uint8 SLC-off scene is built from real Landsat 7 pixels
by make_big_scene.py (cached in the work folder); `--footprint` gives it a whole scene's rotated
frame of nodata, a third of the raster, as real Landsat products have. For every method and size, the real command
line `python -m engine fill INPUT OUTPUT --method M --tile 512 --device D --tile-batch N --quiet`
runs as a fresh child process, started by measure_child.py, which takes its wall time and its own peak resident set
size from `os.wait4` (the rusage of that one child, unlike RUSAGE_CHILDREN, which is a maximum
over all children reaped so far) and samples its VmRSS from /proc every 0.2 s to show when the
peak happens (tile loop or final cloud-optimised GeoTIFF conversion). `--water` also runs
`python -m engine water` on the three full Menindee dates of ../shared/data (stacked into
3-band GeoTIFFs by training.water.stack_menindee, cached), with its default fill.

Where torch sees a CUDA GPU, `--device auto` (the default) runs the networks there with the
engine's default tile batch on a GPU (`--tile-batch` overrides it), the machine line names the
GPU and every row says where it ran: the same benchmark, the same checks. The classical fills,
and so the speed ratio's baseline, stay on the CPU.

Targets checked (issues "whole-scene classical fill" and "whole-scene neural fill"):
  * peak RSS of every run (fills and the water job) at most 1.2 GB (1200 MB, MB = 10^6 bytes);
  * per method, peak RSS on each larger scene within 10 % of that on the smallest (the
    "baseline" scene): memory must not grow with the scene size;
  * the default neural method (convcnp) on each scene within 3x the wall time of
    navier-stokes in the same run (when both ran), and at most 5 minutes on 8000 x 7000.

So that a broken run cannot pass unnoticed, every output is checked before it is deleted:
same grid, 6 bands, uint8, internal tiles and overviews; the band-pixels the engine reports as
filled equal the gaps that were burned; and in sampled 512 x 512 windows, no nodata remains
inside the footprint (save slivers of stripes along its edge, counted and reported: at most
EDGE_TOLERANCE of the gaps, see docs/benchmarks.md) and all of the frame outside it is still
nodata, every non-gap pixel equals the input bit for bit, and the filled pixels are at least twice as
close to the true (pre-gap) values as a flat per-band mean would be.

Exit status: 0 when every target and check passes, 1 otherwise. Results also go to
WORKDIR/results.json. Outputs are deleted after measuring unless --keep; input scenes are kept
as a cache.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
for path in (REPO, HERE):
    if path not in sys.path:
        sys.path.insert(0, path)

import rasterio  # noqa: E402
from rasterio.windows import Window  # noqa: E402

from make_big_scene import BigScene, default_source, make_big_scene  # noqa: E402

RSS_LIMIT_MB = 1200.0
RSS_TOLERANCE = 0.10
DEFAULT_SIZES = "8000x7000,11314x9900"
DEFAULT_METHODS = "navier-stokes,idw,convcnp"
BASELINE = "navier-stokes"            # the speed ratio's reference, run in the same benchmark
DEFAULT_NEURAL = "convcnp"
MAX_RATIO_TO_BASELINE = 3.0
MAX_NEURAL_WALL_S = {(8000, 7000): 300.0}
MENINDEE = os.path.join(REPO, "..", "shared", "data", "menindee_l7_slcoff_2010")
CHECK_WINDOW_PX = 512
# With --footprint: the share of gap band-pixels that may stay nodata within EDGE_PX of the
# frame (slivers of stripes that lie along the footprint's shallow edges, which no column- or
# row-wise rule tells from the frame); anything more, or anywhere else, is a problem.
EDGE_TOLERANCE = 0.005
EDGE_PX = 8


def parse_sizes(text: str) -> list:
    sizes = []
    for item in text.split(","):
        m = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", item)
        if not m:
            raise argparse.ArgumentTypeError(f"size {item!r} is not WIDTHxHEIGHT")
        sizes.append((int(m.group(1)), int(m.group(2))))
    return sorted(sizes, key=lambda s: s[0] * s[1])


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def engine_fingerprint() -> str:
    """Short hash of every engine module (path and source), so a result names the code it
    measured. All of them: the networks load inside a method's factory, after the command's
    imports, so hashing only what `python -m engine fill` imports missed every model change."""
    import hashlib

    digest = hashlib.sha256()
    root = os.path.join(REPO, "engine")
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(f for f in files if f.endswith(".py")):
            path = os.path.join(folder, name)
            digest.update(os.path.relpath(path, REPO).encode())
            with open(path, "rb") as fh:
                digest.update(fh.read())
    return digest.hexdigest()[:12]


def gpu_summary() -> str:
    """The GPU torch sees here, or why none ("" when torch is missing)."""
    try:
        import torch
    except ImportError:
        return ""
    if not torch.cuda.is_available():
        return "none (torch sees no CUDA GPU: the networks run on the CPU)"
    props = torch.cuda.get_device_properties(0)
    return f"{props.name}, {props.total_memory / 2 ** 30:.0f} GiB"


def machine_summary() -> str:
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    return (f"{os.cpu_count()} logical CPUs ({cpu_model()}), {mem_gb:.1f} GB RAM, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}")


def run_child(cmd: list, log_path: str, timeout_s: float, env: dict = None) -> dict:
    """Run `cmd` under measure_child.py (a fresh, small launcher: see there why) and return its
    wall time, exit code, CPU time, own peak RSS and RSS samples."""
    launcher = [sys.executable, os.path.join(HERE, "measure_child.py"), "--log", log_path,
                "--cwd", REPO, "--timeout", str(timeout_s or 0), "--"]
    done = subprocess.run(launcher + cmd, capture_output=True, text=True, check=False,
                          env=env)
    if done.returncode != 0 or not done.stdout.strip():
        raise SystemExit(f"bench: measure_child.py failed: {done.stderr.strip()}")
    res = json.loads(done.stdout.strip().splitlines()[-1])
    with open(log_path) as fh:
        res["log"] = fh.read()
    samples = res["samples"]
    res["peak_at_s"] = max(samples, key=lambda s: s[1])[0] if samples else float("nan")
    res["rss_samples"] = samples
    return res


def check_output(input_path: str, output_path: str, scene: BigScene, gap_pixels: int,
                 reported_band_pixels: int, windows: int, seed: int) -> list:
    """Problems found in the output (empty list = looks right)."""
    problems = []
    with rasterio.open(input_path) as src, rasterio.open(output_path) as out:
        if (out.width, out.height, out.count, out.dtypes[0]) != (
                src.width, src.height, src.count, src.dtypes[0]):
            return [f"output is {out.width}x{out.height}x{out.count} {out.dtypes[0]}, input "
                    f"{src.width}x{src.height}x{src.count} {src.dtypes[0]}"]
        if out.crs != src.crs or not out.transform.almost_equals(src.transform):
            problems.append("output grid (CRS/transform) differs from the input's")
        if not out.profile.get("tiled") or not out.overviews(1):
            problems.append("output is not a tiled GeoTIFF with overviews (not a COG)")
        expected = gap_pixels * src.count
        check_output.edge_left = expected - reported_band_pixels
        slack = int(EDGE_TOLERANCE * expected) if scene.footprint else 0
        if not 0 <= expected - reported_band_pixels <= slack:
            problems.append(f"engine filled {reported_band_pixels} band-pixels, "
                            f"{expected} were burned")
        rng = np.random.default_rng(seed)
        h, w = src.height, src.width
        k = min(CHECK_WINDOW_PX, h, w)
        corners = [(0, 0), (h - k, w - k), (0, w - k), (h - k, 0)]
        corners += [(int(rng.integers(0, h - k + 1)), int(rng.integers(0, w - k + 1)))
                    for _ in range(max(0, windows - len(corners)))]
        err_fill = err_flat = 0.0
        n_gap = 0
        for r0, c0 in corners[:max(windows, 1)]:
            win = Window(c0, r0, k, k)
            a, b = src.read(window=win), out.read(window=win)
            clean = scene.clean_window(win)
            outside = np.broadcast_to(scene.outside_window(win), a.shape)
            gap = (a == src.nodata) & ~outside
            burned = scene.gap_window(win)
            if not np.array_equal(a == src.nodata, np.broadcast_to(burned, gap.shape) | outside):
                problems.append(f"input window at row {r0}, col {c0}: nodata is not exactly "
                                "the burned gaps and frame (stale or foreign input?)")
            left = (b == out.nodata) & ~outside
            if scene.footprint:   # slivers along the edge are counted above, not here
                from scipy.ndimage import binary_dilation

                left &= ~binary_dilation(outside[0], iterations=EDGE_PX)[None]
            if np.any(left):
                problems.append(f"window at row {r0}, col {c0}: "
                                f"{int(np.count_nonzero(left))} nodata "
                                "band-pixels left inside the footprint")
            if not np.all(b[outside] == out.nodata):
                problems.append(f"window at row {r0}, col {c0}: the frame outside the "
                                "footprint was filled")
            if not np.array_equal(a[~gap], b[~gap]):
                problems.append(f"window at row {r0}, col {c0}: "
                                f"{int(np.count_nonzero(a[~gap] != b[~gap]))} non-gap "
                                "band-pixels changed")
            for band in range(a.shape[0]):
                g = gap[band]
                if g.any():
                    truth = clean[band][g].astype(np.float64)
                    flat = a[band][~g].astype(np.float64).mean()
                    err_fill += np.abs(b[band][g].astype(np.float64) - truth).sum()
                    err_flat += np.abs(flat - truth).sum()
                    n_gap += int(g.sum())
        if n_gap:
            mae, mae_flat = err_fill / n_gap, err_flat / n_gap
            check_output.last_mae = (mae, mae_flat)
            if not mae * 2 <= mae_flat:
                problems.append(f"filled pixels are off by {mae:.2f} DN on average, a flat "
                                f"per-band mean by {mae_flat:.2f} DN: not a real fill")
        else:
            check_output.last_mae = (float("nan"), float("nan"))
    return problems


check_output.last_mae = (float("nan"), float("nan"))
check_output.edge_left = 0


def parse_report(log: str) -> tuple:
    """(band-pixels filled, device, fill-loop seconds) from the CLI's summary line."""
    m = re.search(r"filled (\d+) band-pixels .* on (\S+) in ([\d.]+) s", log)
    return (int(m.group(1)), m.group(2), float(m.group(3))) if m else (-1, "?", float("nan"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=parse_sizes, default=parse_sizes(DEFAULT_SIZES),
                    help=f"comma-separated WIDTHxHEIGHT scenes (default {DEFAULT_SIZES}); the "
                         "smallest is the baseline of the RSS ratio")
    ap.add_argument("--methods", default=DEFAULT_METHODS,
                    help=f"comma-separated fill methods (default {DEFAULT_METHODS})")
    ap.add_argument("--workdir", default=os.path.join(REPO, "out", "bench"),
                    help="scratch folder for scenes and outputs (default out/bench)")
    ap.add_argument("--keep", action="store_true", help="keep the filled outputs")
    ap.add_argument("--tile", type=int, default=512, help="engine tile size (default 512)")
    ap.add_argument("--seed", type=int, default=0, help="SLC-off gap seed (default 0)")
    ap.add_argument("--source", help="clean Landsat 7 product folder for make_big_scene.py")
    ap.add_argument("--check-windows", type=int, default=8,
                    help="512 px windows sampled per output for the correctness check (default 8)")
    ap.add_argument("--timeout-min", type=float, default=0,
                    help="kill a fill that runs longer than this (default: no limit)")
    ap.add_argument("--water", action="store_true",
                    help="also run the water job on the three full Menindee dates")
    ap.add_argument("--gdal-cache-mb", type=int, default=None,
                    help="diagnostic: run the fills with GDAL_CACHEMAX set to this many MB "
                         "(default: leave GDAL's own default, which is what users get)")
    ap.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"),
                    help="where the networks run (default auto: a CUDA GPU when torch sees one)")
    ap.add_argument("--footprint", action="store_true",
                    help="scenes with a whole Landsat scene's rotated frame of nodata")
    ap.add_argument("--tile-batch", type=int, default=0,
                    help="tiles per network call (default 0: the engine's choice for the device)")
    args = ap.parse_args(argv)
    env = dict(os.environ)
    if args.gdal_cache_mb is not None:
        env["GDAL_CACHEMAX"] = str(args.gdal_cache_mb)
        print(f"note: GDAL_CACHEMAX={args.gdal_cache_mb} (MB) in the fill processes")
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    workdir = os.path.abspath(args.workdir)
    os.makedirs(workdir, exist_ok=True)
    source = args.source or default_source()

    fingerprint = engine_fingerprint()
    print(f"machine: {machine_summary()}")
    print(f"gpu:     {gpu_summary() or 'unknown (no torch in this interpreter)'}")
    print(f"engine:  fingerprint {fingerprint} (sha256 of the engine modules the fill loads)")
    print(f"source:  {os.path.relpath(source, REPO)}")
    scenes = {}
    for width, height in args.sizes:
        frame = "_footprint" if args.footprint else ""
        path = os.path.join(workdir, f"scene_{width}x{height}_seed{args.seed}{frame}.tif")
        made = make_big_scene(width, height, path, args.seed, source, footprint=args.footprint)
        scenes[(width, height)] = (made, BigScene(width, height, args.seed, source,
                                                  args.footprint))

    base = run_child([sys.executable, "-m", "engine", "--version"],
                     os.path.join(workdir, "startup.log"), 0)
    print(f"startup: `python -m engine --version` peaks at {base['peak_rss_mb']:.0f} MB RSS "
          "(interpreter and engine imports)\n")

    rows = []
    for method in methods:
        for width, height in args.sizes:
            made, scene = scenes[(width, height)]
            name = f"{method}_{width}x{height}"
            output = os.path.join(workdir, f"filled_{name}.tif")
            if os.path.exists(output):
                os.remove(output)
            cmd = [sys.executable, "-m", "engine", "fill", made["path"], output,
                   "--method", method, "--tile", str(args.tile), "--device", args.device,
                   "--tile-batch", str(args.tile_batch), "--quiet"]
            print(f"running: {' '.join(cmd[1:])}", flush=True)
            load = os.getloadavg()[0]  # 1-min load average: other work skews wall times
            res = run_child(cmd, os.path.join(workdir, f"{name}.log"), args.timeout_min * 60,
                            env)
            band_pixels, device, loop_s = parse_report(res["log"])
            mpx = width * height / 1e6
            row = {"method": method, "device": device, "tile_batch": args.tile_batch,
                   "width": width, "height": height, "mpx": mpx, "bands": 6,
                   "gap_fraction": made["gap_fraction"], "wall_s": res["wall_s"],
                   "fill_loop_s": loop_s, "cpu_s": res["cpu_s"],
                   "mpx_per_s": mpx / res["wall_s"], "peak_rss_mb": res["peak_rss_mb"],
                   "peak_at_s": res["peak_at_s"], "rc": res["rc"],
                   "timed_out": res["timed_out"], "load_before": load,
                   "load_after": os.getloadavg()[0], "problems": []}
            if res["rc"] != 0:
                tail = res["log"].strip().splitlines()[-1:] or ["(no output)"]
                row["problems"].append("timed out" if res["timed_out"] else
                                       f"exit code {res['rc']}: {tail[0]}")
            else:
                row["problems"] = check_output(made["path"], output, scene, made["gap_pixels"],
                                               band_pixels, args.check_windows, args.seed)
                row["mae_dn"], row["mae_flat_dn"] = check_output.last_mae
                row["gaps_left_at_edge"] = check_output.edge_left
            with open(os.path.join(workdir, f"{name}.rss.csv"), "w") as fh:
                fh.write("seconds,rss_mb\n")
                fh.writelines(f"{t:.2f},{mb:.1f}\n" for t, mb in res["rss_samples"])
            if not args.keep and os.path.exists(output):
                os.remove(output)
            rows.append(row)
            status = "ok" if not row["problems"] else "; ".join(row["problems"])
            print(f"  {res['wall_s']:.1f} s wall, {res['cpu_s']:.1f} s CPU, "
                  f"{res['peak_rss_mb']:.0f} MB peak RSS (at {res['peak_at_s']:.0f} s), "
                  f"load {load:.1f} -> {row['load_after']:.1f}, output check: {status}",
                  flush=True)

    water = run_water(workdir, env, args.timeout_min * 60) if args.water else None
    verdicts = report(rows, args.sizes, methods, water)
    if engine_fingerprint() != fingerprint:
        print("WARNING: the engine's fill code changed while the benchmark ran; rerun it")
        verdicts.append({"target": "engine fill code unchanged during the run", "value": None,
                         "pass": False})
    with open(os.path.join(workdir, "results.json"), "w") as fh:
        json.dump({"machine": machine_summary(), "gpu": gpu_summary(), "source": os.path.relpath(source, REPO),
                   "startup_rss_mb": base["peak_rss_mb"], "tile": args.tile, "seed": args.seed,
                   "footprint": args.footprint,
                   "gdal_cache_mb": args.gdal_cache_mb, "engine_fingerprint": fingerprint,
                   "runs": rows, "water": water, "verdicts": verdicts}, fh, indent=1)
    return 0 if all(v["pass"] for v in verdicts) else 1


def run_water(workdir: str, env: dict, timeout_s: float) -> dict:
    """The water job on the three full Menindee dates (2700 x 1000 px each, 3 bands), with its
    default fill, as a fresh child: wall and CPU time, peak RSS, and a check of the classes."""
    stacks = os.path.join(workdir, "menindee_dates")
    dates = [os.path.join(stacks, f"menindee_{d}.tif") for d in ("20100116", "20100201", "20100508")]
    if not all(os.path.exists(d) for d in dates):
        subprocess.run([sys.executable, "-m", "training.water.stack_menindee", "--src", MENINDEE,
                        "--out", stacks], cwd=REPO, check=True)
    dates = sorted(os.path.join(stacks, f) for f in os.listdir(stacks) if f.endswith(".tif"))
    output = os.path.join(workdir, "water_menindee.tif")
    if os.path.exists(output):
        os.remove(output)
    cmd = [sys.executable, "-m", "engine", "water", *dates, output, "--quiet"]
    print(f"running: {' '.join(cmd[1:])}", flush=True)
    load = os.getloadavg()[0]
    res = run_child(cmd, os.path.join(workdir, "water_menindee.log"), timeout_s, env)
    problems = []
    if res["rc"] != 0:
        problems.append(f"exit code {res['rc']}: {res['log'].strip().splitlines()[-1:]}")
    else:
        with rasterio.open(output) as out, rasterio.open(dates[0]) as first:
            classes = out.read(1)
            if (out.width, out.height) != (first.width, first.height):
                problems.append("water classes are not on the first date's grid")
            if not np.isin(classes, (0, 1, 2, 3, 255)).all() or not (classes == 3).any():
                problems.append("water classes hold unexpected values or no permanent water")
    if os.path.exists(output):
        os.remove(output)
    print(f"  {res['wall_s']:.1f} s wall, {res['cpu_s']:.1f} s CPU, {res['peak_rss_mb']:.0f} MB "
          f"peak RSS (at {res['peak_at_s']:.0f} s), load {load:.1f} -> {os.getloadavg()[0]:.1f}, "
          f"check: {'ok' if not problems else '; '.join(problems)}", flush=True)
    return {"dates": [os.path.basename(d) for d in dates], "wall_s": res["wall_s"],
            "cpu_s": res["cpu_s"], "peak_rss_mb": res["peak_rss_mb"], "rc": res["rc"],
            "load_before": load, "problems": problems}


def report(rows: list, sizes: list, methods: list, water: dict = None) -> list:
    print()
    head = (f"{'method':<14} {'device':>6} {'scene (W x H)':>14} {'Mpx':>6} {'bands':>5} {'gaps %':>6} "
            f"{'wall s':>7} {'loop s':>7} {'CPU s':>7} {'Mpx/s':>6} {'Mpx/CPU-s':>9} "
            f"{'peak RSS MB':>11} "
            f"{'<= 1.2 GB':>9} {'x ' + BASELINE:>16} {'output':>6}")
    print(head)
    print("-" * len(head))
    verdicts = []
    for r in rows:
        rss_ok = r["rc"] == 0 and r["peak_rss_mb"] <= RSS_LIMIT_MB
        base = next((b for b in rows if b["method"] == BASELINE and b["rc"] == 0
                     and (b["width"], b["height"]) == (r["width"], r["height"])), None)
        r["ratio_to_baseline"] = r["wall_s"] / base["wall_s"] if base and not r["rc"] else None
        ratio = f"{r['ratio_to_baseline']:.2f}" if r["ratio_to_baseline"] else "-"
        gaps = f"{100 * r['gap_fraction']:.1f}" if r["gap_fraction"] is not None else "?"
        print(f"{r['method']:<14} {r['device']:>6} {r['width']:>6} x {r['height']:<5} "
              f"{r['mpx']:>6.1f} "
              f"{r['bands']:>5} {gaps:>6} {r['wall_s']:>7.1f} {r['fill_loop_s']:>7.1f} "
              f"{r['cpu_s']:>7.1f} {r['mpx_per_s']:>6.2f} "
              f"{r['mpx'] / max(r['cpu_s'], 1e-9):>9.2f} "
              f"{r['peak_rss_mb']:>11.0f} "
              f"{'PASS' if rss_ok else 'FAIL':>9} {ratio:>16} "
              f"{'ok' if not r['problems'] else 'BAD':>6}")
        verdicts.append({"target": f"{r['method']} {r['width']}x{r['height']}: peak RSS <= "
                                   f"{RSS_LIMIT_MB:.0f} MB and output correct",
                         "value": round(r["peak_rss_mb"], 1),
                         "pass": rss_ok and not r["problems"]})
        if r["method"] == DEFAULT_NEURAL and r["ratio_to_baseline"] is not None:
            verdicts.append({"target": f"{r['method']} {r['width']}x{r['height']}: wall time <= "
                                       f"{MAX_RATIO_TO_BASELINE:g}x {BASELINE}",
                             "value": round(r["ratio_to_baseline"], 2),
                             "pass": r["ratio_to_baseline"] <= MAX_RATIO_TO_BASELINE})
        limit = MAX_NEURAL_WALL_S.get((r["width"], r["height"]))
        if r["method"] == DEFAULT_NEURAL and limit and not r["rc"]:
            verdicts.append({"target": f"{r['method']} {r['width']}x{r['height']}: wall time <= "
                                       f"{limit:.0f} s", "value": round(r["wall_s"], 1),
                             "pass": r["wall_s"] <= limit})
    if water is not None:
        ok = not water["problems"] and water["peak_rss_mb"] <= RSS_LIMIT_MB
        print(f"{'water (3 dates)':<14} {'-':>6} {'2700 x 1000':>14} {2.7:>6.1f} {3:>5} {'-':>6} "
              f"{water['wall_s']:>7.1f} {'-':>7} {water['cpu_s']:>7.1f} {'-':>6} {'-':>9} "
              f"{water['peak_rss_mb']:>11.0f} {'PASS' if ok else 'FAIL':>9} {'-':>16} "
              f"{'ok' if not water['problems'] else 'BAD':>6}")
        verdicts.append({"target": f"water job on the full Menindee dates: peak RSS <= "
                                   f"{RSS_LIMIT_MB:.0f} MB and classes written",
                         "value": round(water["peak_rss_mb"], 1), "pass": ok})
    print()
    small = sizes[0]
    for large in sizes[1:]:
        for method in methods:
            by = {(r["width"], r["height"]): r for r in rows if r["method"] == method}
            a, b = by.get(small), by.get(large)
            if not a or not b or a["rc"] or b["rc"]:
                print(f"{method}: RSS ratio not available (a run failed)")
                verdicts.append({"target": f"{method}: RSS ratio", "value": None, "pass": False})
                continue
            ratio = b["peak_rss_mb"] / a["peak_rss_mb"]
            ok = ratio <= 1 + RSS_TOLERANCE
            print(f"{method:<14} RSS ratio {large[0]}x{large[1]} / {small[0]}x{small[1]} "
                  f"({b['mpx'] / a['mpx']:.2f}x the pixels): {b['peak_rss_mb']:.0f} / "
                  f"{a['peak_rss_mb']:.0f} MB = {ratio:.3f}  "
                  f"{'PASS' if ok else 'FAIL'} (target <= {1 + RSS_TOLERANCE:.2f})")
            verdicts.append({"target": f"{method}: peak RSS {large[0]}x{large[1]} within "
                                       f"{100 * RSS_TOLERANCE:.0f} % of {small[0]}x{small[1]}",
                             "value": round(ratio, 3), "pass": ok})
    for r in rows:
        for p in r["problems"]:
            print(f"PROBLEM {r['method']} {r['width']}x{r['height']}: {p}")
        if r.get("gaps_left_at_edge"):
            gaps = r["mpx"] * 1e6 * r["bands"] * r["gap_fraction"]
            print(f"edge {r['method']} {r['width']}x{r['height']}: {r['gaps_left_at_edge']} gap "
                  "band-pixels left nodata along the footprint's edge "
                  f"({100 * r['gaps_left_at_edge'] / max(gaps, 1):.2f} % of the gaps)")
        if "mae_dn" in r:
            print(f"accuracy {r['method']} {r['width']}x{r['height']}: filled pixels off by "
                  f"{r['mae_dn']:.2f} DN on average in the sampled windows (flat per-band "
                  f"mean: {r['mae_flat_dn']:.2f} DN)")
    passed = all(v["pass"] for v in verdicts)
    print(f"\nverdict: {'PASS' if passed else 'FAIL'} "
          f"({sum(v['pass'] for v in verdicts)} of {len(verdicts)} targets met)")
    return verdicts


if __name__ == "__main__":
    sys.exit(main())
