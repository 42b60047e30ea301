"""End to end: the bundled example builds, and its output hangs together."""
from __future__ import annotations

import re

from linkcheck import check_site, parse

SEED = "000_533b14a5b1547bde"


def test_example_builds_with_every_link_resolving(example, cli):
    code, _out, err = cli("build", "--root", example)
    assert code == 0, err
    out = example / "public"
    assert "wrote" in err and "pages" in err  # progress output
    for page in ("index.html", "topics/index.html", "timeline/index.html",
                 f"sources/{SEED}/index.html", "briefings/talks-with-russia-break-down/index.html",
                 "topics/nato/index.html", "404.html", "assets/style.css"):
        assert (out / page).is_file(), page
    assert check_site(out, base_path="/briefings/") == []  # the path of base_url


def test_a_relative_root_builds(example, cli, monkeypatch):
    """`--root site` (relative): the seeds used to be looked for at site/site/seeds/…"""
    monkeypatch.chdir(example.parent)
    code, _out, err = cli("build", "--root", example.name, "-q")
    assert code == 0, err
    assert (example / f"public/sources/{SEED}/index.html").is_file()


def test_source_page_has_paragraph_anchors_p1_to_p18(example, cli):
    assert cli("build", "--root", example)[0] == 0
    ids = parse(example / f"public/sources/{SEED}/index.html").ids
    assert {f"p{i}" for i in range(1, 19)} <= ids
    assert "p19" not in ids


def test_briefing_links_six_or_more_citations_into_the_source(example, cli):
    assert cli("build", "--root", example)[0] == 0
    page = parse(example / "public/briefings/talks-with-russia-break-down/index.html")
    cites = {v for tag, attr, v in page.links
             if re.search(rf"sources/{SEED}/index\.html#p\d+$", v)}
    assert len(cites) >= 6


def test_clean_links_end_in_slash_and_still_resolve(example, cli):
    assert cli("build", "--root", example, "--clean-links")[0] == 0
    out = example / "public"
    assert check_site(out, clean=True, base_path="/briefings/") == []
    html = (out / "briefings/talks-with-russia-break-down/index.html").read_text()
    assert 'href="../../topics/nato/"' in html
    assert "index.html" not in re.sub(r'href="[^"]*assets[^"]*"', "", html)


def test_quiet_build_prints_nothing(example, cli):
    code, out, err = cli("build", "--root", example, "-q")
    assert code == 0 and out == "" and err == ""


def test_marking_banner_on_every_page(example, cli):
    assert cli("build", "--root", example)[0] == 0
    for page in (example / "public").rglob("*.html"):
        assert "TLP:CLEAR" in page.read_text(), page


def test_python_dash_m_is_the_same_program(example):
    import subprocess
    import sys
    run = subprocess.run([sys.executable, "-m", "sitegen", "--version"],
                         capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.startswith("sitegen ")


def test_the_command_line_build_spares_a_last_garbage_collection(example, cli):
    import gc

    gc.unfreeze()
    try:
        code, _out, err = cli("build", "--root", example, "-q")
        assert code == 0, err
        # What the build left is frozen out of collections: the process ends soon, and a
        # last walk over the whole graph would cost ~0.9 s at 10,000 briefings.
        assert gc.get_freeze_count() > 10_000 and gc.isenabled()
    finally:
        gc.unfreeze()


def test_pages_stream_in_a_few_pieces_equal_to_the_whole_page(example):
    from sitegen.pipeline import load_site
    from sitegen.errors import Collector
    from sitegen.load.config import load_config
    from sitegen.pages import site_pages
    from sitegen.render import Renderer
    from sitegen.theme import load_theme

    config = load_config(example)
    site = load_site(example, config, Collector())
    renderer = Renderer(load_theme(example, config.theme), site)
    for page in site_pages(site):
        pieces = list(renderer.stream(page))
        whole = renderer.env.get_template(page.template).render(
            page=page, url=renderer._url(page, page.data), **page.data)
        assert "".join(pieces) == whole, page.site_path
        assert len(pieces) <= len(whole) // 1000 + 2, page.site_path  # batched, not per tag
