"""`landsatgapfill:evaluategapfill`: score fill methods on simulated gaps of a clean raster.

Runs in the worker process like a fill (scoring loads torch for MS-SSIM, and the engine holds
the whole scene in memory for it): see plugin/worker/evaluate.py."""
from __future__ import annotations

import json
import pathlib
from html import escape

from qgis.core import (QgsProcessingOutputString, QgsProcessingParameterFileDestination,
                       QgsProcessingParameterNumber)

from ..methods import available_names, method_choices
from .base import (ADVANCED, GapFillAlgorithm, device_parameter, engine_call, progress_to,
                   static_enum, tile_size_parameter)
from ..worker import EvaluateRequest, run_evaluate
from .simulate import clean_input_parameter

COLUMNS = (("method", "Method"), ("rmse", "Gap RMSE"), ("rmse_norm", "RMSE (norm.)"),
           ("psnr_db", "PSNR (dB)"), ("ms_ssim", "MS-SSIM"), ("seconds", "Seconds"))


class EvaluateAlgorithm(GapFillAlgorithm):
    NAME = "evaluategapfill"
    DISPLAY = "Evaluate gap filling"
    ICON = "evaluate"

    def tags(self):
        return ["landsat", "slc-off", "evaluate", "benchmark", "rmse", "psnr", "ssim"]

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Burns seeded SLC-off gaps into a clean raster, fills them with each chosen method "
            "and scores the filled pixels against the truth: RMSE in the input's units, RMSE "
            "normalised by each band's 1-99 % range, PSNR and MS-SSIM. Writes the table as "
            "HTML and a PNG comparing the methods side by side.")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(clean_input_parameter(self.tr("Clean raster or Landsat product")))
        self.addParameter(static_enum("METHODS", self.tr("Methods to compare"),
                                      [c.name for c in method_choices()], available_names(),
                                      multiple=True))
        seed = QgsProcessingParameterNumber("SEED", self.tr("Random seed"),
                                            QgsProcessingParameterNumber.Type.Integer, 0,
                                            minValue=0)
        seed.setFlags(seed.flags() | ADVANCED)
        self.addParameter(seed)
        self.addParameter(device_parameter())
        self.addParameter(tile_size_parameter())
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT_HTML", self.tr("Score table"), self.tr("HTML files (*.html)")))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT_PNG", self.tr("Comparison image"), self.tr("PNG files (*.png)")))
        self.addOutput(QgsProcessingOutputString("TABLE", self.tr("Score table (text)")))
        self.addOutput(QgsProcessingOutputString("SCORES_JSON", self.tr("Scores (JSON)")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        methods = self.parameterAsEnumStrings(parameters, "METHODS", context)
        html_path = self.parameterAsFileOutput(parameters, "OUTPUT_HTML", context)
        png_path = self.parameterAsFileOutput(parameters, "OUTPUT_PNG", context)
        request = EvaluateRequest(
            self.parameterAsFile(parameters, "INPUT", context), tuple(methods), png_path,
            self.parameterAsInt(parameters, "SEED", context),
            self.parameterAsEnumString(parameters, "DEVICE", context),
            self.parameterAsInt(parameters, "TILE_SIZE", context))
        rows = engine_call(run_evaluate, request, progress=progress_to(feedback),
                           cancel=feedback.isCanceled, log=feedback.pushDebugInfo)
        table = text_table(rows)
        feedback.pushInfo(table)
        with open(html_path, "w", encoding="utf-8") as fh:
            fh.write(html_table(rows, png_path))
        return {"OUTPUT_HTML": html_path, "OUTPUT_PNG": png_path, "TABLE": table,
                "SCORES_JSON": json.dumps(rows)}


def _cell(row: dict, key: str) -> str:
    value = row[key]
    if value is None:
        return "n/a"
    return value if isinstance(value, str) else f"{value:.4g}"


def text_table(rows: list) -> str:
    lines = ["  ".join(f"{title:>12}" for _, title in COLUMNS)]
    lines += ["  ".join(f"{_cell(r, key):>12}" for key, _ in COLUMNS) for r in rows]
    return "\n".join(lines)


def html_table(rows: list, png_path: str) -> str:
    head = "".join(f"<th>{escape(title)}</th>" for _, title in COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{escape(_cell(r, key))}</td>" for key, _ in COLUMNS)
                   + "</tr>" for r in rows)
    return (f"<html><body><h2>Gap-filling scores</h2><table border='1' cellpadding='4'>"
            f"<tr>{head}</tr>{body}</table><p><img src='{pathlib.Path(png_path).as_uri()}' "
            "style='max-width:100%'></p></body></html>")
