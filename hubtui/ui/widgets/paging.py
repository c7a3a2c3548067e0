"""Scrolling views whose PgDn / PgUp page on from where the scroll is going, not from where it is now.

Textual pages from the current position, and moves only after the next refresh: of three PgDn typed fast (or
sent at once), all three went one page. These page at once from the scroll's target, so a burst of keys moves
as far as the same keys one by one."""

from __future__ import annotations

from typing import cast

from textual.containers import VerticalScroll
from textual.widget import Widget


class Paging:
    """PgDn / PgUp from the scroll's target, at once (mixed into a scrolling widget, before it)."""

    def action_page_down(self) -> None:
        self._page(1)

    def action_page_up(self) -> None:
        self._page(-1)

    def _page(self, pages: int) -> None:
        view = cast(Widget, self)
        view.scroll_to(y=view.scroll_target_y + pages * view.scrollable_content_region.height, immediate=True)


class PagedScroll(Paging, VerticalScroll):
    pass
