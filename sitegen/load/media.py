"""Media: the files a briefing or topic may show or link — those beside a briefing in its
folder (`content/briefings/<slug>/index.md` and its images, PDFs …) and the site's shared
ones in `content/media/`.

Rules: media are listed here, not read; a file a body refers to is published at its path
below `content/` (`content/media/map.png` → `media/map.png`), so a link written relative
to the Markdown file works in an editor's preview and in the site alike. An image's
width and height are read from its header when a body shows it. An SVG with scripts or
event handlers is not published: opened on its own, it would run as a page of the site.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import Collector
from .files import InputFiles, link_problem, passed_over

MEDIA_DIR = "content/media"
MAX_FILES = 20_000  # in one media folder, subfolders included
IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg")
_ACTIVE_SVG = re.compile(rb"<script|\son[a-z]+\s*=|javascript:", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class MediaFile:
    path: str  # relative to the site root, e.g. "content/media/map.png"
    size: int
    sha256: str  # of its bytes
    width: int = 0  # images: in pixels, from the file's header (0: it cannot tell)
    height: int = 0
    active: bool = False  # an SVG with scripts or event handlers (never published)

    @property
    def site_path(self) -> str:
        """Where it is published: its path below content/."""
        return self.path.split("/", 1)[1]

    @property
    def is_image(self) -> bool:
        return self.path.lower().endswith(IMAGE_TYPES)


def list_media(root: Path, folder: str, out: Collector, files: InputFiles
               ) -> dict[str, MediaFile]:
    """Every file under `folder` (relative to the root), by its root-relative path; an
    index.md directly in it is a briefing, not a medium. Links are followed only to files
    inside the site (see load.files); `files` digests them."""
    found: dict[str, MediaFile] = {}
    base = root / folder
    if not base.is_dir():
        return found
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if not passed_over(d))
        for name in sorted(filenames):
            rel = os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/")
            if passed_over(name) or rel == f"{folder}/index.md":
                continue
            path = root / rel
            problem = link_problem(path, root)
            if problem:
                out.error(rel, None, problem, code="bad-link")
                continue
            if len(found) == MAX_FILES:
                out.error(f"{folder}/", None, f"more than {MAX_FILES} files: split them "
                                              "into the briefings' own folders", code="too-many")
                return found
            try:
                found[rel] = _medium(path, rel, files)
            except OSError as exc:
                out.error(rel, None, f"cannot read file: {exc.strerror or exc}",
                          code="read-error")
    return found


def _medium(path: Path, rel: str, files: InputFiles) -> MediaFile:
    digest = files.digest(path, rel)
    width = height = 0
    if rel.lower().endswith(IMAGE_TYPES):
        import imagesize  # reads a few bytes of the header; the image is never decoded
        try:
            width, height = (max(0, int(n)) for n in imagesize.get(str(path)))
        except (ValueError, TypeError):
            pass
    active = rel.lower().endswith(".svg") and _ACTIVE_SVG.search(path.read_bytes()) is not None
    return MediaFile(rel, files.size(path), digest, width, height, active)
