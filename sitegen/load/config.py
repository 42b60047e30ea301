"""`config.yaml`: the site's settings, validated, with paths kept inside the root, and
with them the site's estimative table (see load.estimative)."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import WARNING_CODES, Collector, SiteError
from .estimative import Scales, load_scales
from .fields import LANGUAGE_TAG, Fields, parse_partial_date, suggest
from .yamlsrc import parse_yaml

CONFIG_FILE = "config.yaml"
# The inputs at the site root: the settings, the estimative table, the citations' lock.
SITE_FILES = (CONFIG_FILE, "estimative.yaml", "sitegen.lock")
KEYS = ("title", "description", "base_url", "language", "theme", "output_dir",
        "clean_links", "marking", "ignore_warnings", "originals", "changes_since")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class Config:
    title: str
    description: str = ""
    base_url: str | None = None  # always ends in "/" when set
    language: str = "en"
    theme: str = "default"
    output_dir: str = "public"
    clean_links: bool = False
    marking: str | None = None
    ignore_warnings: tuple[str, ...] = ()  # warning codes (errors.WARNING_CODES) not shown
    originals: bool = True  # publish each seed's file on its source page, for download
    changes_since: dt.date | None = None  # the changes page's point; None: the lock's update
    drafts: bool = False  # from the command line, not the file
    estimative: Scales | None = None  # from estimative.yaml (see load.estimative)

    def with_options(self, **changes) -> "Config":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def inside(root: Path, relative: str) -> bool:
    """True when `relative` (from config or content) names a place inside `root`."""
    target = (root / relative).resolve()
    base = root.resolve()
    return target == base or base in target.parents


def _base_url_problem(url: str) -> str | None:
    """What keeps `url` from being a site's address (for canonical links, the feed, the
    sitemap and 404.html), or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "it needs http:// or https://"
    if not parts.hostname:
        return "it names no host"
    if any(c.isspace() for c in url):
        return "it has spaces: write them as %20"
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        return "a site's address has no ?query or #fragment"
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError:
        return "its port is not a number from 1 to 65535"
    return None


def _changes_since(f: Fields) -> dt.date | None:
    """`changes_since`: `lock` (the default: the last update of sitegen.lock) or a day."""
    value = f.data.get("changes_since")
    if value is None or value == "lock":
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    day = parse_partial_date(value) if isinstance(value, (str, int)) else None
    if day and day.day:
        return dt.date(day.year, day.month, day.day)
    f.error(("changes_since",), "'changes_since' must be 'lock' (changes since the last "
                               "`sitegen check --update-lock`) or a day written YYYY-MM-DD, "
                               f"got '{value}'")
    return None


def load_config(root: Path) -> Config:
    path = root / CONFIG_FILE
    if not path.is_file():
        raise SiteError.at(CONFIG_FILE, None,
                           f"no {CONFIG_FILE} in {root}: is --root pointing at a site folder?",
                           code="no-config")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SiteError.at(CONFIG_FILE, None, f"not valid UTF-8 ({exc.reason}); save the file "
                                              "as UTF-8", code="bad-encoding") from None
    doc = parse_yaml(text, CONFIG_FILE)
    out = Collector()
    f = Fields(doc, CONFIG_FILE, out, what="config.yaml")
    f.check_keys(KEYS, required=("title",))
    values = dict(
        title=f.text("title") or "",
        description=f.text("description") or "",
        language=f.text("language") or "en",
        theme=f.text("theme") or "default",
        output_dir=f.text("output_dir") or "public",
        clean_links=f.flag("clean_links"),
        marking=f.text("marking") or None,
        base_url=f.text("base_url") or None,
        ignore_warnings=f.text_list("ignore_warnings"),
        originals=f.flag("originals", True),
        changes_since=_changes_since(f),
    )
    for i, code in enumerate(values["ignore_warnings"]):
        if code not in WARNING_CODES:
            f.error(("ignore_warnings", i), f"'{code}' is no warning code"
                                            f"{suggest(code, WARNING_CODES)} (they are: "
                                            f"{', '.join(WARNING_CODES)})")
    if not LANGUAGE_TAG.match(values["language"]):
        f.error(("language",), f"'language' must be a language tag like en or pt-BR, "
                               f"got '{values['language']}'")
    if not _NAME_RE.match(values["theme"]):
        f.error(("theme",), f"'theme' must be a folder name under themes/, got '{values['theme']}'")
    if Path(values["output_dir"]).is_absolute() or not inside(root, values["output_dir"]):
        f.error(("output_dir",), f"'output_dir' must be a folder inside the site root, "
                                 f"got '{values['output_dir']}'", "bad-path")
    url = values["base_url"]
    if url:
        why = _base_url_problem(url)
        if why:
            f.error(("base_url",), f"'base_url' must be an absolute http(s) URL like "
                                   f"https://example.org/briefings/ ({why}), got '{url}'")
        values["base_url"] = url.rstrip("/") + "/"
    out.raise_if_errors()
    return Config(**values, estimative=load_scales(root))
