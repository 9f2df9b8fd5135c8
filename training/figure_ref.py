"""Before / after figure for filling from other dates, on real pairs: the held-out Lethbridge pair
(Landsat 7 ETM+ 2000-08-21 with simulated SLC-off gaps, so the truth is shown and each fill's
gap RMSE is in its title, filled from Landsat 5 TM 40 days earlier) and Menindee 2010-01-16
(REAL SLC-off gaps, no truth) filled from 2010-05-08. The same crops every run (seeded)."""
from __future__ import annotations

import numpy as np

from engine.jobs.simulate import geometry_for
from engine.preview import to_rgb
from training.evalset import eval_mask
from training.ref_scenes import days_apart, load_group, matched_bands
from training.scenes import DEFAULT_CACHE, DEFAULT_DATA

SIZE = 256
BANDS = ("red", "nir", "swir1")
SWIR_NIR_RED = (2, 1, 0)   # indices into BANDS


def _rgb(values: np.ndarray, known: np.ndarray | None = None) -> np.ndarray:
    """SWIR1 / NIR / red of normalised values (0-1 shown as the full range); unknown pixels in
    the engine's preview magenta."""
    unknown = np.zeros(values.shape, bool) if known is None else ~known
    return to_rgb(values, unknown, SWIR_NIR_RED, [(0.0, 1.0)] * 3)


def _pair(region: str, target_date: str, ref_date: str, data: str, cache: str):
    scenes = {s.date.isoformat(): s for s in load_group(region, data, cache)}
    target, ref = scenes[target_date], scenes[ref_date]
    bands = [target.bands.index(b) for b in BANDS]
    rv, rk = matched_bands(target, ref, bands)
    return target, ref, bands, rv, rk


def _window(ok: np.ndarray, score: np.ndarray, need: float = 1.0, target: float | None = None) -> tuple:
    """The SIZE px window (on a SIZE / 4 grid) where `ok` holds at a `need` share of pixels and
    the mean of `score` is largest (or nearest `target`)."""
    best, at = -np.inf, None
    h, w = ok.shape
    step = SIZE // 4
    for r in range(0, h - SIZE + 1, step):
        for c in range(0, w - SIZE + 1, step):
            win = (slice(r, r + SIZE), slice(c, c + SIZE))
            value = score[win].mean() if target is None else -abs(score[win].mean() - target)
            if ok[win].mean() >= need and value > best:
                best, at = value, win
    if at is None:
        raise RuntimeError("no window fits the figure's conditions")
    return at


def _fills(methods, values, known, rv, rk, days, doy) -> tuple:
    single, nspi, ref = methods
    out = [("convcnp (no reference)", single(values, known)[0]),
           ("nspi", nspi(values, known, rv, rk, days, doy)[0])]
    mean, std = ref(values, known, rv, rk, days, doy)
    out.append(("convcnp-ref", mean))
    return out, std


def reference_figure(path: str, methods, data: str = DEFAULT_DATA,
                     cache: str = DEFAULT_CACHE) -> None:
    """`methods`: (single-image convcnp, nspi, convcnp-ref), called as training.evaluate_ref
    calls them."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 7, figsize=(21, 6.8))
    for ax in axes.ravel():
        ax.axis("off")

    # held out, simulated gaps: the truth exists
    target, ref, bands, rv, rk = _pair("lethbridge", "2000-08-21", "2000-07-12", data, cache)
    valid = target.valid[bands]
    win = _window(valid.all(0) & rk.all(0), np.ones(valid.shape[1:]))
    sl = (slice(None),) + win
    truth, rv_c, rk_c = target.values[bands][sl], rv[sl], rk[sl]
    gaps = eval_mask(SIZE, geometry_for(target.profile), 7)[None] & valid[sl]
    known = valid[sl] & ~gaps
    values = np.where(known, truth, 0).astype(np.float32)
    days, doy = days_apart(target.date, ref.date)
    fills, std = _fills(methods, values, known, rv_c, rk_c, days, doy)
    panels = [("truth (LE07 2000-08-21, held out)", _rgb(truth)),
              ("simulated SLC-off gaps (magenta)", _rgb(values, known)),
              (f"reference: LT05 2000-07-12 ({abs(days)} days)", _rgb(rv_c, rk_c))]
    for name, pred in fills:
        err = float(np.sqrt(np.mean((pred - truth)[gaps] ** 2)))
        panels.append((f"{name}: gap RMSE {err:.4f}", _rgb(np.where(known, truth, pred))))
    panels.append(("convcnp-ref std (mean of bands)", np.where(gaps.any(0), std.mean(0), np.nan)))
    _row(axes[0], panels)

    # real SLC-off gaps: no truth, what a user gets
    target, ref, bands, rv, rk = _pair("menindee", "2010-01-16", "2010-05-08", data, cache)
    valid = target.valid[bands]
    gapped = ~valid.all(0)
    # stripes, not cloud: the window where the share of target gaps the reference sees is
    # nearest a real SLC-off scene's gap share (22 %)
    share = np.where(gapped & rk.all(0), 1.0, 0.0)
    win = _window(rk.all(0), share, need=0.7, target=0.22)
    sl = (slice(None),) + win
    known, rv_c, rk_c = valid[sl], rv[sl], rk[sl]
    values = np.where(known, target.values[bands][sl], 0).astype(np.float32)
    days, doy = days_apart(target.date, ref.date)
    fills, std = _fills(methods, values, known, rv_c, rk_c, days, doy)
    panels = [("LE07 2010-01-16: REAL SLC-off gaps", _rgb(values, known)),
              (f"reference: LE07 2010-05-08 ({abs(days)} days)", _rgb(rv_c, rk_c))]
    panels += [(name, _rgb(np.where(known, values, pred))) for name, pred in fills]
    panels.append(("convcnp-ref std (mean of bands)",
                   np.where(~known.all(0), std.mean(0), np.nan)))
    _row(axes[1], panels)
    fig.suptitle("Filling from other dates, bands SWIR1/NIR/red. Top: Lethbridge (USGS, public "
                 "domain), held out from training. Bottom: Menindee (Geoscience Australia, "
                 "CC BY 3.0 AU)", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def _row(axes, panels) -> None:
    for ax, (title, img) in zip(axes, panels):
        ax.imshow(img, cmap="magma" if img.ndim == 2 else None, interpolation="nearest")
        ax.set_title(title, fontsize=9)
