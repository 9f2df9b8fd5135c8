"""Stack the Menindee NetCDF files (one file per band and date) into one 3-band GeoTIFF per
date: B3 red, B4 nir, B5 swir1, int16 surface reflectance x 10000 (scale tag 0.0001), nodata
-999 (gaps and cloud masks), deflate. Optionally a window only (the test crops).

    python -m training.water.stack_menindee --out out/water_cache/menindee
    python -m training.water.stack_menindee --out tests/data/menindee_water --window 1380,250,400,420
"""
from __future__ import annotations

import argparse
import os

import rasterio
from rasterio.windows import Window

DEFAULT_SRC = os.path.join("..", "shared", "data", "menindee_l7_slcoff_2010")
DATES = ("20100116", "20100201", "20100508")
BANDS = ((3, "B3 red"), (4, "B4 nir"), (5, "B5 swir1"))
PATTERN = "LS7_ETM_095_082_{date}_B{band}0.nc"
CREDIT = "Geoscience Australia ARG25 sample, CC BY 3.0 AU, (c) Commonwealth of Australia 2012"


def stack_date(src_dir: str, date: str, out_path: str, window: Window | None = None) -> str:
    arrays, profile = [], None
    for band, _ in BANDS:
        with rasterio.open(os.path.join(src_dir, PATTERN.format(date=date, band=band))) as ds:
            win = window or Window(0, 0, ds.width, ds.height)
            arrays.append(ds.read(1, window=win))
            if profile is None:
                profile = dict(crs=ds.crs, transform=ds.window_transform(win), nodata=ds.nodata,
                               width=int(win.width), height=int(win.height))
    with rasterio.open(out_path, "w", driver="GTiff", count=3, dtype="int16", compress="deflate",
                       predictor=2, zlevel=9, tiled=True, blockxsize=256, blockysize=256,
                       **profile) as out:
        for i, a in enumerate(arrays, start=1):
            out.write(a, i)
        out.descriptions = tuple(name for _, name in BANDS)
        out.scales = (1e-4,) * 3
        out.offsets = (0.0,) * 3
        out.update_tags(DATE_ACQUIRED=f"{date[:4]}-{date[4:6]}-{date[6:]}",
                        SPACECRAFT_ID="LANDSAT_7", CREDIT=CREDIT,
                        SOURCE="LS7_ETM_095_082 ARG25 surface reflectance x 10000")
    return out_path


def stack_all(src_dir: str, out_dir: str, window: Window | None = None) -> list:
    os.makedirs(out_dir, exist_ok=True)
    return [stack_date(src_dir, d, os.path.join(out_dir, f"menindee_{d}.tif"), window)
            for d in DATES]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", default=DEFAULT_SRC, help="folder of the NetCDF files")
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--window", help="COL,ROW,WIDTH,HEIGHT in pixels of the 2700 x 1000 grid")
    args = ap.parse_args(argv)
    window = Window(*map(int, args.window.split(","))) if args.window else None
    for path in stack_all(args.src, args.out, window):
        print(path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
