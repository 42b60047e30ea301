"""Shared fixtures: the bundled example site in a temp folder, tiny sites built from dicts."""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from sitegen.cli import main

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_PARTS = ("config.yaml", "content", "seeds", "themes")

SEED_TEXT = """A Small Source

The first paragraph says that the harbour reopened on Monday.

A Section

The second paragraph quotes the mayor: “we will rebuild the pier.”

The third paragraph notes that ferries resume in 2024.
"""


def copy_example(root: Path) -> Path:
    """A copy of the bundled example site at `root`."""
    root.mkdir()
    for part in EXAMPLE_PARTS:
        src = REPO / part
        if src.is_dir():
            shutil.copytree(src, root / part)
        elif src.is_file():
            shutil.copy(src, root / part)
    return root


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A copy of the bundled example site."""
    return copy_example(tmp_path / "site")


def briefing_files(root: Path) -> list[Path]:
    """A site's briefing files: content/briefings/<slug>.md and <slug>/index.md."""
    folder = root / "content/briefings"
    return sorted([*folder.glob("*.md"), *folder.glob("*/index.md")])


def write_site(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


BRIEFING = """
---
title: Harbour reopens
date: 2024-03-01
seeds: [harbour]
topics: [harbour-town]
bottom_line: The harbour is open again.
key_points:
  - text: It reopened on Monday.
    cite: p1
  - text: The mayor promises a new pier.
    quote: "we will rebuild the pier"
timeline:
  - date: 2024
    event: Ferries resume
    cite: p3
---
The [[harbour-town]] story.
"""


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """A minimal valid site: one seed, one briefing, one topic."""
    root = tmp_path / "small"
    return write_site(root, {
        "config.yaml": "title: Small site\n",
        "seeds/harbour.txt": SEED_TEXT,
        "content/topics/harbour-town.yaml": "title: Harbour Town\nkind: place\n",
        "content/briefings/harbour-reopens.md": BRIEFING,
    })


@pytest.fixture
def site(small: Path) -> Path:
    """The small site with a base_url, so that a clean check has no warning at all."""
    edit(small, "config.yaml", "title: Small site", "title: Small site\n"
                                                     "base_url: https://example.org/")
    return small


@pytest.fixture
def cli(capsys):
    """Run the CLI in-process: returns (exit code, stdout, stderr)."""
    def run(*args: str):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse usage errors and --version
            code = exc.code
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    return run


def edit(root: Path, rel: str, old: str, new: str) -> None:
    """Replace the first `old` in a site file by `new` (the text must be there)."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def record_calls(monkeypatch, cls, name: str, log: Path, what) -> None:
    """Make cls.name append a line, what(*args), to the file `log` on each call, from
    worker processes too."""
    original = getattr(cls, name)

    def recorded(*args):
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"{what(*args)}\n")
        return original(*args)

    monkeypatch.setattr(cls, name, recorded)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder with its bytes (to prove an output is unchanged)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}
