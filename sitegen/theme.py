"""Themes: find a theme by name (the site's `themes/` first, then the bundled ones),
follow `extends:` chains, and list the templates folders and static files they give."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import Collector, SiteError
from .load.fields import Fields, suggest
from .load.files import folder_problem, link_problem, passed_over
from .load.yamlsrc import parse_yaml

THEME_KEYS = ("extends", "name", "description")


def bundled_themes_dir() -> Path:
    """Themes shipped with sitegen: inside the installed package, or the repo's `themes/`."""
    here = Path(__file__).resolve().parent
    packaged = here / "_themes"
    return packaged if packaged.is_dir() else here.parent / "themes"


@dataclass(frozen=True)
class Theme:
    name: str
    chain: tuple[Path, ...]  # the theme's folder first, then what it extends

    @property
    def template_dirs(self) -> list[str]:
        return [str(d / "templates") for d in self.chain if (d / "templates").is_dir()]

    def static_files(self) -> dict[str, Path]:
        """Asset path (relative to assets/) -> file; a theme overrides what it extends."""
        files: dict[str, Path] = {}
        for d in reversed(self.chain):
            static = d / "static"
            if static.is_dir():
                for f in sorted(static.rglob("*")):
                    # an input by the rule of load.scan (which the no-change check uses)
                    if f.is_file() and not any(map(passed_over, f.relative_to(static).parts)):
                        files[f.relative_to(static).as_posix()] = f
        return files


def _find(root: Path, name: str) -> list[tuple[Path, str]]:
    """The site's themes/<name> and the bundled theme of that name, where they exist:
    a site folder named like a bundled theme overrides single files of it."""
    found = []
    for base, shown in ((root / "themes", f"themes/{name}"),
                        (bundled_themes_dir(), f"(bundled theme '{name}')")):
        folder = (base / name).resolve()
        if folder.is_dir() and folder not in [f for f, _ in found]:
            found.append((folder, shown))
    return found


def _check_links(root: Path, name: str) -> None:
    """Raise a SiteError naming every link in the site's `themes/<name>` that leads
    outside the site or to nothing (see load.files.link_problem): its templates and
    static files are published."""
    out, folder = Collector(), root / "themes" / name
    problem = folder_problem(folder, root) or link_problem(folder, root)
    if problem:
        out.error(f"themes/{name}", None, problem, code="bad-link")
    elif folder.is_dir():
        for path in sorted(folder.rglob("*")):
            problem = link_problem(path, root)
            if problem:
                out.error(path.relative_to(root).as_posix(), None, problem, code="bad-link")
    out.raise_if_errors()


def load_theme(root: Path, name: str) -> Theme:
    chain, names, rel = [], [], "config.yaml"
    while name:
        if name in names:
            raise SiteError.at(rel, None, f"themes extend each other in a loop: "
                                          f"{' -> '.join(names + [name])}; remove one 'extends:'",
                               code="theme-loop")
        _check_links(root, name)
        found = _find(root, name)
        if not found:
            known = sorted({p.name for base in (root / "themes", bundled_themes_dir())
                            if base.is_dir() for p in base.iterdir() if p.is_dir()})
            raise SiteError.at(rel, None, f"theme '{name}' not found in themes/"
                                          f"{suggest(name, known)} "
                                          f"(available: {', '.join(known) or 'none'})",
                               code="unknown-theme")
        chain.extend(folder for folder, _ in found)
        names.append(name)
        folder, shown = found[0]
        name, rel = None, f"{shown}/theme.yaml"
        meta = folder / "theme.yaml"
        if meta.is_file():
            out = Collector()
            f = Fields(parse_yaml(meta.read_text(encoding="utf-8"), rel), rel, out, what="theme")
            f.check_keys(THEME_KEYS)
            out.raise_if_errors()
            name = f.text("extends")
    return Theme(names[0], tuple(chain))
