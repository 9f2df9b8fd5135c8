"""Digest of everything the engine writes, for proving that a refactor changed no output.

Runs every fill method on the bundled Menindee sample and on the Lethbridge crop (simulated
gaps, 6 bands), the sidecars, the water job (default fill and no fill) and the evaluation
scores, then prints one JSON object: for each output the sha256 of its pixels, of its
georeferencing and of its tags (the software version tag left out). Run it before and after a
change and compare the two files:

    .venv/bin/python scripts/output_digest.py > before.json
    ... change ...
    .venv/bin/python scripts/output_digest.py > after.json && diff before.json after.json
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile

import rasterio

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(ROOT, "resources", "samples", "menindee_20100116.tif")
LETHBRIDGE = os.path.join(ROOT, "tests", "data", "lethbridge_le07_256")
WATER = [os.path.join(ROOT, "tests", "data", "menindee_water", f"menindee_{d}.tif")
         for d in ("20100116", "20100201", "20100508")]
METHODS = ("idw", "navier-stokes", "telea", "convcnp", "convlnp", "unet", "partialconv")
IGNORED_TAGS = {"PROCESSING_SOFTWARE"}


def engine(*args: str) -> str:
    """Run one CLI verb; a failure stops the digest (a broken verb is not 'no change')."""
    result = subprocess.run([sys.executable, "-m", "engine", *args], cwd=ROOT,
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"engine {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def digest(path: str) -> dict:
    with rasterio.open(path) as ds:
        pixels = hashlib.sha256(ds.read().tobytes()).hexdigest()
        grid = [ds.width, ds.height, ds.count, list(ds.dtypes), ds.nodata,
                ds.crs.to_wkt() if ds.crs else None, list(ds.transform)[:6],
                list(ds.descriptions)]
        try:
            colormap = ds.colormap(1)
        except ValueError:  # no colour table
            colormap = None
        tags = {k: v for k, v in ds.tags().items() if k not in IGNORED_TAGS}
        band_tags = [ds.tags(b) for b in range(1, ds.count + 1)]
        overviews = ds.overviews(1)
    return {"pixels": pixels,
            "grid": hashlib.sha256(json.dumps(grid, default=str).encode()).hexdigest(),
            "tags": hashlib.sha256(json.dumps([tags, band_tags], sort_keys=True).encode())
            .hexdigest(),
            "colormap": hashlib.sha256(json.dumps(colormap, sort_keys=True, default=str)
                                       .encode()).hexdigest() if colormap else None,
            "overviews": overviews}


def main() -> None:
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        lethbridge = os.path.join(tmp, "lethbridge_gaps.tif")
        engine("simulate", LETHBRIDGE, lethbridge, "--seed", "3")
        out["simulate/lethbridge"] = digest(lethbridge)
        for name, src in (("menindee", SAMPLE), ("lethbridge", lethbridge)):
            for method in METHODS:
                dst = os.path.join(tmp, f"{name}_{method}.tif")
                extra = ["--filled-mask"] + (["--uncertainty"] if method in ("convcnp", "convlnp")
                                             else [])
                engine("fill", src, dst, "--method", method, *extra)
                out[f"fill/{name}/{method}"] = digest(dst)
                out[f"fill/{name}/{method}/filled_mask"] = digest(
                    dst.replace(".tif", "_filled_mask.tif"))
                if "--uncertainty" in extra:
                    out[f"fill/{name}/{method}/uncertainty"] = digest(
                        dst.replace(".tif", "_uncertainty.tif"))
        for fill in ("auto", "none", "idw"):
            dst = os.path.join(tmp, f"water_{fill}.tif")
            engine("water", *WATER, dst, "--fill-method", fill)
            out[f"water/{fill}"] = digest(dst)
        # a date on another CRS and grid (GDAL warp to UTM 54S, 30 m): the alignment path
        warped = os.path.join(tmp, "may_utm.tif")
        subprocess.run(["gdalwarp", "-q", "-t_srs", "EPSG:32754", "-tr", "30", "30",
                        "-r", "near", WATER[2], warped], check=True)
        dst = os.path.join(tmp, "water_aligned.tif")
        engine("water", WATER[0], warped, dst, "--fill-method", "idw")
        out["water/aligned"] = digest(dst)
        scores = engine("evaluate", SAMPLE, "--seed", "0", "--methods", ",".join(METHODS))
        # every column but the last (seconds, which vary from run to run)
        out["evaluate/menindee"] = [" ".join(line.split()[:-1]) for line in scores.splitlines()
                                    if line.strip()]
        info = engine("info", SAMPLE)
        out["info/menindee"] = [line for line in info.splitlines() if line.strip()]
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
