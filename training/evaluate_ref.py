"""Does filling from other dates beat filling from the image alone? Gap RMSE, MS-SSIM and std
calibration of the reference-conditioned ConvCNP against the shipped single-image ConvCNP and
inverse distance, on real pairs of dates, by time apart and same / cross sensor.

    python -m training.evaluate_ref --weights convcnp-ref      # the shipped weights: docs/results.md
    python -m training.evaluate_ref --checkpoint RUNS/ref/last.pt --results /tmp/r.md
    python -m training.evaluate_ref                            # the untrained start (shipped backbone)

Writes its section of docs/results.md ("Filling from other dates", between its markers; the
rest of the file is left as it is; `python -m training.evaluate` regenerates the whole file and
calls this for the section) and the before/after figure `docs/figures/reference_fill.png`.

Pairs: every ordered (target, reference) pair of dates of the held-out region (default
Lethbridge, which neither this model nor the shipped ConvCNP trained on) and, labelled "seen",
of the training regions (fewer crops: they fill the time bins the held-out region lacks, but
say only how well the model fits data it trained on). Crops are 128 px, fill-free on the
target, with a seeded SLC-off mask at the scene's latitude; the reference keeps its real
gaps and clouds. The same crops and masks for every method. Runs in a few minutes on CPU.

Two derived rows say how far any combination could go: the per-pixel mean of the reference
model, nspi and llhm (a plain ensemble), and the per-pixel best of every method, picked with the
truth (an oracle no method can reach: it bounds what choosing among these predictions gains).
"""
from __future__ import annotations

import argparse
import logging
import os
import sys

import numpy as np

from engine.jobs.simulate import geometry_for
from training.evalset import (
    ClassicalMethod,
    EvalCrop,
    NeuralMethod,
    crop_positions,
    eval_mask,
)
from training.ref_scenes import (
    HELD_OUT,
    days_apart,
    load_group,
    matched_bands,
    train_regions,
)
from training.scenes import DEFAULT_CACHE, DEFAULT_DATA
from training.scoring import Tally, rmse, score_crop

log = logging.getLogger("training.evaluate_ref")
EVAL_BANDS = ("red", "nir", "swir1")    # present in every multi-date set
TIME_BINS = ((16, "<= 16 days"), (60, "<= 60 days"), (366, "<= 1 year"), (10 ** 6, "years"))
MIN_TARGET_VALID = 0.5
ENSEMBLE = "mean of convcnp-ref, nspi, llhm"
ORACLE = "per-pixel best of the above (oracle, uses the truth)"
SECTION = "from-other-dates"


def time_bin(days: int) -> str:
    return next(label for limit, label in TIME_BINS if abs(days) <= limit)


def same_sensor(a: str, b: str) -> bool:
    return a.replace(" SLC-off", "") == b.replace(" SLC-off", "")


def pair_crops(region: str, scenes: list, n: int, size: int, seed: int) -> list:
    """(group label, EvalCrop, reference values, reference known, days, doy) for every ordered
    pair of dates of a region."""
    out = []
    for ti, target in enumerate(scenes):
        if target.valid.all(0).mean() < MIN_TARGET_VALID:
            continue
        bands = [target.bands.index(b) for b in EVAL_BANDS if b in target.bands]
        geometry = geometry_for(target.profile)
        positions = crop_positions(target.valid[bands].all(0), size, n)
        for ri, ref in enumerate(scenes):
            if ri == ti:
                continue
            days, doy = days_apart(target.date, ref.date)
            label = f"{time_bin(days)}, {'same' if same_sensor(target.sensor, ref.sensor) else 'cross'} sensor"
            rv, rk = matched_bands(target, ref, bands)
            for i, (r, c) in enumerate(positions):
                sl = (slice(None), slice(r, r + size), slice(c, c + size))
                crop = EvalCrop(f"{target.name}<-{ref.name}", region,
                                tuple(EVAL_BANDS[:len(bands)]),
                                target.values[bands][sl], target.valid[bands][sl],
                                eval_mask(size, geometry, seed * 100_003 + ti * 1000 + i))
                out.append((label, crop, rv[sl], rk[sl], days, doy))
    return out


class RefMethod:
    """The reference-conditioned model on one crop (bands together, bf16 where the CPU has it)."""

    takes_refs = True

    def __init__(self, checkpoint: str = "", weights: str = "", use_refs: bool = True):
        import torch

        from engine.models.factory import build_model, named_config
        from engine.models.inference import cpu_has_bf16
        from engine.models.weights import load_model

        self.std_scale = 1.0
        if weights:
            model, card = load_model(weights)
            self.std_scale = float(card.info.get("std_scale", 1.0))
        elif checkpoint:
            state = torch.load(checkpoint, map_location="cpu", weights_only=False)
            model = build_model(state["kind"], state["config"])
            model.load_state_dict(state["model"])
        else:
            from safetensors.torch import load_file

            from engine.models.weights import verified_weights_path
            model = build_model("convcnp-ref", named_config("convcnp-ref", "fast"))
            model.load_single_image(load_file(verified_weights_path("convcnp")))
        self.model, self.use_refs, self.bf16 = model.eval(), use_refs, cpu_has_bf16()

    def __call__(self, values, known, ref_values, ref_known, days, doy):
        import torch

        t = torch.from_numpy
        v, k = t(np.ascontiguousarray(values))[None], t(np.ascontiguousarray(known))[None]
        refs = {}
        if self.use_refs:
            refs = {"ref_values": t(np.ascontiguousarray(ref_values))[None, None],
                    "ref_known": t(np.ascontiguousarray(ref_known))[None, None],
                    "ref_days": torch.tensor([[float(days)]]),
                    "ref_doy": torch.tensor([[float(doy)]])}
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            mean, std = self.model(v, k, **refs)
        return mean.float()[0].numpy(), std.float()[0].numpy() * self.std_scale


class DatesMethod:
    """A registered fill from reference dates (nspi, llhm) exactly as the runner calls it: the
    engine's agreement test and single-image fallback included."""

    takes_refs = True

    def __init__(self, name: str):
        from engine.methods import get_method

        self.fill = get_method(name).factory("cpu").fill

    def __call__(self, values, known, ref_values, ref_known, days, doy):
        from engine.methods.reference import Reference

        result = self.fill(values, known, [Reference(ref_values, ref_known, float(days),
                                                     float(doy))])
        return result.mean, result.std


def methods(args) -> dict:
    if args.weights:
        label = "convcnp-ref (shipped)" if args.weights == "convcnp-ref" else f"convcnp-ref {args.weights}"
    elif args.checkpoint:
        label = "convcnp-ref " + os.path.basename(os.path.dirname(args.checkpoint))
    else:
        label = "convcnp-ref untrained (shipped backbone)"
    single = NeuralMethod("convcnp", shipped="convcnp")
    idw = ClassicalMethod("idw")
    return {
        "idw": idw,
        "convcnp (shipped, no reference)": single,
        label: RefMethod(args.checkpoint, args.weights),
        f"{label}, R = 0": RefMethod(args.checkpoint, args.weights, use_refs=False),
        "nspi": DatesMethod("nspi"),
        "llhm": DatesMethod("llhm"),
    }


def evaluate(args) -> tuple:
    groups = {HELD_OUT if not args.hold_out else args.hold_out: "held out"}
    if args.seen:
        groups.update({r: "seen" for r in train_regions(args.hold_out)})
    items = []
    for region, split in groups.items():
        scenes = load_group(region, data_root=args.data, cache=args.cache)
        n = args.crops if split == "held out" else args.seen_crops
        items += [(f"{split}: {lab}", *rest) for lab, *rest in
                  pair_crops(region, scenes, n, args.crop, args.seed)]
    named = methods(args)
    ref_name = next(n for n in named if n.startswith("convcnp-ref") and not n.endswith("R = 0"))
    tallies = {name: Tally() for name in list(named) + [ENSEMBLE, ORACLE]}
    for label, crop, rv, rk, days, doy in items:
        known = crop.valid & ~crop.gaps[None]
        values = np.where(known, crop.truth, 0).astype(np.float32)
        preds = {}
        for name, method in named.items():
            preds[name] = method(values, known, rv, rk, days, doy) \
                if getattr(method, "takes_refs", False) else method(values, known)
        preds[ENSEMBLE] = (np.mean([preds[n][0] for n in (ref_name, "nspi", "llhm")], 0), None)
        stack = np.stack([p for p, _ in preds.values()])
        pick = np.abs(stack - crop.truth[None]).argmin(0)
        preds[ORACLE] = (np.take_along_axis(stack, pick[None], 0)[0], None)
        for key in (label, label.split(":")[0] + ": all"):
            for name, (pred, std) in preds.items():
                score_crop(tallies[name], key, crop, pred, std)
    return tallies, sorted({it[0] for it in items})


def table(tallies: dict, labels: list) -> str:
    keys = list(labels) + sorted({lab.split(":")[0] + ": all" for lab in labels})
    lines = ["| pairs | method | gap RMSE | MS-SSIM | within mean +- 2 std |", "|---|---|---|---|---|"]
    for key in sorted(set(keys)):
        n = int(next(iter(tallies.values())).sums.get((key, "ms_ssim", "n"), 0))
        for name, t in tallies.items():
            cover = t.mean((key, "cover2"))
            lines.append(f"| {key} ({n} crops) | {name} | {rmse(t, key):.4f} | "
                         f"{t.mean((key, 'ms_ssim')):.4f} | "
                         f"{'' if np.isnan(cover) else f'{100 * cover:.1f} %'} |")
    return "\n".join(lines)


def section(args, figure: str) -> str:
    """The results.md section: what was measured, the table, the figure."""
    cmd = "python -m training.evaluate_ref " + " ".join(args.argv)
    lines = [f"## Filling from other dates (`{cmd.strip()}`)", "",
             f"Every ordered pair of dates of the held-out region ({args.hold_out}: neither the "
             "reference model nor the shipped ConvCNP trained on it) and, labelled \"seen\", of "
             f"the training regions. {args.crop} px crops fill-free on the target "
             f"({args.crops} per held-out pair, {args.seen_crops} per seen pair), bands "
             f"{', '.join(EVAL_BANDS)}, a seeded SLC-off mask at the scene's latitude; the "
             "reference keeps its real gaps and clouds. Gap RMSE in units of each band's 1-99 % "
             "range; MS-SSIM with the observed pixels kept; last column: gap pixels whose truth "
             "lies within mean +- 2 std (methods with a std). nspi and llhm run as the engine "
             "runs them (agreement test and single-image fallback). The last two rows of each "
             "group are derived: a plain ensemble, and the per-pixel best of every method picked "
             "with the truth, a bound on what choosing among these predictions can gain.", "",
             table(args.tallies, args.labels), ""]
    if figure:
        lines += ["Before / after on real pairs (`training/figure_ref.py`):", "",
                  f"![filling from other dates]({os.path.relpath(figure, os.path.dirname(args.results) or '.')})", ""]
    return "\n".join(lines)


def write_section(path: str, body: str) -> None:
    """Put `body` between this evaluation's markers in `path`, replacing what was there (or
    appending), and leave the rest of the file as it is."""
    start, end = f"<!-- {SECTION} -->", f"<!-- /{SECTION} -->"
    text = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
    block = f"{start}\n{body.rstrip()}\n{end}\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1].lstrip("\n")
    else:
        text = (text.rstrip("\n") + "\n\n" if text else "") + block
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", default="", help="a convcnp-ref training checkpoint (last.pt)")
    ap.add_argument("--weights", default="", help="exported convcnp-ref weights (name in resources/weights)")
    ap.add_argument("--hold-out", default=HELD_OUT)
    ap.add_argument("--crops", type=int, default=12, help="crops per held-out pair")
    ap.add_argument("--seen-crops", type=int, default=3, help="crops per training-region pair")
    ap.add_argument("--no-seen", dest="seen", action="store_false")
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--results", default=os.path.join("docs", "results.md"),
                    help="the markdown file whose 'Filling from other dates' section is written")
    ap.add_argument("--figure", default=os.path.join("docs", "figures", "reference_fill.png"),
                    help="the before/after figure ('' for none)")
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--cache", default=DEFAULT_CACHE)
    return ap


def run(argv) -> int:
    args = parser().parse_args(argv)
    args.argv = list(argv)
    if args.threads:
        import torch
        torch.set_num_threads(args.threads)
    args.tallies, args.labels = evaluate(args)
    print(table(args.tallies, args.labels))
    if args.figure:
        from training.figure_ref import reference_figure

        methods = (NeuralMethod("convcnp", shipped="convcnp"), DatesMethod("nspi"),
                   RefMethod(args.checkpoint, args.weights))
        reference_figure(args.figure, methods, data=args.data, cache=args.cache)
    write_section(args.results, section(args, args.figure))
    return 0


def main(argv=None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    return run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    raise SystemExit(main())
