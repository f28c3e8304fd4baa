"""A folder (or a search) listed page by page in the background.

Each page is one bridge task; the next one is asked for only when the previous
one has been delivered, so the GUI thread never receives pages faster than it
merges them, and memory holds one page in flight. Each listing is a request of a
:class:`~coachadmin.ui.bridge.Latest`: pages of an older one that arrive late are
dropped.
The first page is small, so a huge folder shows its first rows sooner.
"""

from __future__ import annotations

import gc
import logging
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from coachadmin.errors import UserFacingError
from coachadmin.s3.listing import Page
from coachadmin.ui.bridge import Latest
from coachadmin.ui.browser.access import BucketAccess
from coachadmin.ui.worker_imports import WorkerModule

if TYPE_CHECKING:
    from coachadmin.s3 import operations
else:
    operations = WorkerModule("coachadmin.s3.operations")

log = logging.getLogger("coachadmin.ui.browser")

FIRST_PAGE = 100
PAGE = 1000


class PagedListing(QObject):
    #: A page of the current listing arrived (Page).
    page = Signal(object)
    #: The listing is complete: (prefix, rows listed).
    finished = Signal(str, int)
    #: The listing failed (UserFacingError); pages already delivered stay.
    failed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._latest = Latest()
        self._ticket = self._latest.begin()
        self._access: BucketAccess | None = None
        self._prefix = ""
        self._search = False
        self._rows = 0
        self._started = 0.0
        self.loading = False

    @property
    def prefix(self) -> str:
        return self._prefix

    def start(self, access: BucketAccess, prefix: str, *, search: bool = False) -> None:
        """List ``prefix`` as a folder, or (``search``) every key that starts with it."""
        self._ticket = self._latest.begin()
        self._access, self._prefix, self._search = access, prefix, search
        self._rows = 0
        self._started = time.perf_counter()
        self.loading = True
        self._fetch(None, FIRST_PAGE)

    def stop(self) -> None:
        """Forget the current listing (its pages in flight are dropped)."""
        self._latest.drop()
        self.loading = False

    def _fetch(self, token: str | None, size: int) -> None:
        assert self._access is not None
        func = operations.search_page if self._search else operations.list_folder
        self._access.run(
            func,
            self._prefix,
            token,
            size,
            on_result=self._ticket.only(self._deliver),
            on_error=self._ticket.only(self._fail),
            owner=self,
        )

    def _deliver(self, page: Page) -> None:
        self._rows += len(page.folders) + len(page.objects)
        if page.next_token is not None:
            self._fetch(page.next_token, PAGE)  # ask first: the merge below overlaps the wait
        self.page.emit(page)
        _settle_garbage_collector()
        if page.next_token is None:
            self.loading = False
            log.info(
                "listed %s: %d rows in %.2f s",
                self._prefix or "/",
                self._rows,
                time.perf_counter() - self._started,
            )
            self.finished.emit(self._prefix, self._rows)

    def _fail(self, error: UserFacingError) -> None:
        self.loading = False
        self.failed.emit(error)


def _settle_garbage_collector() -> None:
    """Keep Python's cyclic collector off the rows: a full collection walks every tracked
    object, and 100,000 rows made one take 90 ms (several hundred on a busy machine), a
    visible freeze. Rows hold no cycles (refcounting frees them when the folder is left),
    so after collecting the young generations (cheap), everything alive is moved to
    the permanent generation, which full collections skip."""
    gc.collect(1)
    gc.freeze()
