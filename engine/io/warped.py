"""A product or raster read on ANOTHER grid, window by window: how a reference date on another
path/row, CRS or pixel grid joins the target. GDAL's warper (a WarpedVRT per source file)
resamples each window on demand, so no aligned copy of a scene is ever written or held whole.

Values are resampled bilinearly (a reference's texture should not turn blocky), while what is
valid is decided with nearest neighbour on the original pixels (a gap, a cloud or the scene
edge stays crisp and never gets half-trusted). Outside the source footprint nothing is valid."""
from __future__ import annotations

from typing import Optional

import numpy as np
from rasterio.enums import Resampling
from rasterio.vrt import WarpedVRT
from rasterio.windows import Window

from engine.gaps.qa import qa_untrusted
from engine.gaps.validity import invalid_mask
from engine.io.scene import RasterioScene, Scene, SceneProfile


def fill_value(profile: SceneProfile) -> float:
    """The value that reads back as 'no data' for this scene: its nodata tag, else 0 where 0 is
    Landsat fill, else NaN (floats), else the type's maximum."""
    if profile.nodata is not None:
        return profile.nodata
    dtype = np.dtype(profile.dtype)
    if np.issubdtype(dtype, np.floating):
        return float("nan")
    if profile.zero_fill != "none":
        return 0
    return float(np.iinfo(dtype).max)


class WarpedScene(Scene):
    """`scene` (a RasterioScene on its own grid) seen on `grid`."""

    def __init__(self, scene: RasterioScene, grid: SceneProfile):
        self.scene = scene
        self.profile = scene.profile.with_changes(width=grid.width, height=grid.height,
                                                  crs=grid.crs, transform=grid.transform)
        self._fill = fill_value(scene.profile)
        self._vrts: dict = {}
        try:
            self._values = [(self._vrt(ds, Resampling.bilinear), b) for ds, b in scene.members]
            self._nearest = [(self._vrt(ds, Resampling.nearest), b) for ds, b in scene.members]
            qa = scene.qa_member
            self._qa = (self._vrt(qa[0], Resampling.nearest), qa[1]) if qa else None
        except Exception:
            self.close()
            raise

    def _vrt(self, ds, resampling: Resampling) -> WarpedVRT:
        key = (ds.name, resampling)
        if key not in self._vrts:
            p = self.profile
            self._vrts[key] = WarpedVRT(ds, crs=p.crs, transform=p.transform, width=p.width,
                                        height=p.height, resampling=resampling,
                                        src_nodata=self._fill, nodata=self._fill,
                                        init_dest_nodata=True)
        return self._vrts[key]

    @property
    def files(self) -> list:
        """The source scene's files, which outputs must not replace."""
        return self.scene.files

    def read(self, window: Window) -> np.ndarray:
        """Bands of `window` on the target grid, resampled bilinearly."""
        return np.stack([vrt.read(b, window=window) for vrt, b in self._values])

    def invalid(self, window: Window, data: np.ndarray) -> np.ndarray:
        """Invalid where the nearest source pixel is, or where bilinear resampling met no valid
        source pixel at all (outside the footprint)."""
        nearest = np.stack([vrt.read(b, window=window) for vrt, b in self._nearest])
        p = self.profile
        out = invalid_mask(nearest, p.nodata, p.zero_fill, self.read_qa_fill(window))
        return out | invalid_mask(data, p.nodata, p.zero_fill, None)

    def read_qa_fill(self, window: Window) -> Optional[np.ndarray]:
        """The QA fill flag on the target grid, taken by nearest neighbour so a flag is never
        blurred."""
        if self._qa is None:
            return None
        return (self._qa[0].read(self._qa[1], window=window).astype(np.int64) & 1) == 1

    def read_qa_untrusted(self, window: Window) -> Optional[np.ndarray]:
        """QA fill/cloud/shadow/snow flags on the target grid, nearest neighbour."""
        if self._qa is None:
            return None
        return qa_untrusted(self._qa[0].read(self._qa[1], window=window),
                            self.scene.qa_collection)

    def read_strided(self, step: int) -> np.ndarray:
        """A decimated read ON THE TARGET GRID, of the resampled values the fill sees: a
        reference is normalised
        by its range over the target's area, the area whose gaps it fills, not over its whole
        scene (a full reference scene next to a clipped target would otherwise be squeezed)."""
        return np.stack(list(self.iter_strided(step)))

    def iter_strided(self, step: int):
        """One band warped at a time on the target grid, so progress can follow the bands."""
        p = self.profile
        shape = (max(1, p.height // step), max(1, p.width // step))
        full = Window(0, 0, p.width, p.height)
        for vrt, b in self._values:
            yield vrt.read(b, window=full, out_shape=shape)

    def close(self) -> None:
        """Close the warpers (the wrapped scene is closed by whoever opened it)."""
        for vrt in self._vrts.values():
            vrt.close()
        self._vrts = {}
