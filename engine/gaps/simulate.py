"""Faithful synthetic Landsat 7 SLC-off gap masks.

Fill methods are trained and scored on clean rasters with gaps burned in, so the simulated gaps
must have the real geometry (period, tilt, wedge-shaped width, east/west stagger, the sub-2-px
gaps the ground system already interpolated); otherwise scores do not transfer to real scenes.
The geometry is measured on real USGS products (see docs/mission.md, "SLC-off gap geometry") and
kept in metres so that one description serves every pixel size.

The mask is a pure function of scene coordinates, so a tiled caller can generate any window of a
large scene on its own and get exactly the pixels the full-scene mask would have there.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from engine.errors import InputError

# sin(8.2 deg): the stripe tilt at the equator; it grows as 1/cos(latitude) because the ground
# track's angle to the meridians does.
_SIN_TILT_EQUATOR = 0.1426
# Rows per chunk: bounds the float64 temporaries to a few tens of MB on 8000-px-wide scenes.
_CHUNK_ROWS = 256


@dataclass(frozen=True)
class SlcOffGeometry:
    """Gap geometry in ground units; the pixel grid enters only through pixel_size_m.

    grid_rotation_deg is the azimuth of true north measured clockwise from grid north (the
    meridian convergence of the raster's projection at the scene). It is 0 for a north-up UTM
    scene to within a degree or two, but e.g. about +4.6 deg for Menindee in Australian Albers
    (EPSG:3577), and the stripes appear tilted by that much more on such a grid.
    """

    pixel_size_m: float = 30.0
    latitude_deg: float = 0.0
    period_m: float = 970.0
    stagger_fraction: float = 0.45
    edge_width_m: float = 423.0      # 14.1 px * 30 m at |u| = 1
    half_swath_m: float = 92_500.0
    min_gap_m: float = 60.0
    grid_rotation_deg: float = 0.0

    def __post_init__(self) -> None:
        for name in ("pixel_size_m", "latitude_deg", "period_m", "stagger_fraction",
                     "edge_width_m", "half_swath_m", "min_gap_m", "grid_rotation_deg"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.floating,
                                                                 np.integer)):
                raise InputError(f"SLC-off geometry: {name} must be a number, got {value!r}")
            if not math.isfinite(value):
                raise InputError(f"SLC-off geometry: {name} must be finite, got {value!r}")
        if self.pixel_size_m <= 0 or self.period_m <= 0 or self.half_swath_m <= 0:
            raise InputError("SLC-off geometry: pixel size, period and half swath must be > 0")
        if abs(_SIN_TILT_EQUATOR / math.cos(math.radians(self.latitude_deg))) >= 1 \
                or abs(self.latitude_deg) >= 90:
            raise InputError(f"SLC-off geometry: latitude {self.latitude_deg} deg is outside "
                             "Landsat 7 coverage (|lat| < 81.8)")
        if not 0 <= self.stagger_fraction < 1:
            raise InputError("SLC-off geometry: stagger_fraction must be in [0, 1)")
        if not 0 <= self.edge_width_m < self.period_m:
            raise InputError("SLC-off geometry: edge_width_m must be in [0, period_m)")
        if self.min_gap_m < 0:
            raise InputError("SLC-off geometry: min_gap_m must be >= 0")
        if abs(self.grid_rotation_deg) > 45:
            raise InputError("SLC-off geometry: grid_rotation_deg must be within +-45 deg")

    @property
    def tilt_deg(self) -> float:
        """Stripe angle below grid +x (descending eastward), grid rotation included."""
        lat = math.radians(self.latitude_deg)
        return math.degrees(math.asin(_SIN_TILT_EQUATOR / math.cos(lat))) + self.grid_rotation_deg

    @property
    def period_px(self) -> float:
        """Stripe period in pixels of this grid."""
        return self.period_m / self.pixel_size_m

    @property
    def edge_width_px(self) -> float:
        """Gap width at the swath edge (|u| = 1) in pixels."""
        return self.edge_width_m / self.pixel_size_m

    @property
    def half_swath_px(self) -> float:
        """Half the swath width in pixels: the scale of the cross-track coordinate u."""
        return self.half_swath_m / self.pixel_size_m

    @property
    def min_gap_px(self) -> float:
        """Gaps narrower than this (pixels) are not burned: the ground system interpolated them."""
        return self.min_gap_m / self.pixel_size_m

    def u_half_extent(self, height: int, width: int) -> float:
        """Half the cross-track (u) span of a height x width raster; centre_u must stay within
        1 minus this for the raster to lie inside the swath."""
        t = math.radians(self.tilt_deg)
        span = (width - 1) / 2 * abs(math.cos(t)) + (height - 1) / 2 * abs(math.sin(t))
        return span / self.half_swath_px


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InputError(f"simulate_slc_off_mask: {name} must be an integer >= {minimum}, "
                         f"got {value!r}")
    return int(value)


def draw_scene_parameters(geometry: SlcOffGeometry, scene_height: int, scene_width: int,
                          seed: Optional[int]) -> tuple[float, float]:
    """(center_u, phase_px) for a scene; both are always drawn, in this order, so passing one
    explicitly does not change the other for the same seed."""
    rng = np.random.default_rng(seed)
    limit = max(0.0, 1.0 - geometry.u_half_extent(scene_height, scene_width))
    center_u = float(rng.uniform(-limit, limit))
    phase_px = float(rng.uniform(0.0, geometry.period_px))
    return center_u, phase_px


def simulate_slc_off_mask(height: int, width: int,
                          geometry: SlcOffGeometry = SlcOffGeometry(), *,
                          seed: Optional[int] = None, center_u: Optional[float] = None,
                          phase_px: Optional[float] = None, row_offset: int = 0,
                          col_offset: int = 0, scene_height: Optional[int] = None,
                          scene_width: Optional[int] = None) -> np.ndarray:
    """Boolean (height, width) mask, True = gap, for the window at (row_offset, col_offset) of a
    scene_height x scene_width scene (default: the window is the scene).

    center_u is the cross-track position of the scene centre in half-swaths ([-1, 1]); phase_px
    the along-track offset of the west-half gap centres. Those not given are drawn from `seed`
    and the scene size (not the window), which is what keeps windows consistent. Beyond |u| = 1
    the widths stay at their edge value rather than stopping, so oversize rasters have no seam.
    """
    height = _check_int("height", height, 0)
    width = _check_int("width", width, 0)
    row_offset = _check_int("row_offset", row_offset, 0)
    col_offset = _check_int("col_offset", col_offset, 0)
    scene_h = height if scene_height is None else _check_int("scene_height", scene_height, 1)
    scene_w = width if scene_width is None else _check_int("scene_width", scene_width, 1)
    if row_offset + height > scene_h or col_offset + width > scene_w:
        raise InputError("simulate_slc_off_mask: the window does not fit in the scene")
    if not isinstance(geometry, SlcOffGeometry):
        raise InputError("simulate_slc_off_mask: geometry must be an SlcOffGeometry")
    drawn_u, drawn_phase = draw_scene_parameters(geometry, scene_h, scene_w, seed)
    center_u = drawn_u if center_u is None else float(center_u)
    phase_px = drawn_phase if phase_px is None else float(phase_px)
    if not (math.isfinite(center_u) and abs(center_u) <= 1):
        raise InputError(f"simulate_slc_off_mask: center_u must be in [-1, 1], got {center_u}")
    if not math.isfinite(phase_px):
        raise InputError("simulate_slc_off_mask: phase_px must be finite")

    t = math.radians(geometry.tilt_deg)
    cos_t, sin_t = math.cos(t), math.sin(t)
    period = geometry.period_px
    stagger = geometry.stagger_fraction * period
    half_w = 0.5 * geometry.edge_width_px
    min_half = 0.5 * geometry.min_gap_px
    u_scale = 1.0 / geometry.half_swath_px
    # Scene-centred coordinates: integer minus the same constant, hence bit-identical for a
    # pixel whichever window it is computed in; every later step is elementwise.
    xs = np.arange(col_offset, col_offset + width, dtype=np.float64) - (scene_w - 1) / 2
    ys = np.arange(row_offset, row_offset + height, dtype=np.float64) - (scene_h - 1) / 2
    v_x, v_y = -xs * sin_t - phase_px, ys * cos_t
    u_x, u_y = xs * cos_t * u_scale + center_u, ys * sin_t * u_scale

    mask = np.empty((height, width), dtype=bool)
    for r0 in range(0, height, _CHUNK_ROWS):
        r1 = min(height, r0 + _CHUNK_ROWS)
        u = u_y[r0:r1, None] + u_x[None, :]
        v = v_y[r0:r1, None] + v_x[None, :]
        v -= np.where(u > 0, stagger, 0.0)
        d = np.mod(v, period)
        np.minimum(d, period - d, out=d)             # distance to the nearest gap centre
        half = half_w * np.minimum(np.abs(u), 1.0)   # half gap width at this pixel
        mask[r0:r1] = (d < half) & (half >= min_half)
    return mask


def burn_gaps(data: np.ndarray, mask: np.ndarray, nodata: Optional[float]) -> np.ndarray:
    """Copy of (bands, h, w) `data` with `nodata` written wherever `mask` is True.

    An integer raster has no natural fill value (0 is a real reflectance in many products), so
    the caller must choose one; floats default to NaN.
    """
    data = np.asarray(data)
    mask = np.asarray(mask)
    if data.ndim != 3:
        raise InputError(f"burn_gaps: data must be (bands, h, w), got shape {data.shape}")
    if mask.dtype != bool or mask.shape != data.shape[1:]:
        raise InputError(f"burn_gaps: mask must be a boolean {data.shape[1:]} array, "
                         f"got {mask.dtype} {mask.shape}")
    if np.issubdtype(data.dtype, np.floating):
        fill = np.nan if nodata is None else nodata
    elif np.issubdtype(data.dtype, np.integer):
        if nodata is None:
            raise InputError("burn_gaps: integer data needs an explicit nodata value")
        info = np.iinfo(data.dtype)
        if not (float(nodata).is_integer() and info.min <= nodata <= info.max):
            raise InputError(f"burn_gaps: nodata {nodata} does not fit {data.dtype}")
        fill = int(nodata)
    else:
        raise InputError(f"burn_gaps: unsupported dtype {data.dtype}")
    out = data.copy()
    out[:, mask] = fill
    return out


def mask_with_gaps(draw, min_fraction: float, tries: int, *, strict: bool = False,
                   what: str = "this raster") -> np.ndarray:
    """The first of `tries` masks `draw(k)` (k = 0, 1, ...) with at least `min_fraction` gap
    pixels. A window near the swath centre has gaps under 2 px (interpolated on the ground) or
    none, which would score or teach nothing, so such placements are drawn again. When no draw
    qualifies: an InputError if `strict` (a user's evaluation), else the last draw (training
    crops, where an occasional thin mask does no harm)."""
    mask = None
    for k in range(tries):
        mask = draw(k)
        if mask.mean() >= min_fraction:
            return mask
    if strict or mask is None:
        raise InputError(f"could not place simulated gaps on {what} (is it tiny?)")
    return mask
