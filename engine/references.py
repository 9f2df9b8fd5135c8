"""Reference dates for a fill: other acquisitions of the same place whose valid pixels tell what
lies under the target's gaps (another Landsat 4-9 date, or another SLC-off date whose stripes
fall elsewhere).

Each reference is opened on the target's grid (warped window by window when its grid or CRS
differs), its bands matched to the target's by name (Landsat 8/9 B2-B7 = Landsat 4/5/7 B1-B5,
B7), normalised with its OWN per-scene statistics (sensors and dates differ radiometrically;
the fill methods learn or fit that difference from the pixels both dates see), and every pixel
it cannot vouch for is unknown: its own gaps and fill, the clouds, shadows and snow its QA band
flags, and an optional user mask. A reference's nodata therefore never reaches an output."""
from __future__ import annotations

import os
from typing import Optional, Sequence

import numpy as np
from rasterio.enums import Resampling
from rasterio.windows import Window

from engine.errors import InputError
from engine.io import open_scene
from engine.io.acquisition import acquisition_date, days_apart
from engine.io.bands import canonical_names, match_bands
from engine.io.band_view import BandView
from engine.io.grid import AlignedRaster, check_overlap, same_grid
from engine.io.scene import Scene, SceneProfile
from engine.io.warped import WarpedScene
from engine.methods.reference.types import Reference
from engine.stats import BandStats, scene_stats


class ReferenceDate:
    """An opened reference date, ready to be read tile by tile on the target grid."""

    def __init__(self, path: str, scene: Scene, on_grid: Scene, band_map: tuple,
                 stats: BandStats, days: float, doy: float, mask: Optional[AlignedRaster]):
        self.path, self.label = path, os.path.basename(os.path.normpath(path))
        self._scene, self._on_grid = scene, on_grid
        self.band_map, self.stats = band_map, stats
        self.days, self.doy, self._mask = days, doy, mask

    @property
    def files(self) -> list:
        """The reference's files, which outputs must never replace."""
        return self._scene.files

    @property
    def warped(self) -> bool:
        """Whether this date is resampled onto the target's grid (another grid or CRS)."""
        return self._on_grid is not self._scene

    @property
    def shared_bands(self) -> int:
        """How many of the target's bands this reference also has (matched by what they measure)."""
        return sum(b is not None for b in self.band_map)

    def read(self, window: Window) -> Reference:
        """This date's view of a target tile (engine.methods.reference.Reference): values in
        the target's band order, normalised by this date's statistics, 0 where unknown."""
        grid = self._on_grid
        raw = grid.read(window)
        invalid = grid.invalid(window, raw)
        untrusted = grid.read_qa_untrusted(window)
        if untrusted is not None:
            invalid |= untrusted[None]
        if self._mask is not None:
            invalid |= (self._mask.read(window) != 0).any(axis=0)[None]
        norm = np.where(invalid, 0.0, self.stats.normalise(raw)).astype(np.float32)
        n = len(self.band_map)
        values = np.zeros((n,) + raw.shape[1:], np.float32)
        known = np.zeros((n,) + raw.shape[1:], bool)
        for t, r in enumerate(self.band_map):
            if r is not None:
                values[t], known[t] = norm[r], ~invalid[r]
        return Reference(values, known, self.days, self.doy)

    def close(self) -> None:
        """Close the user mask, the warped view and the scene."""
        if self._mask is not None:
            self._mask.close()
        if self._on_grid is not self._scene:
            self._on_grid.close()
        self._scene.close()


def open_reference(path: str, target: SceneProfile, target_path: str, *,
                   mask_path: Optional[str] = None, index: int = 1) -> ReferenceDate:
    """Open reference `path` for a target on `target`'s grid; InputError when it does not
    overlap the target, shares no band with it, or has no valid pixel."""
    label = f"reference {index} ({os.path.basename(os.path.normpath(path))})"
    scene = open_scene(path)
    try:
        p = scene.profile
        check_overlap(target, p, label, ref_label="the target")
        band_map = tuple(match_bands(_names(target), _names(p), label))
        used = sorted({b for b in band_map if b is not None})
        on_grid = scene if same_grid(target, p) else WarpedScene(scene, target)
        # statistics over the target's area: see WarpedScene.read_strided
        full_stats = _expand_stats(scene_stats(BandView(on_grid, used)), used, p.count)
        mask = None
        if mask_path:
            mask = AlignedRaster(mask_path, target, None, Resampling.nearest)
        days, doy = days_apart(acquisition_date(target, target_path),
                               acquisition_date(p, path))
        return ReferenceDate(path, scene, on_grid, band_map, full_stats, days, doy, mask)
    except BaseException:
        scene.close()
        raise


def open_references(paths: Sequence[str], target: SceneProfile, target_path: str,
                    masks: Sequence[Optional[str]] = ()) -> list:
    """Every reference of a fill, in the order given; all closed again when one fails."""
    refs: list = []
    masks = list(masks) + [None] * (len(paths) - len(masks))
    try:
        for i, (path, mask) in enumerate(zip(paths, masks), start=1):
            if os.path.abspath(os.fspath(path)) == os.path.abspath(os.fspath(target_path)):
                raise InputError(f"reference {i} is the target itself; give another date")
            refs.append(open_reference(path, target, target_path, mask_path=mask, index=i))
    except BaseException:
        for ref in refs:
            ref.close()
        raise
    return refs


def _names(profile: SceneProfile) -> tuple:
    return canonical_names(profile.band_names, str(profile.tags.get("SPACECRAFT_ID", "")))


def _expand_stats(stats: BandStats, used: list, count: int) -> BandStats:
    """Statistics of the bands in use, spread back to the reference's own band positions
    (unused bands get a neutral range: they are never read as known)."""
    def spread(values, neutral):
        out = [neutral] * count
        for i, b in enumerate(used):
            out[b] = values[i]
        return tuple(out)
    return BandStats(spread(stats.low, 0.0), spread(stats.high, 1.0),
                     spread(stats.vmin, 0.0), spread(stats.vmax, 1.0))
