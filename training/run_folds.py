"""Run the cross-validation trainings behind docs/results.md, one after another; start this
script twice to use two workers (each claims the next unclaimed run, so they never collide).

    python -m training.run_folds --runs-dir RUNS [--minutes 8] [--threads 1] [--only fold0]

A run whose folder has `last.pt` but no `done` marker is resumed; finished runs are skipped.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

from engine.models.kinds import FILL, kind_names

MODELS = tuple((kind, "fast") for kind in kind_names(FILL))
# fold-0 ablations at the same budget: where the gain of the default model comes from
# (the first four were trained on the "fast-nolines" ConvCNP, the default before line
# interpolants were added; they compare with convcnp_nolines_f0_ablation)
ABLATIONS = (("convcnp", "fast-nolines", []),
             ("convcnp", "fast-perband", []), ("convcnp", "fast-nolines", ["--loss", "msssim"]),
             ("convcnp", "fast-nolines", ["--p-real-mask", "0"]))


def jobs() -> list:
    """Fold 0 first (every model, then the ablations), then folds 1-4."""
    out = []
    for fold in range(5):
        for kind, cfg in MODELS:
            out.append((f"{kind}_{cfg}_f{fold}_cv", kind, cfg, fold, []))
        if fold == 0:
            for kind, cfg, extra in ABLATIONS:
                tag = "".join(e.strip("-").replace("-", "") for e in extra) or cfg
                tag = {"fast-nolines": "nolines"}.get(tag, tag)
                out.append((f"{kind}_{tag}_f0_ablation", kind, cfg, 0, extra))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs-dir", required=True)
    ap.add_argument("--minutes", type=float, default=8.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--only", default="", help="substring a run name must contain")
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("extra", nargs="*", help="passed to training.train (e.g. --data DIR)")
    args = ap.parse_args(argv)
    for name, kind, cfg, fold, extra in jobs():
        if args.only and args.only not in name:
            continue
        out = os.path.join(args.runs_dir, name)
        if os.path.exists(os.path.join(out, "done")):
            continue
        try:
            os.makedirs(out + ".claim")
        except FileExistsError:
            continue  # another worker has it
        cmd = [sys.executable, "-m", "training.train", "--model", kind, "--config", cfg,
               "--fold", str(fold), "--minutes", str(args.minutes), "--out", out, "--resume",
               "--threads", str(args.threads), "--amp", *extra, *args.extra]
        print(" ".join(cmd), flush=True)
        if not args.dry_run:
            rc = subprocess.run(cmd).returncode
            if rc == 0:
                open(os.path.join(out, "done"), "w").close()
        os.rmdir(out + ".claim")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
