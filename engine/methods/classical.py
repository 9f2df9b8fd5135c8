"""The classical baselines analysts already have: OpenCV's Navier-Stokes and Telea inpainting,
and GDAL's inverse-distance FillNodata (what QGIS's "Fill NoData" runs), each on every band."""
from __future__ import annotations

import numpy as np

from engine.methods.registry import FillResult, MethodSpec, register

INPAINT_RADIUS_PX = 5
# Widest SLC-off gap is ~14 px at 30 m (~17 px at 25 m) measured down a column; the search must
# reach across it from both sides, which GDAL's default of 10 px does not (a known complaint).
IDW_SEARCH_PX = 24


# OpenCV's Telea gives wrong values on float32 images (errors > 1 on a [0, 1] ramp, seen with
# 4.11), so both inpainters run on 16-bit integers spanning [-0.5, 1.5] in normalised units.
_U16_LOW, _U16_SPAN = -0.5, 2.0


class _OpenCvInpaint:
    def __init__(self, flag: int):
        self.flag = flag

    def fill(self, values: np.ndarray, known: np.ndarray, where=None) -> FillResult:
        """`where` is ignored: inpainting marches through the whole unknown region, so what it
        gives at a gap depends on every unknown pixel around it."""
        import cv2

        scale = 65535.0 / _U16_SPAN
        as_u16 = np.clip(np.rint((values - _U16_LOW) * scale), 0, 65535).astype(np.uint16)
        out = np.empty_like(values)
        for b in range(values.shape[0]):
            hole = (~known[b]).astype(np.uint8)
            filled = cv2.inpaint(as_u16[b], hole, INPAINT_RADIUS_PX, self.flag)
            out[b] = filled.astype(np.float32) / scale + _U16_LOW
        return FillResult(out)


class _GdalInverseDistance:
    def fill(self, values: np.ndarray, known: np.ndarray, where=None) -> FillResult:
        """`where` is ignored: GDAL's FillNodata fills every unknown pixel it can reach."""
        from osgeo import gdal

        out = np.empty_like(values)
        h, w = values.shape[1:]
        mem = gdal.GetDriverByName("MEM")
        for b in range(values.shape[0]):
            ds = mem.Create("", w, h, 2, gdal.GDT_Float32)
            ds.GetRasterBand(1).WriteArray(values[b])
            ds.GetRasterBand(2).WriteArray(known[b].astype(np.float32))
            # Without TEMP_FILE_DRIVER=MEM, GDAL writes scratch GeoTIFFs into the working folder.
            gdal.FillNodata(ds.GetRasterBand(1), ds.GetRasterBand(2), IDW_SEARCH_PX, 0,
                            options=["TEMP_FILE_DRIVER=MEM"])
            out[b] = ds.GetRasterBand(1).ReadAsArray()
            ds = None
        return FillResult(out)


def _opencv(flag_name: str):
    def make(device: str):
        import cv2

        return _OpenCvInpaint(getattr(cv2, flag_name))
    return make


_OPENCV = ("cv2", "opencv-python-headless==4.11.0.86")

register(MethodSpec(
    name="navier-stokes", title="Navier-Stokes inpainting",
    summary="OpenCV fluid-dynamics inpainting; fast, smooth, blurs texture in wide gaps.",
    halo_px=32, factory=_opencv("INPAINT_NS"), requires=(_OPENCV,)))
register(MethodSpec(
    name="telea", title="Telea inpainting",
    summary="OpenCV fast-marching inpainting; fast, smears edges across wide gaps.",
    halo_px=32, factory=_opencv("INPAINT_TELEA"), requires=(_OPENCV,)))
register(MethodSpec(
    name="idw", title="Inverse distance (GDAL FillNodata)",
    summary=f"QGIS's Fill NoData with a {IDW_SEARCH_PX} px search that spans the widest gaps; "
            "fast, strong on thin gaps, flat in wide ones.",
    halo_px=IDW_SEARCH_PX + 8, factory=lambda device: _GdalInverseDistance()))
