"""Small shared helpers for tests: running the CLI, burning simulated gaps into real crops."""
import os
import subprocess
import sys

from rasterio.windows import Window

from engine.gaps.simulate import simulate_slc_off_mask
from engine.io import ArrayScene, open_scene
from engine.jobs.simulate import geometry_for

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_cli(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "engine", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def read_all(path):
    with open_scene(path) as scene:
        w = Window(0, 0, scene.profile.width, scene.profile.height)
        data = scene.read(w)
        return data, scene.invalid(w, data), scene.profile


def corrupted_clean_crop(path, seed=3, center_u=0.9):
    """A clean real crop with simulated wide SLC-off gaps: (truth, corrupted scene, gap mask)."""
    truth, invalid, profile = read_all(path)
    geometry = geometry_for(profile)
    mask = simulate_slc_off_mask(profile.height, profile.width, geometry, seed=seed,
                                 center_u=center_u) & ~invalid.any(axis=0)
    burned = truth.copy()
    burned[:, mask] = 0
    return truth, ArrayScene(burned, profile), mask


def snapshot(folder):
    """{file name: sha256} of every file in `folder`, hidden ones included: what a run must
    leave as it was (inputs) or may change only by its outputs."""
    import hashlib

    return {name: hashlib.sha256(open(os.path.join(folder, name), "rb").read()).hexdigest()
            for name in sorted(os.listdir(folder))
            if os.path.isfile(os.path.join(folder, name))}


def one_error_line(result):
    """The run was refused the way bad input must be: exit 2, one `error: ...` line."""
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]
