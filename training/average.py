"""Average the weights of several checkpoints of ONE run (e.g. the snapshots of its last
stretch, taken every few minutes): a cheap stochastic-weight-averaging that smooths the
checkpoint-to-checkpoint noise of short CPU runs.

    python -m training.average OUT_DIR CKPT [CKPT ...]

Writes OUT_DIR/last.pt (and copies run.json / log.csv from the first checkpoint's folder when
they exist), so `training.export OUT_DIR NAME` works on the result."""
from __future__ import annotations

import argparse
import os
import shutil

import torch


def average(paths: list) -> dict:
    states = [torch.load(p, map_location="cpu", weights_only=False) for p in paths]
    if len({repr(s["config"]) for s in states}) != 1:
        raise SystemExit("checkpoints have different model configurations")
    out = dict(states[-1])
    avg = {}
    for key, ref in states[-1]["model"].items():
        if ref.is_floating_point():
            avg[key] = sum(s["model"][key] for s in states) / len(states)
        else:
            avg[key] = ref
    out["model"] = avg
    out["averaged_from"] = [os.path.basename(p) for p in paths]
    out.pop("optim", None)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("checkpoints", nargs="+")
    ap.add_argument("--run-dir", help="folder whose run.json/log.csv describe the run")
    args = ap.parse_args(argv)
    os.makedirs(args.out_dir, exist_ok=True)
    torch.save(average(args.checkpoints), os.path.join(args.out_dir, "last.pt"))
    src = args.run_dir or os.path.dirname(args.checkpoints[0])
    for name in ("run.json", "log.csv"):
        if os.path.exists(os.path.join(src, name)):
            shutil.copy(os.path.join(src, name), os.path.join(args.out_dir, name))
    print(f"averaged {len(args.checkpoints)} checkpoints into {args.out_dir}/last.pt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
