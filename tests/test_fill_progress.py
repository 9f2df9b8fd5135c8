"""A fill reports progress from its first second: the statistics pass (a decimated read of every
band, 12-15 s on a full scene) counts as steps before the tiles, under one total fixed from the
start, so a bar never sits at 0 % while the engine works; the output does not change."""
import numpy as np

from engine.io import open_scene
from engine.io.writer import ArraySink
from engine.runner import RunOptions, fill_scene
from engine.tiling import tile_count
from tests.conftest import DATA

SCENE = DATA / "menindee_20100116_256.tif"  # real SLC-off Menindee crop, 3 bands, 256 x 256
TILE = 64


class RecordingSink(ArraySink):
    """An ArraySink that notes each tile write in the same list as the progress events."""

    def __init__(self, profile, events):
        super().__init__(profile)
        self.events = events

    def write(self, window, data, key="main"):
        if key == "main":
            self.events.append("write")
        super().write(window, data, key)


def _fill(progress_events=None):
    with open_scene(str(SCENE)) as scene:
        events = [] if progress_events is None else progress_events
        sink = RecordingSink(scene.profile, events)
        progress = None if progress_events is None else \
            (lambda done, total: events.append((done, total)))
        fill_scene(scene, sink, RunOptions("idw", tile_px=TILE), progress=progress)
        return scene.profile, sink.arrays["main"]


def test_statistics_pass_is_reported_before_the_first_tile_under_one_total():
    events = []
    profile, filled = _fill(events)
    bands, tiles = profile.count, tile_count(profile.height, profile.width, TILE)
    assert bands == 3
    total = bands + tiles
    progress = [e for e in events if e != "write"]
    assert {t for _, t in progress} == {total}
    first_write = events.index("write")
    assert events[:first_write] == [(0, total), (1, total), (2, total), (3, total)]
    dones = [d for d, _ in progress]
    assert dones == sorted(dones) and dones[-1] == total
    assert dones[bands + 1:] == list(range(bands + 1, total + 1))  # then one step per tile


def test_reporting_progress_leaves_the_output_identical():
    _, with_progress = _fill([])
    _, without = _fill()
    np.testing.assert_array_equal(with_progress, without)


def test_water_job_counts_each_dates_statistics_in_its_total(tmp_path):
    """The water job adds its stages up: each date's fill now reports its statistics steps, so
    the job's total counts them too (else the count would hit 100 % with tiles still to do)."""
    from engine.jobs.water import classify_water

    dates = [str(DATA / "menindee_water" / n) for n in ("menindee_20100116.tif",
                                                         "menindee_20100508.tif")]
    events = []
    classify_water(dates, str(tmp_path / "classes.tif"), fill_method="idw", device="cpu",
                   tile_px=256, progress=lambda done, total: events.append((done, total)))
    (total,) = {t for _, t in events}
    dones = [d for d, _ in events]
    assert dones == sorted(dones) and dones[-1] == total
    assert dones.count(total) == 1  # 100 % only once the last tile is classified, none clamped
