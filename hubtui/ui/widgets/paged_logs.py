"""The logs that page from the scroll's target (widgets/paging.py), apart: a log widget's import (RichLog brings
rich.pretty) is paid by the screens that show one, not by the first screen."""

from __future__ import annotations

from textual.widgets import Log, RichLog

from .paging import Paging


class PagedLog(Paging, Log):
    pass


class PagedRichLog(Paging, RichLog):
    pass
