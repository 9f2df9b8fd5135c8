"""Carry dataset tags and per-band scale, offset, units and tags from an input to the fill
output, leaving out what described the input file rather than its data."""
from __future__ import annotations

from engine.io.scene import BandMeta, SceneProfile

# TIFF tags GDAL exposes as metadata that describe the old file, not the image
_FILE_TAGS = ("TIFFTAG_SOFTWARE", "TIFFTAG_DATETIME", "TIFFTAG_HOSTCOMPUTER",
              "TIFFTAG_XRESOLUTION", "TIFFTAG_YRESOLUTION", "TIFFTAG_RESOLUTIONUNIT")
# band statistics describe the pixels before filling: they would be wrong afterwards
_STALE_BAND_PREFIXES = ("STATISTICS_",)


def dataset_tags(ds) -> dict:
    """Default-domain tags of an open rasterio dataset worth keeping (licence, source, ...)."""
    return {k: v for k, v in ds.tags().items() if k not in _FILE_TAGS}


def band_meta(ds, band: int) -> BandMeta:
    """BandMeta of band `band` (1-based) of an open rasterio dataset."""
    tags = {k: v for k, v in ds.tags(band).items() if not k.startswith(_STALE_BAND_PREFIXES)}
    i = band - 1
    return BandMeta(scale=float(ds.scales[i]), offset=float(ds.offsets[i]),
                    units=ds.units[i] or "", tags=tags)


def write_band_metadata(ds, profile: SceneProfile) -> None:
    """Apply `profile.band_meta` to an open, writable rasterio dataset of the same bands."""
    if len(profile.band_meta) != ds.count:
        return
    ds.scales = tuple(m.scale for m in profile.band_meta)
    ds.offsets = tuple(m.offset for m in profile.band_meta)
    ds.units = tuple(m.units for m in profile.band_meta)
    for i, meta in enumerate(profile.band_meta, 1):
        if meta.tags:
            ds.update_tags(i, **meta.tags)
