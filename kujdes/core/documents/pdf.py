"""WeasyPrint for long documents: one layout for many pages, progress page by page, pages split out.

Why a long PDF used to take about a second a page on the request path (issue 20, profiled with
cProfile, see docs/benchmarks.md "Long documents"): each certificate was its own HTML document (its
own parse, stylesheet, cascade, font setup and PDF with its own embedded font subsets), and a report
lays out every chart's SVG text through Pango. Here a batch is laid out once as one document whose
stylesheet is parsed once; a ZIP's per-person PDFs are copies of that layout's pages (no second
layout); and every external fetch is refused, as before.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from weasyprint.document import Document

PageCallback = Callable[[int], None]

_PAGE_PREFIX = "Step 5 - Creating layout - Page"


class _LayoutProgress(logging.Handler):
    """WeasyPrint announces each page it lays out on its "weasyprint.progress" logger: the only hook
    it has. Calls the callback of the thread that renders (a worker may run tasks in threads)."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.callbacks: dict[int, PageCallback] = {}

    def emit(self, record: logging.LogRecord) -> None:
        callback = self.callbacks.get(threading.get_ident())
        if callback is None or not str(record.msg).startswith(_PAGE_PREFIX) or not record.args:
            return
        args = record.args if isinstance(record.args, tuple) else (record.args,)
        try:
            callback(int(args[0]))
        except (TypeError, ValueError):
            return


_handler = _LayoutProgress()
_handler_lock = threading.Lock()


@contextmanager
def _pages_reported(on_page: PageCallback | None) -> Iterator[None]:
    if on_page is None:
        yield
        return
    progress_logger = logging.getLogger("weasyprint.progress")
    with _handler_lock:
        if _handler not in progress_logger.handlers:
            progress_logger.addHandler(_handler)
        # The handler sees INFO records only if the logger lets them through.
        if progress_logger.getEffectiveLevel() > logging.INFO:
            progress_logger.setLevel(logging.INFO)
            progress_logger.propagate = False  # …without flooding the worker's log with them
    _handler.callbacks[threading.get_ident()] = on_page
    try:
        yield
    finally:
        _handler.callbacks.pop(threading.get_ident(), None)


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    # Nothing is fetched from anywhere: the pages carry their styles and charts, and use system fonts.
    return URLFetcher(allowed_protocols=())


def html_layout(html: str, *, on_page: PageCallback | None = None) -> Document:
    """Lay out an HTML document once (its pages are then written whole, in parts or page by page)."""
    from weasyprint import HTML

    with _pages_reported(on_page):
        return HTML(string=html, url_fetcher=_fetcher()).render()


def pdf_write(document: Document, pages: Sequence[int] | None = None) -> bytes:
    """The PDF of the whole document, or of some of its pages (indexes from 0) without a new layout."""
    if pages is not None:
        document = document.copy([document.pages[index] for index in pages])
    return bytes(document.write_pdf())


def page_groups(document: Document, anchor_prefix: str) -> dict[str, list[int]]:
    """The pages of each part of a document, by the ids that start with `anchor_prefix` (one element
    per part, e.g. a person's certificate): a part runs from the page holding its element until the
    next part begins. Parts are expected to start on a page of their own (`break-before: page`)."""
    groups: dict[str, list[int]] = {}
    current: str | None = None
    for index, page in enumerate(document.pages):
        names = [
            name
            for _y, name in sorted(
                (position[1], name)
                for name, position in page.anchors.items()
                if name.startswith(anchor_prefix)
            )
        ]
        for name in names:
            groups.setdefault(name, []).append(index)
        if names:
            current = names[-1]
        elif current is not None:
            groups[current].append(index)
    return groups
