"""Build a whole-scene-sized Landsat 7 SLC-off test raster from REAL Landsat 7 pixels, without
ever holding the scene in memory.

    python benchmarks/make_big_scene.py WIDTH HEIGHT OUTPUT [--seed N] [--source FOLDER]
        [--footprint]

The clean content is a pre-2003 (SLC-on) Landsat 7 ETM+ product, Lethbridge 2000-08-21, bands 1-5
and 7 as uint8 DN. An all-valid rectangle of it (found by peeling off the border rows and columns
that hold the product's scene-edge fill) is tiled over the output by mirroring: pixel (r, c) of the
output takes source pixel (reflect(r), reflect(c)), with reflect folding the index back and forth
over the rectangle, so neighbouring copies meet along mirror lines and there are no hard seams for a
fill method to trip over. Source: the larger product `../shared/data/lethbridge_2000/LE07` beside
the repository when it exists, else the crop committed in `tests/data/lethbridge_le07_256` (works on
any checkout), or whatever `--source` names.

The scene is assembled and written one strip of 512 rows at a time; SLC-off gaps are burned into
each strip as nodata (0) with the engine's own simulator: `simulate_slc_off_mask` is given each
window's offsets and the full scene size, so the stripes have the geometry of one scene of that size
(a 185 km swath has ~22 % gaps; a raster wider than the swath keeps the edge gap width beyond it, so
wider rasters have more).

`--footprint` also burns a whole scene's rotated frame as nodata (0), as every Landsat L1
product has it: the four corners of the footprint of a real Landsat 7 scene (path 38 row 27,
2007-05-16, `tests/data/slcoff_fullscene_2007_300.tif`), as fractions of the raster's width and
height, leave a third of the raster outside the footprint. Gaps are burned inside it only. This
is what a fill meets on a real whole scene: unknown pixels that are not gaps (the engine must
leave them nodata, and should not spend work on them).

The output is a tiled (512 px), deflate-compressed uint8 GeoTIFF with nodata 0 on a UTM zone 12N
grid at 30 m, anchored at the real scene's upper-left corner (WRS-2 path 41 row 25). The source
rectangle holds no DN 0 in any band (0 is Landsat fill), so the only nodata in the output are
the burned gaps (and the frame, with `--footprint`).

The clean value of any window can be recomputed exactly (`BigScene.clean_window`), which is how
the benchmark checks fill accuracy without keeping a clean copy of the scene on disk.

Caching: when OUTPUT exists with the requested size, 6 bands and the same seed and source tags, it
is reused; the file is written under a temporary name and renamed when complete. The number of
burned gap pixels is stored in the BENCH_GAP_PIXELS tag.
"""
from __future__ import annotations

import argparse
import glob
import os
import sys
import time
from dataclasses import dataclass
from typing import Optional

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

import rasterio  # noqa: E402
from rasterio.crs import CRS  # noqa: E402
from rasterio.transform import Affine  # noqa: E402
from rasterio.windows import Window  # noqa: E402

from engine.gaps.simulate import simulate_slc_off_mask  # noqa: E402
from engine.io.landsat import parse_mtl  # noqa: E402
from engine.io.scene import SceneProfile  # noqa: E402
from engine.jobs.simulate import geometry_for  # noqa: E402

LARGE_SOURCE = os.path.join(os.path.dirname(REPO), "shared", "data", "lethbridge_2000", "LE07")
SMALL_SOURCE = os.path.join(REPO, "tests", "data", "lethbridge_le07_256")
BANDS = ("B1", "B2", "B3", "B4", "B5", "B7")
BLOCK_PX = 512
STRIP_ROWS = 512          # rows assembled and written at a time (one row of output blocks)
PIXEL_M = 30.0
CRS_UTM12N = CRS.from_epsg(32612)
NODATA = 0
WRITE_CACHE_MB = 64       # GDAL block cache while writing: keeps this script's memory bounded
# The footprint's corners (x = column / width, y = row / height), clockwise from the top one,
# read off the valid pixels of the decimated real scene (300 x 300 px, ~800 m): top (55, 1),
# right (291, 55), bottom (237, 297), left (1, 243). Inside: 67 % of the raster.
FOOTPRINT_CORNERS = ((0.18, 0.0), (0.97, 0.18), (0.79, 0.99), (0.0, 0.81))


def default_source() -> str:
    return LARGE_SOURCE if glob.glob(os.path.join(LARGE_SOURCE, "*_B1.TIF")) else SMALL_SOURCE


def _band_file(folder: str, band: str) -> str:
    hits = sorted(glob.glob(os.path.join(folder, f"*_{band}.TIF")))
    if not hits:
        raise SystemExit(f"make_big_scene: no *_{band}.TIF in {folder}")
    return hits[0]


def valid_rectangle(valid: np.ndarray) -> tuple:
    """(r0, r1, c0, c1) of an all-valid rectangle found by peeling off, one line at a time, the
    border row or column with the most invalid pixels (the rotated scene edge, fill rows)."""
    r0, r1, c0, c1 = 0, valid.shape[0], 0, valid.shape[1]
    while r1 - r0 > 1 and c1 - c0 > 1:
        sub = valid[r0:r1, c0:c1]
        bad = {"top": 1 - sub[0].mean(), "bottom": 1 - sub[-1].mean(),
               "left": 1 - sub[:, 0].mean(), "right": 1 - sub[:, -1].mean()}
        side = max(bad, key=bad.get)
        if bad[side] == 0:
            break
        if side == "top":
            r0 += 1
        elif side == "bottom":
            r1 -= 1
        elif side == "left":
            c0 += 1
        else:
            c1 -= 1
    return r0, r1, c0, c1


def load_source(folder: str) -> tuple:
    """(bands x h x w uint8 clean rectangle, product name, upper-left corner x, y in metres)."""
    stack = []
    for band in BANDS:
        with rasterio.open(_band_file(folder, band)) as ds:
            stack.append(ds.read(1))
    data = np.stack(stack)
    if data.dtype != np.uint8:
        raise SystemExit(f"make_big_scene: expected uint8 bands in {folder}, got {data.dtype}")
    r0, r1, c0, c1 = valid_rectangle((data > 0).all(axis=0))
    rect = np.ascontiguousarray(data[:, r0:r1, c0:c1])
    if min(rect.shape[1:]) < 64:
        raise SystemExit(f"make_big_scene: {folder} has no valid rectangle of 64 x 64 px")
    name = os.path.basename(_band_file(folder, "B1"))[: -len("_B1.TIF")]
    mtl = sorted(glob.glob(os.path.join(folder, "*_MTL.txt")))
    if mtl:  # anchor the grid at the real scene's corner (MTL corners are pixel centres)
        with open(mtl[0], encoding="utf-8", errors="replace") as fh:
            meta = parse_mtl(fh.read())
        x0 = float(meta["CORNER_UL_PROJECTION_X_PRODUCT"]) - PIXEL_M / 2
        y0 = float(meta["CORNER_UL_PROJECTION_Y_PRODUCT"]) + PIXEL_M / 2
    else:
        with rasterio.open(_band_file(folder, "B1")) as ds:
            x0, y0 = ds.transform.c, ds.transform.f
    return rect, name, x0, y0


def reflect(index: np.ndarray, n: int) -> np.ndarray:
    """Fold indices 0, 1, 2, ... back and forth over 0 .. n-1 (0..n-1, n-1..0, 0..n-1, ...)."""
    k = np.mod(index, 2 * n)
    return np.where(k < n, k, 2 * n - 1 - k)


def inside_footprint(rows: np.ndarray, cols: np.ndarray, width: int, height: int) -> np.ndarray:
    """Whether pixel centres (rows[:, None], cols[None, :]) lie inside FOOTPRINT_CORNERS: on the
    inner side of each of the convex quadrilateral's four edges."""
    y = (rows[:, None] + 0.5) / height
    x = (cols[None, :] + 0.5) / width
    inside = np.ones((rows.size, cols.size), bool)
    corners = FOOTPRINT_CORNERS
    for (x0, y0), (x1, y1) in zip(corners, corners[1:] + corners[:1]):
        inside &= (x1 - x0) * (y - y0) - (y1 - y0) * (x - x0) >= 0   # clockwise on screen
    return inside


@dataclass
class BigScene:
    width: int
    height: int
    seed: int
    source: str
    footprint: bool = False

    def __post_init__(self):
        self.rect, self.name, x0, y0 = load_source(self.source)
        self.transform = Affine(PIXEL_M, 0.0, x0, 0.0, -PIXEL_M, y0)
        self.profile = SceneProfile(width=self.width, height=self.height, count=len(BANDS),
                                    dtype="uint8", nodata=NODATA, crs=CRS_UTM12N,
                                    transform=self.transform)
        self.geometry = geometry_for(self.profile)

    def clean_window(self, window: Window) -> np.ndarray:
        (r0, r1), (c0, c1) = window.toranges()
        rows = reflect(np.arange(r0, r1), self.rect.shape[1])
        cols = reflect(np.arange(c0, c1), self.rect.shape[2])
        return self.rect[:, rows[:, None], cols[None, :]]

    def outside_window(self, window: Window) -> np.ndarray:
        """True outside the scene's footprint (nowhere without `footprint`)."""
        (r0, r1), (c0, c1) = window.toranges()
        if not self.footprint:
            return np.zeros((r1 - r0, c1 - c0), bool)
        return ~inside_footprint(np.arange(r0, r1), np.arange(c0, c1), self.width, self.height)

    def gap_window(self, window: Window) -> np.ndarray:
        """The burned SLC-off gaps: inside the footprint only."""
        (r0, r1), (c0, c1) = window.toranges()
        gaps = simulate_slc_off_mask(
            r1 - r0, c1 - c0, self.geometry, seed=self.seed, row_offset=r0, col_offset=c0,
            scene_height=self.height, scene_width=self.width)
        return gaps & ~self.outside_window(window)

    @property
    def tags(self) -> dict:
        return {"BENCH_SOURCE": self.name, "BENCH_SEED": str(self.seed),
                "BENCH_SOURCE_RECT": "x".join(str(s) for s in self.rect.shape),
                "BENCH_FOOTPRINT": "yes" if self.footprint else "no",
                "SPACECRAFT_ID": "LANDSAT_7"}


def cached_gap_pixels(path: str, scene: BigScene) -> Optional[int]:
    """Burned gap pixel count of an existing output made with the same parameters, else None."""
    if not os.path.exists(path):
        return None
    try:
        with rasterio.open(path) as ds:
            tags = ds.tags()
            same = ((ds.width, ds.height, ds.count, ds.dtypes[0], ds.nodata)
                    == (scene.width, scene.height, len(BANDS), "uint8", NODATA)
                    and all(tags.get(k) == v for k, v in scene.tags.items()))
            return int(tags["BENCH_GAP_PIXELS"]) if same and "BENCH_GAP_PIXELS" in tags else None
    except (rasterio.errors.RasterioIOError, ValueError):
        return None


def make_big_scene(width: int, height: int, output: str, seed: int = 0,
                   source: Optional[str] = None, verbose: bool = True,
                   footprint: bool = False) -> dict:
    """Write (or reuse) the scene; returns {'path', 'gap_pixels', 'gap_fraction', 'cached'}
    (gap_pixels: gap pixels burned as nodata in every band, the frame outside the footprint
    not counted)."""
    scene = BigScene(width, height, seed, source or default_source(), footprint)
    output = os.path.abspath(output)
    cached = cached_gap_pixels(output, scene)
    if cached is not None:
        if verbose:
            print(f"make_big_scene: {output} exists ({width} x {height} px, seed {seed}); reused")
        return {"path": output, "gap_pixels": cached, "gap_fraction": cached / (width * height),
                "cached": True}
    os.makedirs(os.path.dirname(output), exist_ok=True)
    tmp = f"{output}.partial-{os.getpid()}.tif"
    start = time.perf_counter()
    gaps = 0
    try:
        with rasterio.Env(GDAL_CACHEMAX=WRITE_CACHE_MB):
            with rasterio.open(tmp, "w", driver="GTiff", width=width, height=height,
                               count=len(BANDS), dtype="uint8", nodata=NODATA, crs=CRS_UTM12N,
                               transform=scene.transform, tiled=True, blockxsize=BLOCK_PX,
                               blockysize=BLOCK_PX, compress="deflate", predictor=2,
                               BIGTIFF="IF_SAFER") as ds:
                ds.descriptions = BANDS
                ds.update_tags(**scene.tags)
                for r0 in range(0, height, STRIP_ROWS):
                    window = Window(0, r0, width, min(STRIP_ROWS, height - r0))
                    data = scene.clean_window(window)
                    mask = scene.gap_window(window)
                    data[:, mask | scene.outside_window(window)] = NODATA
                    ds.write(data, window=window)
                    gaps += int(mask.sum())
                    if verbose and sys.stderr.isatty():
                        print(f"\rmake_big_scene: rows {window.row_off + window.height}"
                              f" / {height}", end="", file=sys.stderr, flush=True)
                ds.update_tags(BENCH_GAP_PIXELS=str(gaps))  # the benchmark checks against it
        os.replace(tmp, output)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    fraction = gaps / (width * height)
    if verbose:
        if sys.stderr.isatty():
            print(file=sys.stderr)
        print(f"make_big_scene: wrote {output}: {width} x {height} x {len(BANDS)} uint8 from "
              f"{scene.name} ({scene.rect.shape[2]} x {scene.rect.shape[1]} px valid "
              f"rectangle, mirrored), {100 * fraction:.1f} % SLC-off gaps (seed {seed})"
              f"{', a scene footprint' if footprint else ''}, "
              f"{time.perf_counter() - start:.0f} s")
    return {"path": output, "gap_pixels": gaps, "gap_fraction": fraction, "cached": False}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("width", type=int, help="columns")
    ap.add_argument("height", type=int, help="rows")
    ap.add_argument("output", help="output GeoTIFF")
    ap.add_argument("--seed", type=int, default=0, help="SLC-off gap seed (default 0)")
    ap.add_argument("--source", help="Landsat 7 product folder with *_B1..B7.TIF "
                                     f"(default: {os.path.relpath(default_source(), REPO)})")
    ap.add_argument("--footprint", action="store_true",
                    help="burn a whole scene's rotated frame as nodata (gaps inside it only)")
    args = ap.parse_args(argv)
    if args.width < 64 or args.height < 64:
        ap.error("width and height must be at least 64 px")
    make_big_scene(args.width, args.height, args.output, args.seed, args.source,
                   footprint=args.footprint)
    return 0


if __name__ == "__main__":
    sys.exit(main())
