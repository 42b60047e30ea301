"""Media: the files a briefing or topic may show or link — those beside a briefing in its
folder (`content/briefings/<slug>/index.md` and its images, PDFs …) and the site's shared
ones in `content/media/`.

Rules: a file a body refers to is published at its path below `content/`
(`content/media/map.png` → `media/map.png`), so a link written relative to the Markdown
file works in an editor's preview and in the site alike; a file a browser would run as a
page of the site (.html, .xml …) is published as text (see urls.published). An image's
width and height are read from its header. An SVG is published only when it is static
drawing (`static_svg`): opened on its own, any other would run as a page of the site.
A medium is at most MAX_BYTES.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import Collector
from .. import urls
from .files import InputFiles, folder_problem, link_problem, passed_over
from .svg import static_svg

MEDIA_DIR = "content/media"
MAX_FILES = 20_000  # in one media folder, subfolders included
MAX_BYTES = 200 << 20  # one file
MAX_SVG_BYTES = 5 << 20
IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg")


@dataclass(frozen=True, slots=True)
class MediaFile:
    path: str  # relative to the site root, e.g. "content/media/map.png"
    sha256: str  # of its bytes
    width: int = 0  # images: in pixels, from the file's header (0: it cannot tell)
    height: int = 0
    unsafe: str = ""  # an SVG that is not static drawing: why (it is never published)

    @property
    def site_path(self) -> str:
        """Where it is published: its path below content/ (see the module's rules)."""
        below = self.path.split("/", 1)[1]
        return below if self.is_image else urls.published(below)

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
    problem = folder_problem(base, root)
    if problem:
        out.error(f"{folder}/", None, problem, code="bad-link")
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
                size = path.stat().st_size
                if size > MAX_BYTES:
                    out.error(rel, None, f"{size >> 20} MB: a medium is at most "
                                         f"{MAX_BYTES >> 20} MB; link a large file where it "
                                         "is hosted instead", code="too-large")
                    continue
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
    unsafe = static_svg(path) if rel.lower().endswith(".svg") else ""
    return MediaFile(rel, digest, width, height, unsafe)
