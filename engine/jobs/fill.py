"""Fill the gaps of one raster or Landsat product into a new GeoTIFF."""
from __future__ import annotations

from contextlib import ExitStack
from typing import Optional, Sequence

from engine.errors import InputError
from engine.io.gdal_env import gdal_cache
from engine.io import open_mask, open_scene
from engine.io.writer import AtomicFile, GeoTiffSink, check_output_path
from engine.jobs.outputs import float_layer, main_layer, mask_layer, provenance_tags, sidecar_path
from engine.jobs.preview import write_preview
from engine.methods import get_method, reference_methods
from engine.references import open_references
from engine.runner import FillReport, RunOptions, fill_scene


@gdal_cache()
def fill_file(input_path: str, output_path: str, options: RunOptions, *,
              mask_path: Optional[str] = None, filled_mask: bool = False,
              uncertainty: bool = False, references: Sequence[str] = (),
              reference_masks: Sequence[Optional[str]] = (), preview: Optional[str] = None,
              progress=None, cancel=None) -> FillReport:
    """Write `output_path` (and sidecars) with every gap of `input_path` filled.

    Sidecars: `<output>_filled_mask.tif` (1 = pixel was filled in any band) and
    `<output>_uncertainty.tif` (predicted std in input units, neural processes only).
    `references`: other dates of the same place (any grid or CRS that overlaps), for the
    methods that fill from them; `reference_masks`: per reference, an optional raster on the
    target's grid whose non-zero pixels that reference must not lend. `preview`: a
    before/after PNG, made from the finished fill and published with the other outputs (all of
    them or none).
    """
    spec = get_method(options.method)
    if uncertainty and not spec.has_uncertainty:
        raise InputError(f"method {spec.name} gives no uncertainty; use a neural process "
                         "(convcnp, convlnp) or drop the uncertainty option")
    if references and not spec.uses_references:
        raise InputError(f"method {spec.name} fills from the target alone and would ignore the "
                         f"reference dates; choose one of: {', '.join(reference_methods())}")
    with ExitStack() as stack:
        scene = stack.enter_context(open_scene(input_path))
        refs = open_references(references, scene.profile, input_path, reference_masks)
        for ref in refs:
            stack.callback(ref.close)
        mask = open_mask(mask_path, scene.profile) if mask_path else None
        if mask is not None:
            stack.callback(mask.close)
        inputs = ([input_path] + scene.files + ([mask_path] + mask.files if mask else [])
                  + list(references) + [m for m in reference_masks if m]
                  + [f for ref in refs for f in ref.files])
        extra_tags = {"reference_dates": ",".join(r.label for r in refs)} if refs else {}
        with _output_sink(scene.profile, input_path, output_path, inputs, spec.name,
                          filled_mask, uncertainty, extra_tags, preview) as sink:
            report = fill_scene(scene, sink, options, mask=mask, progress=progress,
                                cancel=cancel, references=refs)
    if report.gap_pixels == 0:
        report.notes.append("no gaps found: the output is a copy of the input")
    return report


def _output_sink(profile, input_path, output_path, inputs, method, filled_mask, uncertainty,
                 extra_tags, preview):
    """Check every output name before any work, then open the main layer and its sidecars."""
    output_path = check_output_path(output_path, inputs)
    tags = provenance_tags(profile, input_path, fill_method=method, **extra_tags)
    extras, outputs = {}, [output_path]
    if filled_mask:
        path = check_output_path(sidecar_path(output_path, "filled_mask"), inputs)
        extras["filled"] = mask_layer(path, profile, tags, "filled (1 = filled)")
        outputs.append(path)
    if uncertainty:
        path = check_output_path(sidecar_path(output_path, "uncertainty"), inputs)
        extras["std"] = float_layer(path, profile, tags)
        outputs.append(path)
    derived = []
    if preview:
        png = check_output_path(preview, list(inputs) + outputs)
        derived.append(AtomicFile(png, lambda partial, ready: write_preview(
            input_path, ready["main"], partial)))
    return GeoTiffSink(main_layer(output_path, profile, tags), extras, derived)
