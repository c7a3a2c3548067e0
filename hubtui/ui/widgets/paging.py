"""Scrolling views whose PgDn / PgUp page on from where the scroll is going, not from where it is now.

Textual pages from the current position, and moves only after the next refresh: of three PgDn typed fast (or
sent at once), all three went one page. These page at once from the scroll's target, so a burst of keys moves
as far as the same keys one by one."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Log, RichLog


def page(view: Widget, pages: int) -> None:
    view.scroll_to(y=view.scroll_target_y + pages * view.scrollable_content_region.height, immediate=True)


class PagedScroll(VerticalScroll):
    def action_page_down(self) -> None:
        page(self, 1)

    def action_page_up(self) -> None:
        page(self, -1)


class PagedLog(Log):
    def action_page_down(self) -> None:
        page(self, 1)

    def action_page_up(self) -> None:
        page(self, -1)


class PagedRichLog(RichLog):
    def action_page_down(self) -> None:
        page(self, 1)

    def action_page_up(self) -> None:
        page(self, -1)
