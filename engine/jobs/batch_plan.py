"""Cutting a batch into tasks: a task is the unit the scheduler places, retries and records, so
it must be one run of an existing job whose outputs appear whole or not at all. `fill` and
`fill-stack` give one task per scene (a stack date is filled from its nearest dates of the same
path/row); `water` gives one task per path/row, since its classes need all the dates at once."""
from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Optional, Sequence

from engine.errors import EngineError
from engine.jobs.batch_inputs import BatchScene
from engine.jobs.fill_stack import plan_stack, stack_output_path

JOBS = ("fill", "water", "fill-stack")


@dataclass(frozen=True)
class BatchTask:
    """One unit of a batch: a run of an existing job with its inputs (target first), the outputs
    it will write and a key that stays the same across runs, which is what `--resume` and the
    manifest match on. A `problem` known while planning is recorded as the task's error without
    running it."""

    key: str                        # stable across runs: the manifest and --resume match on it
    job: str
    group: str
    inputs: tuple                   # absolute paths; the target scene first
    outputs: tuple                  # absolute paths the job writes
    method: str
    dates: tuple = ()               # ISO dates of the inputs, in the same order
    problem: str = ""               # known before running: recorded as the task's error
    options: dict = field(default_factory=dict, compare=False)   # tile, device, ...


def plan_tasks(scenes: Sequence[BatchScene], outdir: str, job: str, method: str, *,
               max_references: int = 2, options: Optional[dict] = None) -> list:
    """Tasks in group then date order. Scenes that could not be read become tasks carrying
    their problem, so the manifest records each of them."""
    options = dict(options or {})
    outdir = os.path.abspath(outdir)
    if job == "fill":
        tasks = [_fill_task(s, outdir, method, options) for s in scenes]
    elif job == "fill-stack":
        tasks = [t for group in _groups(scenes).values()
                 for t in _stack_tasks(group, outdir, method, max_references, options)]
    else:
        tasks = [_water_task(group, scenes, outdir, method, options)
                 for group, scenes in _groups(scenes).items()]
    return _flag_clashes(tasks)


def _groups(scenes) -> dict:
    groups = defaultdict(list)
    for s in scenes:
        groups[s.group].append(s)
    return dict(groups)


def _iso(scene: BatchScene) -> str:
    return scene.date.isoformat() if scene.date else ""


def _fill_task(scene: BatchScene, outdir: str, method: str, options: dict) -> BatchTask:
    out = stack_output_path(scene.path, outdir)
    return BatchTask(f"fill:{os.path.basename(out)}", "fill", scene.group, (scene.path,),
                     (out,), method, (_iso(scene),), scene.problem, options)


def _stack_tasks(group: list, outdir: str, method: str, max_references: int,
                 options: dict) -> list:
    """One task per readable, dated scene, referencing its nearest dates in the group; the
    others (and whole groups too small for a series) become tasks that record why not."""
    usable = [s for s in group if not s.problem and s.date is not None]
    tasks = [replace(_fill_task(s, outdir, method, options),
                     problem=s.problem or f"cannot tell when {s.path} was acquired (no "
                     "DATE_ACQUIRED in its metadata and no YYYYMMDD in its name)")
             for s in group if s not in usable]
    if len(usable) < 2:
        return tasks + [replace(_fill_task(s, outdir, method, options),
                                problem=f"path/row {s.group} has only this one readable date; "
                                        "fill-stack needs at least two")
                        for s in usable]
    by_path = {s.path: s for s in usable}
    try:
        plan = plan_stack([s.path for s in usable], outdir, max_references)
    except EngineError as exc:
        return tasks + [replace(_fill_task(s, outdir, method, options), problem=str(exc))
                        for s in usable]
    for target, refs in plan:
        scene = by_path[target.path]
        refs = [by_path[r.path] for r in refs]
        tasks.append(BatchTask(f"fill-stack:{os.path.basename(target.output)}", "fill-stack",
                               scene.group, (scene.path, *(r.path for r in refs)),
                               (target.output,), method,
                               (_iso(scene), *(_iso(r) for r in refs)), "", options))
    return tasks


def _water_task(group: str, scenes: list, outdir: str, method: str, options: dict) -> BatchTask:
    out = os.path.join(outdir, f"{group}_water.tif")
    problems = [f"{os.path.basename(s.path)}: {s.problem}" for s in scenes if s.problem]
    if len(scenes) < 2 and not problems:
        problems = [f"path/row {group} has one date; water needs at least two"]
    return BatchTask(f"water:{group}", "water", group, tuple(s.path for s in scenes), (out,),
                     method, tuple(_iso(s) for s in scenes), "; ".join(problems), options)


def _flag_clashes(tasks: list) -> list:
    """Two scenes named alike in different folders would write one output: the later ones
    are recorded as errors rather than overwrite the first."""
    seen, result = set(), []
    for task in tasks:
        if task.key in seen:
            task = replace(task, key=f"{task.key}#{len(result)}",
                           problem=f"another input already writes {task.outputs[0]}; "
                                   "rename one of them")
        seen.add(task.key)
        result.append(task)
    return result
