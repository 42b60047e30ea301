"""Which content files a folder holds (content/briefings/, content/topics/): each file's
shown path and slug, and what is wrong with the listing (files ignored, names that are
no slug, two files of one slug), the plan the content load parses by — carried by a
warm memo while the build's scan lists the folder as it was."""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import Collector
from .fields import SLUG_RE
from .files import folder_problem, link_problem, listing, passed_over
from .media import MEDIA_DIR
from .scan import Scan

CONTENT_DIR = "content"
BRIEFINGS_DIR = "content/briefings"
TOPICS_DIR = "content/topics"
BUNDLE_INDEX = "index.md"  # content/briefings/<slug>/index.md: a briefing with its media
RESERVED_SLUGS = frozenset({"page"})  # list pages live at <list>/page/<n>/ (sitegen.paging)


def _slug(path: Path, relpath: str, out: Collector) -> str | None:
    """The slug a content file (or a briefing's folder) gives its page, or None (an error)."""
    slug = path.stem if path.suffix.lower() in (".md", ".yaml", ".yml") else path.name
    if not SLUG_RE.match(slug):
        out.error(relpath, None, f"file name '{path.name}' is not a valid slug: use lower-case "
                                 "letters, digits and hyphens, e.g. 'talks-with-russia.md'",
                  code="bad-slug")
        return None
    if slug in RESERVED_SLUGS:
        out.error(relpath, None, f"the slug '{slug}' is taken by the site's own list pages "
                                 f"(briefings/{slug}/2/ is the second page of all "
                                 f"briefings): rename the file, e.g. '{slug}-1{path.suffix}'",
                  code="bad-slug")
        return None
    return slug


def _files(root: Path, folder: str, suffixes: tuple[str, ...], out: Collector,
           bundles: bool = False, scan: Scan | None = None) -> list[Path]:
    """The content files of a folder (as the build's `scan` found them, when it did);
    with `bundles`, a subfolder holding an index.md is one too (a briefing with its media
    beside it, see load.media)."""
    base = root / folder
    if not base.is_dir():
        return []
    problem = folder_problem(base, root)
    if problem:
        out.error(f"{folder}/", None, problem, code="bad-link")
        return []
    files = []
    scanned = scan.entries(folder) if scan is not None else None
    for entry in listing(base) if scanned is None else scanned:
        problem = link_problem(base / entry.name, root) if entry.is_symlink() else None
        if problem:
            out.error(f"{folder}/{entry.name}", None, problem, code="bad-link")
            continue
        if entry.is_dir():
            if bundles and (base / entry.name / BUNDLE_INDEX).is_file():
                files.append(base / entry.name / BUNDLE_INDEX)
            else:
                where = f"; a briefing in a folder of its own is {folder}/{entry.name}/" \
                        f"{BUNDLE_INDEX}" if bundles else ""
                out.warning(f"{folder}/{entry.name}/", None, f"ignored: files are read from "
                            f"{folder}/ itself, not from folders inside it{where}",
                            code="ignored-file")
            continue
        path = base / entry.name
        if not entry.is_file():  # a pipe, a device: reading it could wait for ever
            out.warning(f"{folder}/{path.name}", None, "ignored: not a regular file",
                        code="ignored-file")
        elif path.suffix.lower() in suffixes:
            files.append(path)
        else:
            out.warning(f"{folder}/{path.name}", None,
                        f"ignored: not a {' or '.join(suffixes)} file", code="ignored-file")
    return files


def plan(root: Path, folder: str, suffixes: tuple[str, ...], step: str, out: Collector,
          memo, scan: Scan | None) -> list[tuple[Path, str, str]]:
    """(path, shown path, slug) of each content file of a folder to parse, in order;
    problems (names that are no slug, two files of one slug, what is ignored) go to
    `out`. A warm memo carries the plan while the build's scan lists the folder as the
    very same entries (see load.scan: no file in it came, went or changed kind)."""
    name, listed = f"plan {folder}", scan.entries(folder) if scan is not None else None
    was = memo.carried(name)
    if was is not None and listed is not None and was[0] is listed:
        memo.carry(name, was)
        out.extend(was[2])
        return was[1]
    problems, plan, seen, base = Collector(), [], {}, root / folder
    for path in _files(root, folder, suffixes, problems, folder == BRIEFINGS_DIR, scan):
        bundle = path.name == BUNDLE_INDEX and path.parent != base
        relpath = f"{folder}/{path.parent.name}/{path.name}" if bundle else f"{folder}/{path.name}"
        slug = _slug(path.parent if bundle else path, relpath, problems)
        if slug is None:
            continue
        if slug in seen:  # e.g. nato.yaml and nato.md, or x.md and x/index.md
            problems.error(relpath, None, f"duplicate {step} slug '{slug}': also defined by "
                                          f"{seen[slug]}; keep one of the two files",
                           code="duplicate-slug")
            continue
        seen[slug] = relpath
        plan.append((path, relpath, slug))
    if listed is not None:
        memo.carry(name, (listed, plan, tuple(problems.problems)))
    out.extend(problems.problems)
    return plan


def strays(root: Path, out: Collector) -> None:
    """Warn about what lies in content/ beside the briefings and topics folders: sitegen
    reads nothing else there (a briefing saved one folder too high is easy to miss)."""
    content = root / CONTENT_DIR
    if not content.is_dir():
        return
    known = {Path(BRIEFINGS_DIR).name, Path(TOPICS_DIR).name, Path(MEDIA_DIR).name}
    for name in sorted(os.listdir(content)):
        if name not in known and not passed_over(name):
            out.warning(f"{CONTENT_DIR}/{name}", None, f"ignored: briefings go in "
                        f"{BRIEFINGS_DIR}/, topics in {TOPICS_DIR}/, shared images and "
                        f"files in {MEDIA_DIR}/", code="ignored-file")
