"""Stable list pages: a long list split into pages of at most `PER_PAGE` entries.

Rules (after Nikola's static indexes):
- Pages are numbered from the oldest entry, so entries added at the new end fill the
  newest page and leave every older page byte-identical; a full page's address
  (`<list>/page/<n>/`) never changes.
- The list's own address shows the page readers start from (the newest briefings; a
  timeline year's first events); only that page carries the index of every page, and
  other pages name the newest page without its dates, so an addition changes the
  newest page, the list's own, and (when it starts a page) the one before it.
- A list that fits on one page is one page, as it always was.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence, TypeVar

T = TypeVar("T")
PER_PAGE = 100


@dataclass(frozen=True, slots=True)
class PageLink:
    site_path: str
    first: Any  # what the page's oldest and newest entries are known by (dates, numbers)
    last: Any


@dataclass(frozen=True, slots=True)
class Pager:
    """Where one page of a list stands among the others (for the template's navigation)."""

    number: int  # 1 is the oldest page
    first: PageLink  # the list's own address
    newer: PageLink | None
    older: PageLink | None
    pages: tuple[PageLink, ...] = ()  # every page, newest first: on the list's own page only

    @property
    def paged(self) -> bool:
        return bool(self.newer or self.older)


@dataclass(frozen=True, slots=True)
class ListPage:
    site_path: str
    entries: tuple  # in the order the page shows them
    pager: Pager


def page_path(base: str, number: int) -> str:
    return f"{base}page/{number}/"


def paginate(base: str, entries: Sequence[T], span: Callable[[int, Sequence[T]], tuple],
             newest_first: bool = True, per_page: int = PER_PAGE) -> list[ListPage]:
    """Split `entries` (oldest first) into stable pages under the site path `base`.

    `newest_first`: the list's own address shows the newest page and each page lists its
    entries newest first (briefings); otherwise the oldest page, oldest first (a
    timeline). `span(start, chunk)` gives the (first, last) a page is known by in the
    navigation; `start` is the chunk's position in `entries`."""
    chunks = [tuple(entries[i:i + per_page]) for i in range(0, len(entries), per_page)] or [()]
    home = len(chunks) if newest_first else 1

    def path(number: int) -> str:
        return base if number == home else page_path(base, number)

    links = [PageLink(path(n), *span((n - 1) * per_page, chunk))
             for n, chunk in enumerate(chunks, 1)]
    # The newest page is the one entries are added to: other pages link it without its
    # span, which changes with each addition.
    open_end = PageLink(links[-1].site_path, None, None)
    first = links[home - 1]
    pages = []
    for n, chunk in enumerate(chunks, 1):
        newer = (open_end if n + 1 == len(chunks) else links[n]) if n < len(chunks) else None
        older = links[n - 2] if n > 1 else None
        every = tuple(reversed(links)) if n == home and len(links) > 1 else ()
        shown = tuple(reversed(chunk)) if newest_first else chunk
        pages.append(ListPage(path(n), shown, Pager(n, first, newer, older, every)))
    return pages
