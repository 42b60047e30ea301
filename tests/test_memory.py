"""What a build keeps in memory after it has used it: on a large site, anything kept per
page or per briefing adds up to the peak of the process that renders."""
from __future__ import annotations

import gc
import tracemalloc

from conftest import briefing_files
from sitegen.book import BOOK_PAGE
from sitegen.pipeline import load_site
from sitegen.errors import Collector
from sitegen.load.config import load_config
from sitegen.pages import site_pages
from sitegen.render import Renderer
from sitegen.theme import load_theme


def test_rendering_the_book_keeps_nothing_of_its_chapters(example):
    for path in briefing_files(example):  # bodies large beside the interpreter's own pools
        with path.open("a", encoding="utf-8") as f:
            f.write("\n\nIt is likely that the talks resume, and unlikely that they end soon. "
                    * 300 + "\n")
    config = load_config(example)
    site = load_site(example, config, Collector())
    renderer = Renderer(load_theme(example, config.theme), site)

    def book():  # each time with chapters of its own, as every build has
        return next(page for page in site_pages(site) if page.site_path == BOOK_PAGE)

    tracemalloc.start()  # before warming up: the interpreter's own pools fill there
    try:
        renderer.render(book())  # templates compiled, filters warmed
        page = book()
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        html = renderer.render(page)
        del html
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    bodies = sum(len(b.body_html) for b in site.briefings.values())
    assert len(page.data["chapters"]) == len(site.briefings) > 3
    assert kept < bodies / 4, (kept, bodies)
