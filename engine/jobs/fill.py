"""Fill the gaps of one raster or Landsat product into a new GeoTIFF."""
from __future__ import annotations

from typing import Optional

from engine.errors import InputError
from engine.io.gdal_env import gdal_cache
from engine.io import open_mask, open_scene
from engine.io.writer import GeoTiffSink, check_output_path
from engine.jobs.outputs import float_layer, main_layer, mask_layer, provenance_tags, sidecar_path
from engine.methods import get_method
from engine.runner import FillReport, RunOptions, fill_scene


@gdal_cache()
def fill_file(input_path: str, output_path: str, options: RunOptions, *,
              mask_path: Optional[str] = None, filled_mask: bool = False,
              uncertainty: bool = False, progress=None, cancel=None) -> FillReport:
    """Write `output_path` (and sidecars) with every gap of `input_path` filled.

    Sidecars: `<output>_filled_mask.tif` (1 = pixel was filled in any band) and
    `<output>_uncertainty.tif` (predicted std in input units, neural processes only).
    """
    spec = get_method(options.method)
    if uncertainty and not spec.has_uncertainty:
        raise InputError(f"method {spec.name} gives no uncertainty; use a neural process "
                         "(convcnp, convlnp) or drop the uncertainty option")
    with open_scene(input_path) as scene:
        inputs = [input_path] + scene.files + ([mask_path] if mask_path else [])
        mask = open_mask(mask_path, scene.profile) if mask_path else None
        try:
            with _output_sink(scene.profile, input_path, output_path, inputs, spec.name,
                              filled_mask, uncertainty) as sink:
                report = fill_scene(scene, sink, options, mask=mask, progress=progress,
                                    cancel=cancel)
        finally:
            if mask is not None:
                mask.close()
    if report.gap_pixels == 0:
        report.notes.append("no gaps found: the output is a copy of the input")
    return report


def _output_sink(profile, input_path, output_path, inputs, method, filled_mask, uncertainty):
    """Check every output name before any work, then open the main layer and its sidecars."""
    output_path = check_output_path(output_path, inputs)
    tags = provenance_tags(profile, input_path, fill_method=method)
    extras = {}
    if filled_mask:
        path = check_output_path(sidecar_path(output_path, "filled_mask"), inputs)
        extras["filled"] = mask_layer(path, profile, tags, "filled (1 = filled)")
    if uncertainty:
        path = check_output_path(sidecar_path(output_path, "uncertainty"), inputs)
        extras["std"] = float_layer(path, profile, tags)
    return GeoTiffSink(main_layer(output_path, profile, tags), extras)
