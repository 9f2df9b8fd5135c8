"""One meaning of "auto" for the CLI and the plugin: the default method where it really runs
here (requirements import, shipped weights match their checksum), else the fallback with one
line saying why (the water job's auto, nspi from the other dates, falls back to the same and
says so); the plugin's look-only answer never imports torch."""
import json
import pathlib
import shutil
import subprocess
import sys

import pytest

from engine.errors import InputError
from engine.jobs.water import resolve_fill_method
from engine.methods import (AUTO, DEFAULT_METHOD, FALLBACK_METHOD, get_method, resolve_method,
                            why_not_runnable)
from engine.resources import WEIGHTS_DIR
from tests.helpers import ROOT


@pytest.fixture
def damaged_default_weights(tmp_path, monkeypatch):
    """The default method's real card beside a copy of its weights with one byte changed."""
    import engine.models.weights as weights

    card_path = pathlib.Path(WEIGHTS_DIR, f"{DEFAULT_METHOD}.json")
    card = json.loads(card_path.read_text())
    shutil.copy(card_path, tmp_path)
    weights_file = card.get("weights") or card["weights_file"]
    data = bytearray(pathlib.Path(WEIGHTS_DIR, weights_file).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / weights_file).write_bytes(bytes(data))
    monkeypatch.setattr(weights, "WEIGHTS_DIR", str(tmp_path))
    return tmp_path


def test_named_methods_pass_through_and_unknown_names_are_refused():
    assert resolve_method("telea") == ("telea", "")
    assert resolve_method(FALLBACK_METHOD, "cpu") == (FALLBACK_METHOD, "")
    with pytest.raises(InputError, match="unknown method 'nope'"):
        resolve_method("nope")


@pytest.mark.parametrize("name", [AUTO, None, ""])
def test_auto_is_the_default_method_where_it_runs(name):
    assert why_not_runnable(get_method(DEFAULT_METHOD)) == ""
    assert resolve_method(name) == (DEFAULT_METHOD, "")
    assert resolve_method(name, look_only=True) == (DEFAULT_METHOD, "")


def test_damaged_default_weights_fall_back_with_the_reason(damaged_default_weights):
    name, note = resolve_method(AUTO, "cpu")
    assert name == FALLBACK_METHOD
    assert note.startswith(f"the default method {DEFAULT_METHOD} cannot run here (")
    assert "fails its checksum" in note and note.endswith(f"filled with {FALLBACK_METHOD}")
    assert resolve_method(DEFAULT_METHOD) == (DEFAULT_METHOD, "")  # asked for by name: kept
    # the plugin's look-only answer cannot read weights; the worker's real check catches them
    assert resolve_method(AUTO, look_only=True) == (DEFAULT_METHOD, "")


def test_water_job_auto_uses_the_same_answer(damaged_default_weights):
    """The water job's auto fills from the other dates (nspi); its single-image fallback is the
    engine's auto, so damaged default weights are reported there too."""
    notes = []
    assert resolve_fill_method(AUTO, "cpu", notes) == "nspi"
    assert len(notes) == 1 and "fails its checksum" in notes[0]
    assert notes[0].endswith("(where no other date sees a pixel)")
    notes = []
    assert resolve_fill_method("none", "cpu", notes) == "none" and "not filled" in notes[0]
    assert resolve_fill_method("telea", "cpu", []) == "telea"


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_look_only_never_imports_torch():
    done = _python("import sys\n"
                   "from engine.methods import resolve_method\n"
                   "print(resolve_method('auto', look_only=True)[0], 'torch' in sys.modules)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [DEFAULT_METHOD, "False"]


@pytest.mark.parametrize("look_only", [False, True])
def test_without_torch_auto_falls_back_and_says_how_to_install(look_only):
    done = _python("import sys; sys.modules['torch'] = None\n"
                   "from engine.methods import resolve_method\n"
                   f"print(repr(resolve_method('auto', look_only={look_only})))")
    assert done.returncode == 0, done.stderr
    name, note = eval(done.stdout)
    assert name == FALLBACK_METHOD
    assert note == (f"the default method {DEFAULT_METHOD} needs torch==2.13.0 (`python -m pip "
                    f"install torch==2.13.0`); filled with {FALLBACK_METHOD}")


def test_torch_pin_is_the_one_in_requirements():
    from engine.device import TORCH_REQUIREMENT

    pins = pathlib.Path(ROOT, "requirements.txt").read_text().split()
    assert TORCH_REQUIREMENT in pins
