"""Equivalent corpora for Hugo, Pelican and MkDocs, made from a generated sitegen site,
so that the benchmark can time them side by side on the same machine in the same run.

Each briefing becomes one Markdown page with its title, date, topics (as tags/taxonomy)
and body; Hugo's templates render a "related" list like ours. Only tools found on the
PATH are timed.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

_FM = re.compile(r"^---\n(.*?)\n---\n(.*)$", re.S)


def briefings(site: Path):
    """(slug, front matter dict, body) for every briefing of a sitegen site."""
    for path in sorted((site / "content/briefings").glob("*.md")):
        m = _FM.match(path.read_text(encoding="utf-8"))
        meta = yaml.safe_load(m.group(1))
        body = re.sub(r"\[\[([^\]|]+)(?:\|([^\]]+))?\]\]", lambda x: x.group(2) or x.group(1),
                      m.group(2))
        yield path.stem, meta, body


def _points(meta) -> str:
    return "".join(f"- {kp['text']}\n" for kp in meta.get("key_points") or [])


HUGO_CONFIG = """baseURL = "https://example.org/"
title = "Bench"
disableKinds = ["RSS"]
buildFuture = true
[taxonomies]
  topic = "topics"
[related]
  includeNewer = true
  threshold = 1
  toLower = false
  [[related.indices]]
    name = "topics"
    weight = 100
"""
HUGO_BASEOF = """<!DOCTYPE html><html><head><title>{{ .Title }}</title></head>
<body><nav><a href="{{ relURL "" }}">Home</a></nav>{{ block "main" . }}{{ end }}</body></html>
"""
HUGO_SINGLE = """{{ define "main" }}<article><h1>{{ .Title }}</h1><p>{{ .Date.Format "2006-01-02" }}</p>
<p>{{ .Params.bottom_line }}</p>{{ .Content }}
<ul>{{ range .GetTerms "topics" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
{{ with .Site.RegularPages.Related . | first 5 }}<h2>Related</h2><ul>{{ range . }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}
</article>{{ end }}
"""
HUGO_LIST = """{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}
"""


def make_hugo(site: Path, dest: Path) -> tuple[list[str], Path]:
    shutil.rmtree(dest, ignore_errors=True)
    (dest / "content/briefings").mkdir(parents=True)
    (dest / "layouts/_default").mkdir(parents=True)
    (dest / "hugo.toml").write_text(HUGO_CONFIG)
    for name, text in (("baseof", HUGO_BASEOF), ("single", HUGO_SINGLE), ("list", HUGO_LIST)):
        (dest / f"layouts/_default/{name}.html").write_text(text)
    for slug, meta, body in briefings(site):
        fm = {"title": meta["title"], "date": str(meta["date"]), "topics": meta["topics"],
              "bottom_line": meta["bottom_line"]}
        (dest / f"content/briefings/{slug}.md").write_text(
            f"---\n{yaml.safe_dump(fm, sort_keys=True)}---\n{_points(meta)}\n{body}")
    return ["hugo", "--quiet", "--source", str(dest), "--destination", str(dest / "public")
            ], dest / "public"


def make_pelican(site: Path, dest: Path) -> tuple[list[str], Path]:
    shutil.rmtree(dest, ignore_errors=True)
    (dest / "content").mkdir(parents=True)
    (dest / "pelicanconf.py").write_text(
        "SITENAME = 'Bench'\nPATH = 'content'\nTIMEZONE = 'UTC'\nDEFAULT_LANG = 'en'\n"
        "FEED_ALL_ATOM = None\nCATEGORY_FEED_ATOM = None\nRELATIVE_URLS = True\n")
    for slug, meta, body in briefings(site):
        (dest / f"content/{slug}.md").write_text(
            f"Title: {meta['title']}\nDate: {meta['date']}\nSlug: {slug}\n"
            f"Tags: {', '.join(meta['topics'])}\nSummary: {meta['bottom_line']}\n\n"
            f"{_points(meta)}\n{body}")
    return ["pelican", str(dest / "content"), "-s", str(dest / "pelicanconf.py"),
            "-o", str(dest / "output"), "-q"], dest / "output"


def make_mkdocs(site: Path, dest: Path) -> tuple[list[str], Path]:
    shutil.rmtree(dest, ignore_errors=True)
    (dest / "docs").mkdir(parents=True)
    (dest / "mkdocs.yml").write_text("site_name: Bench\nuse_directory_urls: true\n")
    (dest / "docs/index.md").write_text("# Bench\n")
    for slug, meta, body in briefings(site):
        (dest / f"docs/{slug}.md").write_text(
            f"# {meta['title']}\n\n{meta['bottom_line']}\n\n{_points(meta)}\n{body}")
    return ["mkdocs", "build", "-q", "-f", str(dest / "mkdocs.yml"), "-d", str(dest / "site")
            ], dest / "site"


TOOLS = {"hugo": make_hugo, "pelican": make_pelican, "mkdocs": make_mkdocs}


def available() -> list[str]:
    return [name for name in TOOLS if shutil.which(name)]
