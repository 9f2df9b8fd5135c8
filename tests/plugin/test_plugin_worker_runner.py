"""The worker runner at the edge where things go wrong: jobs that ran inside QGIS now go
through the worker, a runner that gives up stops its worker before it can write, a killed
worker leaves no scratch files, and "out of memory" is said only on the kernel's evidence.
The misbehaving workers are real processes (POSIX shell scripts standing in for the engine),
not mocks."""
from __future__ import annotations

import os
import stat
import sys
import time

import processing
import pytest
from qgis.core import QgsProject, QgsRasterLayer

from plugin_testing import LETHBRIDGE_MTL, SAMPLE, wait_for

pytestmark = pytest.mark.skipif(os.name != "posix", reason="uses POSIX shell scripts")


def _script(path, body: str) -> str:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


@pytest.fixture
def recording_python(tmp_path, monkeypatch):
    """The real worker Python behind a script that writes down every command line it runs."""
    record = tmp_path / "calls.txt"
    python = _script(tmp_path / "python-recording",
                     f'echo "$*" >> "{record}"\nexec "{sys.executable}" "$@"\n')
    monkeypatch.setenv("LANDSAT_GAPFILL_PYTHON", python)
    return record


def test_simulate_runs_in_the_worker(plugin, tmp_path, recording_python):
    out = tmp_path / "simulated.tif"
    results = processing.run("landsatgapfill:simulateslcoff",
                             {"INPUT": str(LETHBRIDGE_MTL), "SEED": 3, "OUTPUT": str(out)})
    assert f"-m engine simulate {LETHBRIDGE_MTL} {out} --seed 3" in recording_python.read_text()
    again = processing.run("landsatgapfill:simulateslcoff",
                                      {"INPUT": str(LETHBRIDGE_MTL), "SEED": 3,
                                       "OUTPUT": str(tmp_path / "again.tif")})
    assert 10 < results["GAP_PERCENT"] < 40
    assert results["GAP_PERCENT"] == again["GAP_PERCENT"]


def test_dialog_measures_gaps_in_the_worker(plugin, qgis_iface, qgis_new_project, tmp_path,
                                            recording_python):
    layer = QgsRasterLayer(str(SAMPLE), "menindee")
    QgsProject.instance().addMapLayer(layer)
    qgis_iface.setActiveLayer(layer)
    plugin.show_fill_dialog()
    dialog = plugin.fill_dialog
    try:
        dialog.layer_combo.setLayer(None)
        dialog.layer_combo.setLayer(layer)
        wait_for(lambda: "%" in dialog.gap_label.text(), what="gap percentage")
        assert dialog.gap_label.text().startswith("Gaps: 11.8 % of the raster")
        assert f"-m engine info {SAMPLE}" in recording_python.read_text()
    finally:
        wait_for(lambda: not dialog.background.busy(), what="idle")
        dialog.hide()
        QgsProject.instance().removeAllMapLayers()


def test_closed_dialog_measures_nothing_on_project_new(plugin, qgis_iface, qgis_new_project,
                                                       recording_python):
    plugin.show_fill_dialog()
    dialog = plugin.fill_dialog
    wait_for(lambda: not dialog.background.busy(), what="idle")
    dialog.hide()
    recording_python.write_text("")
    QgsProject.instance().clear()  # Project > New
    QgsProject.instance().addMapLayer(QgsRasterLayer(str(SAMPLE), "menindee"))
    assert not dialog.background.busy() and "measuring" not in dialog.gap_label.text()
    assert "engine info" not in recording_python.read_text()
    QgsProject.instance().removeAllMapLayers()


def _late_writer(tmp_path, first_line: str) -> tuple:
    """A worker that sends `first_line`, then writes its output 2 s later unless stopped."""
    out = tmp_path / "out.tif"
    python = _script(tmp_path / "python-late", f"echo '{first_line}' >&2\nsleep 2\n"
                     f'echo data > "{out}"\necho \'{{"event": "done"}}\' >&2\n')
    return python, out


@pytest.mark.parametrize("line, callback_raises", [
    ('{"event": "progress", "done": "half", "total": 2}', False),   # malformed event
    ('{"event": "progress", "done": 1, "total": 2}', True),         # the callback raises
], ids=["malformed-event", "raising-callback"])
def test_runner_that_gives_up_stops_its_worker_first(plugin, tmp_path, line, callback_raises):
    from landsat_gapfill.plugin.worker.process import WorkerError, run_worker

    python, out = _late_writer(tmp_path, line)

    def progress(done, total):
        if callback_raises:
            raise RuntimeError("progress bar is gone")

    expected = RuntimeError if callback_raises else WorkerError
    with pytest.raises(expected):
        run_worker(python, [], [str(out)], progress=progress)
    time.sleep(2.5)  # the worker would have written by now, had it been left running
    assert not out.exists()


def test_killed_worker_leaves_no_scratch_folder(plugin, tmp_path):
    """Like a water job SIGKILLed inside its TemporaryDirectory: the per-job TMPDIR goes."""
    from landsat_gapfill.plugin.worker.process import WorkerError, run_worker

    record = tmp_path / "tmpdir.txt"
    python = _script(tmp_path / "python-scratch",
                     f'echo "$TMPDIR" > "{record}"\nmkdir "$TMPDIR/water-dates"\n'
                     'echo x > "$TMPDIR/water-dates/date1.tif"\nkill -KILL $$\n')
    with pytest.raises(WorkerError, match="killed \\(signal 9\\)"):
        run_worker(python, [], [])
    scratch = record.read_text().strip()
    assert os.path.basename(scratch).startswith("landsat-gapfill-job-")
    assert not os.path.exists(scratch)


def test_out_of_memory_is_said_only_on_the_kernels_evidence(plugin, tmp_path, monkeypatch):
    """The OOM-kill counter is the kernel's; it is stood in for here because really running a
    machine out of memory in a test is not an option."""
    from landsat_gapfill.plugin.worker import process
    from landsat_gapfill.plugin.worker.process import WorkerError, run_worker

    python = _script(tmp_path / "python-kill", "kill -KILL $$\n")
    counts = iter([7, 8])
    monkeypatch.setattr(process, "oom_kills", lambda: next(counts))
    with pytest.raises(WorkerError, match="ran out of memory"):
        run_worker(python, [], [])
    monkeypatch.setattr(process, "oom_kills", lambda: None)  # no evidence either way
    with pytest.raises(WorkerError, match="killed \\(signal 9\\); no output was written. If "
                                          "memory was short"):
        run_worker(python, [], [])
