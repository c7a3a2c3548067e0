"""Semantic Rich styles that follow the Textual theme: no literal colour anywhere in the UI.

Rich Text (tree labels, log lines, table cells) cannot name Textual's theme variables, so the app keeps a Rich
theme on its console whose styles are resolved from the current Textual theme ($error, $warning, $success,
$accent) and re-resolved when the theme changes. Code writes `Text(..., style="hub.error")`, or takes a tone of
hubtui.present (heading, strong, muted, warning, error, success) through `tone_style()`. In Textual markup use
the variables themselves: "[$warning]...[/]".
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from rich.theme import Theme

# semantic style name -> (theme variable, extra attributes)
SEMANTIC = {
    "hub.error": ("error", "bold"),
    "hub.warning": ("warning", "bold"),
    "hub.success": ("success", "bold"),
    "hub.ok": ("success", ""),
    "hub.accent": ("accent", "bold"),
    "hub.error.badge": ("error", "bold reverse"),
    "hub.warning.badge": ("warning", "bold reverse"),
}

TONES = {"": "", "heading": "bold underline", "strong": "bold", "muted": "dim", "warning": "hub.warning",
         "error": "hub.error", "success": "hub.success"}


def rich_theme(variables: Mapping[str, str]) -> Theme:
    """The semantic styles for the theme whose CSS variables are given (App.get_css_variables())."""
    styles = {}
    for name, (variable, extra) in SEMANTIC.items():
        colour = variables.get(variable, "")
        styles[name] = " ".join(part for part in (extra, colour) if part) or "none"
    return Theme(styles)


def tone_style(tone: str) -> str:
    return TONES.get(tone, "")


def styled(text: str, style: str, **kwargs) -> Text:
    """Rich Text in a semantic style, as a span: Textual reads a Text's base style as its own style syntax, which
    knows no Rich theme names, so a base style "hub.error" would be lost in a Static."""
    out = Text(**kwargs)
    out.append(text, style=style)
    return out


def toned(text: str, tone: str, **kwargs) -> Text:
    return styled(text, tone_style(tone), **kwargs)
