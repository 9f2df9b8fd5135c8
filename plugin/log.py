"""The plugin's own tab in the QGIS message log, plus the last lines it wrote, so the
"Copy diagnostics" button can paste them into a bug report without asking users to dig."""
from __future__ import annotations

from collections import deque

from qgis.core import Qgis, QgsMessageLog

TAG = "Landsat Gap Fill"
_RECENT: deque = deque(maxlen=40)  # a log buffer, not configuration


def log(message: str, level: Qgis.MessageLevel = Qgis.MessageLevel.Info) -> None:
    """Write to the "Landsat Gap Fill" log tab (thread-safe: QgsMessageLog queues it)."""
    _RECENT.append(f"[{_level_name(level)}] {message}")
    QgsMessageLog.logMessage(message, TAG, level)


def warning(message: str) -> None:
    log(message, Qgis.MessageLevel.Warning)


def error(message: str) -> None:
    log(message, Qgis.MessageLevel.Critical)


def recent_lines(count: int = 20) -> list:
    return list(_RECENT)[-count:]


def _level_name(level) -> str:
    return {Qgis.MessageLevel.Warning: "warning",
            Qgis.MessageLevel.Critical: "error"}.get(level, "info")
