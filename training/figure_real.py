"""Before/after figure on REAL SLC-off gaps (Menindee 2010, Landsat 7, red/NIR/SWIR1, 25 m,
the committed test crop): each method through the tiled runner, plus the ConvCNP's and
ConvLNP's std. No truth exists for real gaps; this figure shows what users get."""
from __future__ import annotations

import numpy as np
from rasterio.windows import Window

from engine.io import open_scene
from engine.io.writer import ArraySink
from engine.models.kinds import FILL, get_kind, kind_names
from engine.preview import display_bands, stretch_limits, to_rgb
from engine.runner import RunOptions, fill_scene

REAL_CROP = "tests/data/menindee_20100116_256.tif"
# the two classical baselines, then every neural kind, the ones with a std last (their std maps
# take the panels after them)
METHODS = ("idw", "navier-stokes") + tuple(sorted(kind_names(FILL),
                                                  key=lambda k: get_kind(k).has_std))


def real_slcoff_figure(path: str, crop: str = REAL_CROP) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with open_scene(crop) as scene:
        p = scene.profile
        full = Window(0, 0, p.width, p.height)
        data = scene.read(full)
        invalid = scene.invalid(full, data)
        bands = display_bands(p.band_names)
        limits = stretch_limits(data, invalid, bands)
        panels = [("real SLC-off gaps (magenta)", to_rgb(data, invalid, bands, limits))]
        stds = []
        for name in METHODS:
            sink = ArraySink(p, {"std": (p.count, "float32")})
            fill_scene(scene, sink, RunOptions(name, device="cpu"))
            out = sink.arrays["main"]
            panels.append((name, to_rgb(out, np.zeros_like(invalid), bands, limits)))
            if name in kind_names(FILL) and get_kind(name).has_std:
                stds.append((f"{name} std (mean of bands)", sink.arrays["std"].mean(0)))
    fig, axes = plt.subplots(2, 5, figsize=(16, 7))
    for ax in axes.ravel():
        ax.axis("off")
    for ax, (title, img) in zip(axes.ravel(), panels + stds):
        ax.imshow(img, cmap="magma" if img.ndim == 2 else None, interpolation="nearest")
        ax.set_title(title, fontsize=9)
    fig.suptitle("Menindee 2010-01-16, Landsat 7 SLC-off, bands SWIR1/NIR/red, 256 x 256 px at 25 m "
                 "(CC BY 3.0 AU, Geoscience Australia)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
