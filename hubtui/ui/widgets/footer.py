"""The footer of every screen: Textual's Footer, made to fit the terminal.

Below WIDE columns its keys are drawn compact. When they still do not fit, keys give way from the right end
of the row, the command palette's first; the help key never does, so that every screen says, even at 80×24,
where the rest of its keys are.
"""

from __future__ import annotations

from textual.widget import Widget
from textual.widgets import Footer

WIDE = 120  # columns: narrower than this, the keys are drawn compact
HELP_ACTIONS = ("help", "screen.help")


class HubFooter(Footer):
    def on_resize(self) -> None:
        self.compact = self.size.width < WIDE
        self.call_after_refresh(self.fit)

    async def recompose(self) -> None:
        await super().recompose()
        self.fit()

    def fit(self) -> None:
        """Hide the keys that do not fit, from the right end of the row; the help key stays."""
        keys: list[Widget] = list(self.children)
        for key in keys:
            key.display = True
        width = self.size.width
        if not width:
            return

        def room(key: Widget) -> int:
            margin = key.styles.margin
            return key.get_content_width(self.size, self.app.size) + margin.left + margin.right + 1

        used = sum(room(key) for key in keys)
        palette = [k for k in keys if k.has_class("-command-palette")]
        rest = [k for k in keys if k not in palette and getattr(k, "action", "") not in HELP_ACTIONS]
        for key in palette + rest[::-1]:
            if used <= width:
                break
            key.display = False
            used -= room(key)
