"""docs/results.md, its figures and a JSON of every number, from evaluate's tallies."""
from __future__ import annotations

import csv
import json
import os

import numpy as np

from engine.models.kinds import FILL, kind_names
from training.report_text import render
from training.scoring import WIDTH_BINS, rmse
from training.targets import CLASSICAL, SPLITS, best_classical


def fold_values(per_fold: dict, method: str, split: str, what: str) -> list:
    out = []
    for _fold, res in sorted(per_fold.items()):
        if method in res and res[method].sums.get((split, "ms_ssim", "n")):
            t = res[method]
            out.append(t.mean((split, "ms_ssim")) if what == "ms_ssim" else rmse(t, split, what or None))
    return out


def mean_se(vals: list) -> tuple:
    v = np.asarray(vals, dtype=float)
    if v.size == 0:
        return float("nan"), float("nan"), 0
    se = float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else float("nan")
    return float(v.mean()), se, int(v.size)


def fmt(m, se, digits=4) -> str:
    if np.isnan(m):
        return "-"
    return f"{m:.{digits}f}" if np.isnan(se) else f"{m:.{digits}f} ± {se:.{digits}f}"


def summary(per_fold: dict, methods: list) -> dict:
    out = {}
    for m in methods:
        out[m] = {}
        for s in SPLITS + ("OOD per band", "TRAIN"):
            ms = mean_se(fold_values(per_fold, m, s, "ms_ssim"))
            rm = mean_se(fold_values(per_fold, m, s, ""))
            if ms[2]:
                out[m][s] = {"ms_ssim": ms, "rmse": rm}
    return out


def main_table(summ: dict, methods: list) -> list:
    lines = ["| method | ID MS-SSIM | ID gap RMSE | OOD MS-SSIM | OOD gap RMSE | ID / OOD RMSE vs best classical | folds |",
             "|---|---|---|---|---|---|---|"]
    best = {s: best_classical(summ, s)[0] for s in SPLITS}
    for m in methods:
        if not summ.get(m):
            continue
        row = [m]
        rel = []
        for s in SPLITS:
            d = summ[m].get(s)
            row += [fmt(*d["ms_ssim"][:2]), fmt(*d["rmse"][:2])] if d else ["-", "-"]
            rel.append(f"{100 * (d['rmse'][0] / best[s] - 1):+.1f} %" if d else "-")
        n = max(summ[m][s]["rmse"][2] for s in SPLITS if s in summ[m])
        lines.append("| " + " | ".join(row + [" / ".join(rel), str(n)]) + " |")
    return lines


def width_table(per_fold: dict, methods: list, split: str) -> list:
    bins = [f"w{lo}-{hi}" for lo, hi in WIDTH_BINS]
    names = [f"{lo}-{hi} px" if hi < 99 else f">= {lo} px" for lo, hi in WIDTH_BINS]
    lines = ["| method | " + " | ".join(names) + " |", "|---|" + "---|" * len(bins)]
    for m in methods:
        vals = [mean_se(fold_values(per_fold, m, split, b)) for b in bins]
        if vals[0][2]:
            lines.append(f"| {m} | " + " | ".join(fmt(v[0], v[1], 3) for v in vals) + " |")
    return lines


def band_table(per_fold: dict, methods: list) -> list:
    lines = ["| method | OOD RMSE visible bands | OOD RMSE NIR/SWIR bands | same crops, each band filled alone (NIR/SWIR) |",
             "|---|---|---|---|"]
    for m in methods:
        vis = mean_se(fold_values({0: per_fold[0]}, m, "OOD", "visible"))
        nir = mean_se(fold_values({0: per_fold[0]}, m, "OOD", "nir/swir"))
        alone = mean_se(fold_values({0: per_fold[0]}, m, "OOD per band", "nir/swir"))
        if vis[2]:
            lines.append(f"| {m} | {fmt(vis[0], vis[1], 4)} | {fmt(nir[0], nir[1], 4)} | "
                         f"{fmt(alone[0], alone[1], 4)} |")
    return lines


def fit_table(summ0: dict) -> list:
    """Gain over the best classical method on training-scene crops beside held-out ones: a
    much larger gain on the training scenes would mean the models need more data; the same
    gain means they are limited by what they learn in the training time."""
    splits = [s for s in ("TRAIN",) + SPLITS if best_classical(summ0, s)[1] != "-"]
    if "TRAIN" not in splits:
        return []
    lines = ["| method | " + " | ".join(f"{s} gap RMSE (vs best classical)" for s in splits) + " |",
             "|---|" + "---|" * len(splits)]
    best = {s: best_classical(summ0, s)[0] for s in splits}
    for m, res in summ0.items():
        if "TRAIN" not in res:
            continue
        cells = []
        for s in splits:
            ours = res[s]["rmse"][0] if s in res else float("nan")
            cells.append(f"{ours:.4f} ({100 * (ours / best[s] - 1):+.1f} %)")
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    return lines


def calibration_table(per_fold: dict) -> list:
    lines = ["| model (fold 0) | split | within mean ± 2 std (nominal 95.4 %) | mean std | |error|/std 95.4th pct / 2 |",
             "|---|---|---|---|---|"]
    for m, t in per_fold[0].items():
        for s in SPLITS:
            if t.z.get(s):
                z = np.concatenate(t.z[s])
                lines.append(f"| {m} | {s} | {100 * t.mean((s, 'cover2')):.1f} % | "
                             f"{t.mean((s, 'std')):.4f} | {np.percentile(z, 95.45) / 2:.2f} |")
    return lines


def plot_fig1(summ: dict, methods: list, path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    x = np.arange(len(methods))
    for ax, what, title in ((axes[0], "ms_ssim", "MS-SSIM (whole crop)"),
                            (axes[1], "rmse", "gap RMSE (gap pixels, normalised)")):
        for k, (s, color) in enumerate((("ID", "tab:blue"), ("OOD", "tab:orange"))):
            m_ = [summ[m].get(s, {}).get(what, (np.nan, np.nan))[0] for m in methods]
            e_ = [summ[m].get(s, {}).get(what, (np.nan, np.nan))[1] for m in methods]
            ax.bar(x + (k - 0.5) * 0.38, m_, 0.38, yerr=np.nan_to_num(e_), label=s, color=color,
                   capsize=3)
        ax.set_xticks(x, methods, rotation=30, ha="right")
        ax.set_title(title)
        if what == "ms_ssim":
            lo = np.nanmin([summ[m][s]["ms_ssim"][0] for m in methods for s in SPLITS if s in summ[m]])
            ax.set_ylim(max(0, lo - 0.02), 1.0)
        ax.legend()
    fig.suptitle("Mean and standard error over folds, 128 px crops (cf. the paper's Figure 1)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_widths(per_fold: dict, methods: list, path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    bins = [f"w{lo}-{hi}" for lo, hi in WIDTH_BINS]
    for ax, s in zip(axes, SPLITS):
        for m in methods:
            v = [mean_se(fold_values(per_fold, m, s, b))[0] for b in bins]
            ax.plot(range(len(bins)), v, marker="o", label=m)
        ax.set_xticks(range(len(bins)), ["0-4", "4-9", "9-14", ">=14"])
        ax.set_xlabel("gap width (px, down a column)")
        ax.set_title(f"{s}: gap RMSE by gap width")
    axes[0].set_ylabel("RMSE (normalised)")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_examples(examples: dict, path_fmt: str) -> list:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from engine.preview import display_bands

    written = []
    for split, ex in examples.items():
        crop = ex["crop"]
        bands = display_bands(crop.band_names)
        rgb = lambda a: np.clip(np.moveaxis(a[bands], 0, -1), 0, 1)  # noqa: B023 (used in this iteration only)
        gapped = crop.truth.copy()
        gapped[:, crop.gaps] = 0
        panels = [("with gaps", rgb(gapped))]
        stds = []
        for name, got in ex.items():
            if name == "crop":
                continue
            pred, std = got
            comp = np.where(crop.gaps[None], pred, crop.truth)
            panels.append((name, rgb(comp)))
            if std is not None and "shipped" in name:
                stds.append((f"{name} std", std.mean(0)))
        panels.append(("truth", rgb(crop.truth)))
        panels += stds
        cols = 5
        rows = -(-len(panels) // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(3 * cols, 3.2 * rows))
        for ax in np.ravel(axes):
            ax.axis("off")
        for ax, (title, img) in zip(np.ravel(axes), panels):
            ax.imshow(img, cmap="magma" if img.ndim == 2 else None, interpolation="nearest")
            ax.set_title(title, fontsize=8)
        fig.suptitle(f"{split} example: {crop.scene} (region {crop.region}), 128 px, fold 0")
        fig.tight_layout()
        path = path_fmt.format(split=split.lower())
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append(path)
    return written


def plot_curves(runs_dir: str, path: str) -> bool:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = [r for r in (f"{kind}_fast_f0" for kind in kind_names(FILL))
            if os.path.exists(os.path.join(runs_dir, r, "log.csv"))]
    if not runs:
        return False
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for r in runs:
        with open(os.path.join(runs_dir, r, "log.csv")) as fh:
            rows = list(csv.DictReader(fh))
        t = [float(x["minutes"]) for x in rows]
        axes[0].plot(t, [float(x["loss"]) for x in rows], label=r)
        axes[1].plot(t, [float(x["l1"]) for x in rows], label=r)
    axes[0].set_title("training loss")
    axes[1].set_title("gap L1 (training crops)")
    for ax in axes:
        ax.set_xlabel("training minutes (CPU)")
        ax.set_yscale("log")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write_report(per_fold: dict, examples: dict, args) -> None:
    os.makedirs(args.figures, exist_ok=True)
    all_methods = []
    for res in per_fold.values():
        all_methods += [m for m in res if m not in all_methods]
    cv_methods = [m for m in all_methods if m in CLASSICAL + kind_names(FILL)]
    summ = summary(per_fold, all_methods)
    plot_fig1(summ, cv_methods, os.path.join(args.figures, "fig1_cv.png"))
    plot_widths(per_fold, cv_methods, os.path.join(args.figures, "gap_width.png"))
    f0_methods = list(per_fold[0]) if 0 in per_fold else []
    summ0 = summary({0: per_fold[0]}, f0_methods) if 0 in per_fold else {}
    ex_paths = plot_examples(examples, os.path.join(args.figures, "examples_{split}.png"))
    curves = plot_curves(args.runs_dir, os.path.join(args.figures, "training_curves.png"))
    speed = {}
    if os.path.exists(args.speed):
        with open(args.speed) as fh:
            speed = json.load(fh)
    tables = {
        "cv": main_table(summ, cv_methods),
        "widths_ood": width_table(per_fold, cv_methods, "OOD"),
        "widths_id": width_table(per_fold, cv_methods, "ID"),
        "fold0": main_table(summ0, f0_methods),
        "bands": band_table(per_fold, f0_methods) if 0 in per_fold else [],
        "calibration": calibration_table(per_fold) if 0 in per_fold else [],
        "fit": fit_table(summ0),
    }
    with open(os.path.join(args.figures, "results.json"), "w") as fh:
        json.dump({"summary_cv": summ, "summary_fold0": summ0, "folds": sorted(per_fold),
                   "crops_per_scene": args.crops, "crop_px": args.crop}, fh, indent=1,
                  default=float)
    text = render(tables, summ, summ0, speed, args, sorted(per_fold), curves, ex_paths)
    with open(args.out, "w", encoding="utf-8") as fh:
        fh.write(text)
