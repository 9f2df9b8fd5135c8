"""What a finished water job tells its caller, built in one place: the JSON `done` event's
fields (streamed by the CLI, returned by the plugin's in-process run, so the plugin never
knows which ran) and the text the CLI prints."""
from __future__ import annotations


def water_summary(report) -> dict:
    """The `done` fields after `output`, from a `WaterReport`."""
    return {"dates": report.dates, "fill_method": report.fill_method, "device": report.device,
            "pixel_counts": dict(report.pixel_counts), "areas_km2": dict(report.areas_km2),
            "areas_ha": dict(report.areas_ha), "notes": list(report.notes)}


def water_text(report, output: str) -> str:
    """A headline, then one line per class with its area and pixel count."""
    lines = [f"{output}: {report.dates} dates, gaps filled with {report.fill_method}, "
             f"classified on {report.device} in {report.seconds:.1f} s"]
    lines += [f"  {name:<16} {km2:12.3f} km2 {report.areas_ha[name]:14.1f} ha "
              f"({report.pixel_counts[name]} px)" for name, km2 in report.areas_km2.items()]
    lines.append(f"  {'no data':<16} {report.pixel_counts['no data']} px")
    return "\n".join(lines)
