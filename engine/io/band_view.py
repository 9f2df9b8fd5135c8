"""A scene seen through a subset of its bands, in a chosen order: the water job reads red, NIR
and SWIR1 of a 6-band product, and the reference fill reads the bands a reference shares with
its target, without copying either scene."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from rasterio.windows import Window

from engine.io.scene import Scene


class BandView(Scene):
    """Bands `indices` (0-based, any order) of `scene`; reads delegate to the scene, so windows
    stay cheap and the QA fill flags (which are per pixel, not per band) stay the scene's."""

    def __init__(self, scene: Scene, indices: Sequence[int]):
        self.scene, self.indices = scene, list(indices)
        names = scene.profile.band_names
        self.profile = scene.profile.with_changes(
            count=len(self.indices),
            band_names=tuple(names[i] for i in self.indices) if names else ())

    @property
    def files(self) -> list:
        """The underlying scene's files: a view reads them too, so outputs must not replace them."""
        return self.scene.files

    def read(self, window: Window) -> np.ndarray:
        """The selected bands of the window, in the view's order."""
        return self.scene.read(window)[self.indices]

    def read_qa_fill(self, window: Window) -> Optional[np.ndarray]:
        """The scene's own QA fill flags: they are per pixel, so a band subset does not change
        them."""
        return self.scene.read_qa_fill(window)

    def read_strided(self, step: int) -> np.ndarray:
        """The selected bands of the scene's strided sample, for statistics of the view."""
        return self.scene.read_strided(step)[self.indices]
