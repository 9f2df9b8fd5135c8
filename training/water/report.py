"""The report of training.water.evaluate: docs/results_water.md and its figures."""
from __future__ import annotations

import json
import os

import numpy as np

from engine.water.classes import CLASS_COLOURS, CLASS_NAMES
from training.water.augment import CLASSICAL
from training.water.metrics import class_iou, mean_iou, pixel_error

RULE = "teacher rule on the input"
ALWAYS = "always not water"
EVAL_SCENES = ("menindee", "lethbridge")
SPLITS = ("all", "gap", "non-gap")

def _fmt(v: float, pct: bool = True) -> str:
    if np.isnan(v):
        return "-"
    return f"{100 * v:.1f}" if pct else f"{v:.3f}"


def _table(conf: dict, models: list, kinds: list) -> list:
    lines = ["| predictor | input | pixel error % (all / gap / non-gap) "
             "| mean IoU (all / gap / non-gap) |",
             "|---|---|---|---|"]
    for predictor in models + [RULE, ALWAYS]:
        for kind in (kinds if predictor != ALWAYS else ["clean"]):
            cs = [conf[(predictor, kind, s)] for s in SPLITS]
            err = " / ".join(_fmt(pixel_error(c)) for c in cs)
            iou = " / ".join(_fmt(mean_iou(c), False) for c in cs)
            label = "any" if predictor == ALWAYS else kind
            lines.append(f"| {predictor} | {label} | {err} | {iou} |")
    return lines


def _confusion_md(c: np.ndarray, title: str) -> list:
    lines = [f"*{title}* (rows: teacher; columns: prediction; pixels)", "",
             "| teacher \\ predicted | no data | not water | seasonal | permanent | IoU |",
             "|---|---|---|---|---|---|"]
    ious = class_iou(c)
    for k in (1, 2, 3):
        lines.append(f"| {CLASS_NAMES[k]} | " + " | ".join(str(int(v)) for v in c[k]) +
                     f" | {_fmt(ious[k - 1], False)} |")
    return lines + [""]


def write_report(res: dict, real: dict, seconds: float, path: str, threads: int = 1) -> None:
    conf, models, methods = res["conf"], res["models"], res["methods"]
    kinds = ["clean", "corrupted"] + methods
    n_lab = {s: int(conf[(RULE, "clean", s)][1:].sum()) for s in SPLITS}
    gf = {k: 100 * np.mean(v) for k, v in res["gap_fractions"].items()}
    lines = [
        "# Water seasonality: downstream evaluation (the paper's Figure 2 on our data)", "",
        "Regenerate everything on this page with `python -m training.water.evaluate` "
        f"(took {seconds / 60:.1f} min on {threads} CPU thread{'s' if threads != 1 else ''}).", "",
        "**Every score below measures agreement with the teacher** (the spectral rule of "
        "`training/water/teacher.py` applied to the clean dates, combined across dates; see "
        "`docs/water.md`), not agreement with ground truth: nobody surveyed these lakes. Not "
        "water dominates, so pixel error alone flatters a do-nothing model: read mean IoU and "
        "the gap-pixel columns.", "",
        "## Set-up", "",
        "- Held-out boxes never cropped in training: Menindee rows 250-850, cols 1300-1900 "
        "(3 dates, Landsat 7 SLC-off: its real gaps and clouds are no data in every input, "
        "clean included) and Lethbridge rows 150-550, cols 500-900 (2 dates, Landsat 5 and 7 "
        "before the SLC failure).",
        f"- Seeds {', '.join(map(str, res['seeds']))}: each date gets its own simulated "
        "SLC-off gaps "
        "(engine simulator, real geometry); mean gap fraction per date inside the boxes: "
        + ", ".join(f"{k} {v:.1f} %" for k, v in gf.items()) + ".",
        "- Inputs: **clean**; **corrupted** (simulated gaps left as no data); **imputed** by "
        f"{', '.join(methods)} (the simulated gaps filled through the engine's tiled runner"
        f"{_weights_note(methods)}){_reference_note(methods)}.",
        "- Gap pixels: labelled pixels with a simulated gap on at least one date; non-gap: the "
        f"rest. Labelled pixels over all seeds: {n_lab['all']} ({n_lab['gap']} gap, "
        f"{n_lab['non-gap']} non-gap).",
        "- Predictors: the network trained on clean inputs only (the paper's protocol; shipped "
        "as `resources/weights/water_unet3d`), the network trained on 40 % clean, 20 % "
        "corrupted and 40 % imputed inputs (`water_unet3d_augmented`), the teacher's rule "
        "applied to the same (corrupted or imputed) inputs, and always \"not water\".", "",
        "## Both scenes pooled", "",
        *_table(conf, models, kinds), "",
        "![pixel error by input](figures/water_figure2.png)", "",
        "## Confusion matrices on gap pixels (both scenes pooled)", ""]
    for predictor in models[:2] + [RULE]:
        for kind in ("clean", "corrupted", methods[0]):
            lines += _confusion_md(conf[(predictor, kind, "gap")], f"{predictor}, {kind} input")
    lines += ["## Per scene (gap pixels)", "",
              "| scene | predictor | input | pixel error % | mean IoU |", "|---|---|---|---|---|"]
    for name in EVAL_SCENES:
        for predictor in models + [RULE]:
            for kind in kinds:
                c = res["per_scene"][(name, predictor, kind, "gap")]
                lines.append(f"| {name} | {predictor} | {kind} | {_fmt(pixel_error(c))} | "
                             f"{_fmt(mean_iou(c), False)} |")
    lines += ["", "![Menindee held-out box](figures/water_menindee_holdout.png)", "",
              "Menindee held-out box, seed 0: false colour (SWIR1, NIR, red) of January with "
              "its simulated gaps (magenta: no data), the teacher's classes, and the shipped "
              "(clean-trained) network on clean, corrupted and imputed inputs (grey not water, light blue "
              "seasonal, dark blue permanent, black no data).", ""]
    lines += _real_gap_md(real)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


def _reference_note(methods: list) -> str:
    """Which fills used the crop's other dates (as the water job gives them)."""
    from engine.methods import get_method

    named = [m for m in methods if get_method(m).uses_references]
    return ("; " + ", ".join(named) + " fill each date from the crop's other dates, their own "
            "simulated and real gaps included (as `python -m engine water` does)") if named else ""


def _weights_note(methods: list) -> str:
    """Which neural fill weights were used (they are retrained by another script)."""
    notes = []
    for m in methods:
        card = os.path.join("resources", "weights", f"{m}.json")
        if m not in CLASSICAL and os.path.exists(card):
            with open(card, encoding="utf-8") as fh:
                notes.append(f"{m} sha256 {str(json.load(fh).get('sha256', '?'))[:12]}")
    return "; neural weights: " + ", ".join(notes) if notes else ""


def _real_gap_md(real: dict) -> list:
    lines = ["## Real gaps: Menindee 2010-01-16 + 2010-05-08 through `python -m engine water`",
             "",
             "No truth exists under real gaps. Take the lake pixels under January's real SLC-off "
             f"stripes that are water in May ({real['pixels']} px; away from January's large "
             "cloud mask): without filling only May is valid there, so by the GSW rule they can "
             "only come out *permanent*. Where January was observed within 3 px of those "
             f"stripes ({real['observed_pixels']} px of May water), {100 * real['reference_seasonal']:.1f} "
             "% were dry in January, i.e. seasonal. A fill that works brings the stripe pixels "
             "close to that share.", "",
             "| fill method | stripe lake pixels seasonal % | permanent % | not water km2 | "
             "seasonal km2 | permanent km2 | seconds |", "|---|---|---|---|---|---|---|"]
    for method, row in real["rows"].items():
        km = row["km2"]
        lines.append(f"| {method} | {100 * row['seasonal']:.1f} | {100 * row['permanent']:.1f} | "
                     f"{km['not water']:.1f} | {km['seasonal water']:.1f} | "
                     f"{km['permanent water']:.1f} | {row['seconds']:.0f} |")
    filled = [100 * r["seasonal"] for m, r in real["rows"].items() if m != "none"]
    if filled:
        lines += ["", f"Every fill turns the stripes from permanent into mostly seasonal "
                      f"({min(filled):.0f}-{max(filled):.0f} % seasonal), but overshoots the "
                      f"{100 * real['reference_seasonal']:.0f} % of their observed neighbours (likely "
                      "because a stripe crossing January's shoreline is filled from both sides "
                      "and its water side takes some dry values). The fill methods differ by "
                      "about 1 point here."]
    return lines + ["", "![Menindee real gaps](figures/water_menindee_realgaps.png)", "",
                    "Lakes part of the Menindee scene: January false colour (magenta: real gaps "
                    "and cloud mask), classes without filling (January's gap stripes come out "
                    "permanent, stripe crossings no data), and with idw filling. The vertical "
                    "streaks inside the large January cloud mask come from the engine's gap "
                    "detector, which fills column runs shorter than one scan period between the "
                    "mask's holes (see docs/water.md, limitations).", ""]


# ---------------------------------------------------------------- figures

def _class_rgb(classes: np.ndarray) -> np.ndarray:
    pal = np.zeros((4, 3), np.uint8)
    for k, rgba in CLASS_COLOURS.items():
        pal[k] = rgba[:3]
    return pal[classes]


def _false_colour(refl: np.ndarray, valid: np.ndarray) -> np.ndarray:
    rgb = np.clip(np.stack([refl[2], refl[1], refl[0]], -1) / 0.45 * 255, 0, 255).astype(np.uint8)
    rgb[~valid] = (255, 0, 255)
    return rgb


def figure2(res: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    conf = res["conf"]
    kinds = ["clean", "corrupted"] + res["methods"]
    predictors = res["models"] + [RULE]
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    width = 0.8 / len(predictors)
    x = np.arange(len(kinds))
    for ax, (split, metric, title) in zip(axes, [("gap", pixel_error, "pixel error % (gap pixels)"),
                                                  ("gap", mean_iou, "mean IoU (gap pixels)")]):
        for i, p in enumerate(predictors):
            vals = [metric(conf[(p, k, split)]) * (100 if metric is pixel_error else 1)
                    for k in kinds]
            ax.bar(x + i * width - 0.4 + width / 2, vals, width, label=p)
        ax.set_xticks(x, kinds, rotation=20)
        ax.set_title(title)
    axes[0].axhline(100 * pixel_error(conf[(ALWAYS, "clean", "gap")]), color="k", ls="--",
                    lw=1, label=ALWAYS)
    axes[0].legend(fontsize=7)
    fig.suptitle("Water seasonality on held-out Menindee + Lethbridge: agreement with the teacher")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def holdout_figure(res: dict, path: str) -> None:
    from engine.preview import save_panels

    cases, preds = res["example"]
    model = res["models"][0] if res["models"] else RULE
    r0, r1 = np.where(cases.interior.any(1))[0][[0, -1]]
    c0, c1 = np.where(cases.interior.any(0))[0][[0, -1]]
    cut = (slice(r0, r1 + 1), slice(c0, c1 + 1))
    refl, valid = cases.scene.reflectance(cases.raw["corrupted"])
    panels = [("January, corrupted", _false_colour(refl[0][(slice(None),) + cut], valid[0][cut])),
              ("teacher (clean)", _class_rgb(cases.label[cut]))]
    for kind in ("clean", "corrupted", res["methods"][0]):
        panels.append((f"net, {kind}", _class_rgb(preds[kind][model][cut])))
    save_panels(path, panels)


def realgap_figure(real: dict, path: str) -> None:
    """The lakes part of the scene (columns 800-2699), every second pixel."""
    from engine.preview import save_panels

    refl, valid = real["jan"]
    cut = (slice(None, None, 2), slice(800, None, 2))
    panels = [("January 2010 (false colour)", _false_colour(refl[0], valid[0])[cut]),
              ("classes, no filling", _class_rgb(real["maps"]["none"])[cut]),
              ("classes, idw filling", _class_rgb(real["maps"]["idw"])[cut])]
    save_panels(path, panels, max_width=2000)
