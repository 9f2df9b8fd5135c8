"""Input made to break the engine (crafted, truncated, malformed, exotic files and arguments)
gets the same treatment as honest mistakes: one line `error: ...`, exit code 2, no traceback,
no output file, the input unchanged, and no hang."""
import os
import shutil
import signal
import subprocess
import sys

import pytest

from tests.helpers import ROOT, run_cli
from tests.test_bad_input import SAMPLE, assert_refused, digest, fill


def one_error_line(result, *words):
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "usage:" not in result.stderr and "Traceback" not in result.stderr
    for word in words:
        assert word.lower() in lines[0].lower(), lines[0]
    return lines[0]


@pytest.mark.parametrize("args, option", [
    (("fill", "in.tif", "out.tif", "--tile", "abc"), "--tile"),
    (("fill", "in.tif", "out.tif", "--device", "tpu"), "--device"),
    (("evaluate", "in.tif", "--seed", "1.5"), "--seed"),
    (("evaluate", "in.tif", "--seed", "-1"), "--seed"),
    (("simulate", "in.tif", "out.tif", "--seed", "-1"), "--seed"),
])
def test_argument_errors_are_one_line_naming_the_option(tmp_path, args, option):
    result = subprocess.run([sys.executable, "-m", "engine", *args], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONPATH": ROOT})
    one_error_line(result, option)
    assert os.listdir(tmp_path) == []


def test_help_still_prints_the_usage():
    result = run_cli("fill", "--help")
    assert result.returncode == 0 and result.stdout.startswith("usage:")
    assert "--tile" in result.stdout and "--device" in result.stdout


def test_hangup_leaves_no_output(tmp_path, data_dir):
    """SIGHUP (terminal or ssh session closed) must clean up like SIGTERM, not kill the process
    with half-written files next to the output."""
    src = shutil.copy(data_dir / SAMPLE, tmp_path / "scene.tif")
    before = digest(src)
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine", "fill", src, tmp_path / "out.tif", "--method",
         "navier-stokes", "--tile", "64", "--progress", "json", "--filled-mask"],
        cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    for line in proc.stderr:
        if '"done": 2' in line:  # two tiles written: the output is half-made
            proc.send_signal(signal.SIGHUP)
            break
    rest = proc.stderr.read()
    assert proc.wait(timeout=60) == 130, rest
    assert "no output was written" in rest
    assert os.listdir(tmp_path) == ["scene.tif"]
    assert digest(src) == before
