"""How the red/NIR/SWIR1 rule (RNS) agrees with DSWE on the 6-band scenes we have, per date:
water fraction of each and their IoU. Prints the table quoted in docs/water.md.

    python -m training.water.compare_rules
"""
from __future__ import annotations

import glob
import os

from rasterio.windows import Window

from engine.io import open_scene
from engine.water.radiometry import calibration_for
from training.water.data import SHARED, XLANDSAT
from training.water.teacher import water_dswe, water_rns

SCENES = [("lethbridge", os.path.join(SHARED, "lethbridge_2000", d)) for d in ("LT05", "LE07")]
SCENES += [(name, p) for name, pat in (("corumba", "LC08_L1TP_227074_2019*"),
                                       ("brumadinho", "LC08_L2SP_218074_2019*"),
                                       ("maui", "LC09_L1TP_063046_2023*"))
           for p in sorted(glob.glob(os.path.join(XLANDSAT, pat + ".tar.gz")))]
KEYS = ("blue", "green", "red", "nir", "swir1", "swir2")


def compare(path: str) -> dict:
    with open_scene(path) as scene:
        p = scene.profile
        window = Window(0, 0, p.width, p.height)
        raw = scene.read(window)
        valid = ~scene.invalid(window, raw).any(0)
        cal = calibration_for(path, scene, tuple(range(p.count)))
        date = p.tags.get("DATE_ACQUIRED", "")
    bands = dict(zip((n.split()[-1] for n in p.band_names), cal.apply(raw)))
    dswe = water_dswe(*(bands[k] for k in KEYS)) & valid
    rns = water_rns(bands["red"], bands["nir"], bands["swir1"]) & valid
    union = (dswe | rns).sum()
    return {"date": date, "level": "SR" if "surface" in cal.source else "TOA",
            "dswe": dswe[valid].mean(), "rns": rns[valid].mean(),
            "iou": (dswe & rns).sum() / union if union else float("nan")}


def main() -> None:
    print("| scene | date | reflectance | DSWE water % | RNS water % | IoU |")
    print("|---|---|---|---|---|---|")
    for name, path in SCENES:
        r = compare(path)
        print(f"| {name} | {r['date']} | {r['level']} | {100 * r['dswe']:.2f} | "
              f"{100 * r['rns']:.2f} | {r['iou']:.2f} |")


if __name__ == "__main__":
    main()
