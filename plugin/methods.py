"""The plugin's view of the engine's method registry: the same `MethodSpec`s the CLI uses,
plus whether each can run here and, if not, the exact fix. Both the Processing algorithms and
the dialog build their method lists from `method_choices()`, so they cannot disagree."""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

from engine.methods import AUTO, MethodSpec, list_methods, resolve_method

from .deps import missing_torch_message, torch_available


@dataclass(frozen=True)
class MethodChoice:
    spec: MethodSpec
    available: bool
    reason: str = ""  # why not available, with the fix; "" when available

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def summary(self) -> str:
        return self.spec.summary

    @property
    def label(self) -> str:
        return self.spec.title if self.available else f"{self.spec.title} (needs PyTorch)"


def method_choices() -> list:
    """Every registered method, in registry order, with its availability in this QGIS."""
    has_torch = torch_available()
    return [MethodChoice(s, True) if not s.needs_torch or has_torch
            else MethodChoice(s, False, f"{s.title} {missing_torch_message()}")
            for s in list_methods()]


def available_names() -> list:
    return [c.name for c in method_choices() if c.available]


def default_method() -> str:
    """The method "auto" picks here (engine.methods.resolve_method, as the CLI and the water
    job do), decided without importing torch into QGIS: damaged weights of that method show
    up as the job's error, from the worker that loads them."""
    return resolve_method(AUTO, look_only=True)[0]


def choice(name: str) -> MethodChoice:
    for c in method_choices():
        if c.name == name:
            return c
    raise KeyError(name)


def methods_help_html() -> str:
    """One line per method for shortHelpString: id, title, summary, availability."""
    items = []
    for c in method_choices():
        extra = "" if c.available else f" <i>Not available: {escape(c.reason)}</i>"
        items.append(f"<li><b>{escape(c.name)}</b> — {escape(c.spec.title)}: "
                     f"{escape(c.spec.summary)}{extra}</li>")
    return "<ul>" + "".join(items) + "</ul>"
