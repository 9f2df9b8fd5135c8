"""Turn whatever the user points at into a Scene: a raster file (any GDAL format), a Landsat
product folder, its MTL file, or a product tarball; and a user mask into a window reader."""
from __future__ import annotations

import os
from typing import Optional

import numpy as np
import rasterio
from rasterio.transform import Affine
from rasterio.windows import Window

from engine.errors import InputError
from engine.io.band_metadata import band_meta, dataset_tags
from engine.io.landsat import (mtl_georeference, mtl_product_bounds, parse_mtl,
                               product_file_names, product_layout, read_mtl)
from engine.io.plausibility import check_grid, check_size_for_bytes
from engine.io.scene import RasterioScene, SceneProfile
from engine.io.tarball import list_product_tarball

SUPPORTED_DTYPES = ("uint8", "uint16", "int16", "uint32", "int32", "float32", "float64")
_TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz")


def open_scene(path: str) -> RasterioScene:
    """Open `path` for windowed reading; every failure is an InputError with a one-line reason."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise InputError(f"input not found: {path}")
    if not os.path.isdir(path):
        _require_regular_file(path)
    no_side_files()
    if os.path.isdir(path):
        mtl = _find_mtl_in_folder(path)
        return _open_product(_read_text(mtl), os.listdir(path), path, own=[mtl])
    if path.lower().endswith(_TAR_SUFFIXES):
        return _open_tarball(path)
    if path.upper().endswith("_MTL.TXT"):
        folder = os.path.dirname(os.path.abspath(path))
        return _open_product(_read_text(path), os.listdir(folder), folder,
                             own=[os.path.abspath(path)])
    return _open_raster(path)


def _require_regular_file(path: str) -> None:
    """A pipe, socket or device would block GDAL (or Python) forever on the first read."""
    if not os.path.isfile(path):
        raise InputError(f"{path} is not a regular file (a pipe, device or socket?); "
                         "give a raster file, a product folder or a tarball")


def no_side_files() -> None:
    """Reading must leave the input's folder as it was: GDAL caches the size of a gzip file it
    read (a product .tar.gz) in a `.properties` file beside it unless told not to."""
    from osgeo import gdal

    gdal.SetConfigOption("CPL_VSIL_GZIP_WRITE_PROPERTIES", "NO")


def _read_text(path: str) -> str:
    _require_regular_file(path)
    with open(path, "rb") as fh:
        return read_mtl(fh, path)


def _find_mtl_in_folder(folder: str) -> str:
    mtls = sorted(f for f in os.listdir(folder) if f.upper().endswith("_MTL.TXT"))
    if not mtls:
        raise InputError(f"{folder} is a folder without a Landsat *_MTL.txt file; "
                         "give a raster file or a product folder")
    if len(mtls) > 1:
        raise InputError(f"{folder} holds several MTL files ({', '.join(mtls)}); give one of them")
    return os.path.join(folder, mtls[0])


def _open_tarball(path: str) -> RasterioScene:
    members, text = list_product_tarball(path)
    prefix = f"/vsitar/{os.path.abspath(path)}"
    inner = {n: f"{prefix}/{m}" for n, m in members.items()}
    return _open_product(text, set(members), None, inner, own=[os.path.abspath(path)])


def _open_product(mtl_text: str, files, folder: Optional[str],
                  full_paths: Optional[dict] = None, own=()) -> RasterioScene:
    """`own`: files that make the product besides the bands it reads (the MTL, the tarball);
    with the other files the MTL lists (unread bands, angles), outputs must never replace
    them."""
    meta = parse_mtl(mtl_text)
    layout = product_layout(meta, set(files))
    where = (lambda f: full_paths[f]) if full_paths else (lambda f: os.path.join(folder, f))
    paths = [where(f) for _, _, f in layout.band_files]
    if folder is not None:
        for p in paths + ([where(layout.qa_file)] if layout.qa_file else []):
            _require_regular_file(p)
    first = _probe(paths[0])
    metas = [first.meta]
    for p in paths[1:] + ([where(layout.qa_file)] if layout.qa_file else []):
        other = _probe(p)
        metas.append(other.meta)
        if (other.width, other.height) != (first.width, first.height):
            raise InputError(f"band files differ in size: {os.path.basename(paths[0])} is "
                             f"{first.width} x {first.height} px, {os.path.basename(p)} is "
                             f"{other.width} x {other.height} px")
    crs, transform = first.crs, first.transform
    if crs is None or transform == Affine.identity():
        crs, transform = mtl_georeference(meta, first.width, first.height)
    profile = SceneProfile(
        width=first.width, height=first.height, count=len(paths), dtype=first.dtypes[0],
        nodata=first.nodata, crs=crs, transform=transform,
        band_names=tuple(f"B{n} {name}" for n, name, _ in layout.band_files),
        zero_fill="per-band", product_bounds=mtl_product_bounds(meta),
        tags={"LANDSAT_PRODUCT_ID": meta.get("LANDSAT_PRODUCT_ID", ""),
              "SPACECRAFT_ID": layout.spacecraft, "DATE_ACQUIRED": meta.get("DATE_ACQUIRED", "")},
        band_meta=tuple(metas[: len(paths)]),
    )
    _check_dtype(profile.dtype, paths[0])
    qa = (where(layout.qa_file), 1) if layout.qa_file else None
    listed = ([os.path.join(folder, f) for f in product_file_names(meta)]
              if folder else [])
    return RasterioScene([(p, 1) for p in paths], profile, qa=qa, qa_fill_bit=0,
                         qa_collection=str(meta.get("COLLECTION_NUMBER", "")),
                         product_files=list(own) + listed)


class _Probe:
    def __init__(self, ds):
        self.width, self.height, self.crs = ds.width, ds.height, ds.crs
        self.transform, self.dtypes, self.nodata = ds.transform, ds.dtypes, ds.nodata
        self.meta = band_meta(ds, 1) if ds.count else None  # product band files: 1 band each


def _probe(path: str) -> _Probe:
    try:
        with rasterio.open(path) as ds:
            check_grid(ds.transform, path)
            check_size_for_bytes(ds, path)
            return _Probe(ds)
    except rasterio.errors.RasterioIOError as exc:
        raise InputError(f"cannot read raster {path}: {_short(exc)}") from None


def _open_raster(path: str) -> RasterioScene:
    probe = _probe(path)
    with rasterio.open(path) as ds:
        if ds.count == 0 or ds.width == 0 or ds.height == 0:
            raise InputError(f"{path} holds no pixels")
        if len(set(ds.dtypes)) != 1:
            raise InputError(f"{path} mixes band types {sorted(set(ds.dtypes))}")
        names = tuple(d or f"band {i + 1}" for i, d in enumerate(ds.descriptions))
        tags = dataset_tags(ds)
        metas = tuple(band_meta(ds, b) for b in range(1, ds.count + 1))
    dtype = probe.dtypes[0]
    _check_dtype(dtype, path)
    integer = np.issubdtype(np.dtype(dtype), np.integer)
    profile = SceneProfile(
        width=probe.width, height=probe.height, count=len(names), dtype=dtype,
        nodata=probe.nodata, crs=probe.crs, transform=probe.transform, band_names=names,
        zero_fill="all-bands" if integer else "none",
        tags=tags, band_meta=metas,
    )
    return RasterioScene([(path, b) for b in range(1, profile.count + 1)], profile)


def _check_dtype(dtype: str, path: str) -> None:
    if dtype not in SUPPORTED_DTYPES:
        raise InputError(f"unsupported pixel type {dtype} in {path}; "
                         f"supported: {', '.join(SUPPORTED_DTYPES)}")


def _short(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class MaskReader:
    """A user's gap mask (non-zero = pixels to fill), read window by window like the scene."""

    def __init__(self, path: str, profile: SceneProfile):
        path = os.fspath(path)
        if not os.path.isfile(path):
            raise InputError(f"mask not found: {path}")
        probe = _probe(path)
        if (probe.width, probe.height) != (profile.width, profile.height):
            raise InputError(f"mask is {probe.width} x {probe.height} px but the input is "
                             f"{profile.width} x {profile.height} px")
        _check_same_grid(probe, profile)
        self._ds = rasterio.open(path)

    def read(self, window: Window) -> np.ndarray:
        """Pixels to fill in `window` (True where the mask is non-zero)."""
        return self._ds.read(1, window=window) != 0

    @property
    def files(self) -> list:
        """The mask and, for a VRT, its sources: inputs an output must never replace."""
        return [p for p in [self._ds.name] + list(self._ds.files) if not p.startswith("/vsi")]

    def close(self) -> None:
        """Close the mask file."""
        self._ds.close()


def _crs_name(crs) -> str:
    return crs.to_string() if crs is not None else "no CRS"


def _check_same_grid(mask: _Probe, profile: SceneProfile) -> None:
    """A mask is a list of pixels of the input: on another CRS or shifted it would silently
    mark the wrong ones, and a mask without a CRS cannot show it is on the input's."""
    if mask.crs != profile.crs:
        raise InputError(f"mask is on {_crs_name(mask.crs)} but the input is on "
                         f"{_crs_name(profile.crs)}; write the mask on the input's grid")
    if not mask.transform.almost_equals(profile.transform):
        raise InputError("mask and input are on different grids (pixel size or origin "
                         "differ); write the mask on the input's grid")


def open_mask(path: str, profile: SceneProfile) -> MaskReader:
    """Open a user mask for the input described by `profile`; refused (InputError) unless it has the
    same size, CRS and grid, because a shifted mask would fill the wrong pixels silently."""
    return MaskReader(path, profile)
