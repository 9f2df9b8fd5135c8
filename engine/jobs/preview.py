"""Before/after quick-look of a fill, read decimated so it costs little on whole scenes."""
from __future__ import annotations

from engine.io import open_scene
from engine.preview import before_after_png

PREVIEW_SIDE_PX = 900


def write_preview(input_path: str, filled_path: str, png_path: str) -> None:
    """Write a before/after PNG from decimated reads of the input and the finished fill; the input's
    validity is used for both, so the gaps are marked where they were."""
    with open_scene(input_path) as src, open_scene(filled_path) as out:
        before = src.read_decimated(PREVIEW_SIDE_PX)
        after = out.read_decimated(PREVIEW_SIDE_PX)
        pairs = ((before, src.invalid_decimated(before)), (after, src.invalid_decimated(after)))
        names = src.profile.band_names
    # a failed write is an OutputError that names the file, with no partial PNG left
    before_after_png(png_path, pairs[0], pairs[1], names, ("input (gaps magenta)", "filled"))
