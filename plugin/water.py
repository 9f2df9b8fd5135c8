"""The plugin's view of water classification: the gap-fill choices it offers (auto, every
registered method, none), whether it can run in this QGIS, and the class-area summaries shown
in the Processing log, the dialog and the message bar. Shared by the algorithm and the dialog,
so they cannot disagree."""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

from engine.jobs.water import DEFAULT_FILL_METHOD, WATER_AUTO_METHOD
from engine.methods import AUTO, DEFAULT_METHOD, FALLBACK_METHOD
from engine.water.classes import CLASS_NAMES
from engine.jobs.water_dates import NO_FILL

from .deps import missing_torch_message, torch_available
from .methods import method_choices

# (class code, engine name, output id stem) for the classes that have an area
AREA_CLASSES = tuple((code, CLASS_NAMES[code], key) for code, key in
                     ((1, "NOT_WATER"), (2, "SEASONAL"), (3, "PERMANENT")))


@dataclass(frozen=True)
class FillOption:
    """One entry of the gap-fill list; same fields as methods.MethodChoice uses in widgets."""
    name: str
    label: str
    summary: str
    available: bool = True
    reason: str = ""


def fill_options() -> list:
    """auto, every registered fill method (with its availability here), none."""
    auto = FillOption(AUTO, "Automatic",
                      f"Each date filled from the other dates by NSPI ({WATER_AUTO_METHOD}, the "
                      f"best measured for the water classes); where no other date sees a pixel, "
                      f"the engine's default fill ({DEFAULT_METHOD}), else inverse distance "
                      f"({FALLBACK_METHOD}).")
    none = FillOption(NO_FILL, "No filling",
                      "Classify with the gaps left open: a pixel counts only on the dates "
                      "that observed it (no data where no date did).")
    registered = [FillOption(c.name, c.label, c.spec.summary, c.available, c.reason)
                  for c in method_choices()]
    return [auto, *registered, none]


def fill_option(name: str) -> FillOption:
    for option in fill_options():
        if option.name == name:
            return option
    raise KeyError(name)


def default_fill_method() -> str:
    return DEFAULT_FILL_METHOD


def water_problem() -> str:
    """Why water classes cannot run in this QGIS ("" when they can): the model needs PyTorch."""
    return "" if torch_available() else f"Water classification {missing_torch_message()}"


def area_outputs() -> list:
    """[(output id, class name, unit), ...] of the algorithm: AREA_NOT_WATER_KM2, ..._HA, ..."""
    return [(f"AREA_{key}_{unit.upper()}", name, unit) for _, name, key in AREA_CLASSES
            for unit in ("km2", "ha")]


def areas_from_results(results: dict) -> dict:
    """The algorithm's AREA_... outputs back in the engine's form (areas_km2, areas_ha)."""
    done: dict = {"areas_km2": {}, "areas_ha": {}}
    for output, name, unit in area_outputs():
        if results.get(output) is not None:
            done[f"areas_{unit}"][name] = float(results[output])
    return done


def area_rows(done: dict) -> list:
    """[(class name, km2, ha), ...] from the engine's `done` summary, classes 1-3 in order."""
    km2, ha = done.get("areas_km2") or {}, done.get("areas_ha") or {}
    return [(name, float(km2.get(name, 0.0)), float(ha.get(name, 0.0)))
            for _, name, _ in AREA_CLASSES]


def areas_text(done: dict) -> str:
    """One line per class for the Processing log and the SUMMARY output (readable in any font),
    with pixel counts when the engine gave them."""
    pixels = done.get("pixel_counts") or {}
    lines = []
    for name, km2, ha in area_rows(done):
        count = f"; {pixels[name]:,} px" if name in pixels else ""
        lines.append(f"{name}: {km2:,.3f} km² ({ha:,.1f} ha{count})")
    if "no data" in pixels:
        lines.append(f"no data: {pixels['no data']:,} px")
    return "\n".join(lines)


def areas_html(done: dict) -> str:
    """The same table as HTML, for the dialog."""
    rows = "".join(f"<tr><td>{escape(name)}</td><td align='right'>{km2:,.3f}</td>"
                   f"<td align='right'>{ha:,.1f}</td></tr>" for name, km2, ha in area_rows(done))
    return ("<table cellspacing='0' cellpadding='4'><tr><th align='left'>Class</th>"
            f"<th align='right'>km²</th><th align='right'>ha</th></tr>{rows}</table>")


def areas_sentence(done: dict) -> str:
    """One line for the message bar: "seasonal water 1.234 km² (123.4 ha), ..."."""
    return ", ".join(f"{name} {km2:,.3f} km² ({ha:,.1f} ha)"
                     for name, km2, ha in area_rows(done))
