"""The oracle: after every step of a random series of edits, the incremental `sitegen
build` (a new process, with its cache) and a warm `sitegen serve` (one process for the
whole series) give exactly the files of a clean build in a fresh process with no cache,
byte for byte, with the same warnings.

Each series is a random walk over the edits below, drawn from a seeded `random.Random`, so
a run is repeatable and a failure names the seed and the steps that led to it. (Not
Hypothesis: each step costs three builds, and Hypothesis spends its first examples on
the simplest series and would spend a failure's time shrinking it.) `SITEGEN_ORACLE_STEPS`
(steps per series, default 12), `SITEGEN_ORACLE_SERIES` (default 2) and
`SITEGEN_ORACLE_SEED` make a longer or another run: `SITEGEN_ORACLE_STEPS=60
SITEGEN_ORACLE_SERIES=10 python -m pytest tests/test_oracle.py`."""
from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, snapshot
from serve_tools import ServeProcess

STEPS = int(os.environ.get("SITEGEN_ORACLE_STEPS", "12"))
SERIES = int(os.environ.get("SITEGEN_ORACLE_SERIES", "2"))
FIRST_SEED = int(os.environ.get("SITEGEN_ORACLE_SEED", "20261201"))
ORIGINAL = ["donbas-false-flag-allegations", "putins-red-lines", "russian-demands-on-nato",
            "talks-with-russia-break-down"]
SEED = "000_533b14a5b1547bde"
FIGURE = "russian-demands-on-nato/demands.svg"
DOT = '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><circle cx="4" cy="4" r="3"/></svg>'

LEAF_TOPICS = ["black-sea", "france", "germany", "minsk-agreements"]
WORDS = ["alliance", "Crimea", "pipeline", "sanctions", "grain", "Kremlin"]
NEW = """---
title: {title}
date: 2022-02-0{day}
seeds: [{seed}]
topics: [nato, russia]
bottom_line: Something new happened about {word}.
key_points:
  - text: A quote from the source.
    quote: "there is nowhere to retreat"
{draft}---
The [[nato]] angle on {word}, and [[putins-red-lines]].
"""


class EditSeries:
    """A site (the example's content and seeds, the bundled theme) and its edits; each
    `edit_…` method makes one edit, its choices drawn from `self.rng`."""

    def __init__(self, tmp: Path, rng: random.Random):
        self.rng, self.tmp = rng, tmp
        self.root = tmp / "site"
        self.root.mkdir()
        for part in ("config.yaml", "content", "seeds"):
            src = REPO / part
            (shutil.copytree if src.is_dir() else shutil.copy)(src, self.root / part)
        self.added: list[str] = []  # slugs of briefings this series added
        self.extra_seed = False
        self.dot_in: str | None = None  # the briefing showing content/media/dot.svg
        self.counter = 0
        self.steps: list[str] = []

    # -- helpers ---------------------------------------------------------------------
    def path(self, rel: str) -> Path:
        return self.root / rel

    def rewrite(self, rel: str, old: str, new: str) -> None:
        text = self.path(rel).read_text(encoding="utf-8")
        assert old in text, (rel, old)
        self.path(rel).write_text(text.replace(old, new, 1), encoding="utf-8")

    def briefing(self, slug: str) -> str:
        folder = f"content/briefings/{slug}/index.md"  # a briefing with its media beside it
        return folder if self.path(folder).is_file() else f"content/briefings/{slug}.md"

    def any_briefing(self) -> str:
        return self.rng.choice(ORIGINAL + self.added)

    def word(self) -> str:
        return self.rng.choice(WORDS)

    def edits(self) -> list:
        """The edits possible now."""
        found = [getattr(self, name) for name in dir(self) if name.startswith("edit_")]
        if len(self.added) >= 3:
            found.remove(self.edit_add_briefing)
        if not self.added:
            found.remove(self.edit_delete_briefing)
            found.remove(self.edit_rename_briefing)
        return found

    def step(self) -> str:
        """Make one random edit; says what it did."""
        what = self.rng.choice(sorted(self.edits(), key=lambda f: f.__name__))()
        self.steps.append(what)
        return what

    # -- edits -----------------------------------------------------------------------
    def edit_title(self) -> str:
        slug, word = self.any_briefing(), self.word()
        text = self.path(self.briefing(slug)).read_text(encoding="utf-8")
        self.path(self.briefing(slug)).write_text(
            re.sub(r"(?m)^title: (.*)$", lambda m: f"title: {m.group(1)} on {word}", text, 1),
            encoding="utf-8")
        return f"title of {slug}"

    def edit_body(self) -> str:
        slug, link = self.any_briefing(), self.rng.random() < 0.5
        extra = f"\n\nMore on {self.word()}" + (" and [[ukraine]]." if link else ".") + "\n"
        with self.path(self.briefing(slug)).open("a", encoding="utf-8") as f:
            f.write(extra)
        return f"body of {slug}" + (" with a link" if link else "")

    def edit_key_point(self) -> str:
        slug, word = self.any_briefing(), self.word()
        text = self.path(self.briefing(slug)).read_text(encoding="utf-8")
        self.path(self.briefing(slug)).write_text(  # the first key point's text: `- text: …`
            re.sub(r"(?m)^(  - text: )(>-\n\s+)?", lambda m: f"{m.group(0)}{word.title()} says ",
                   text, 1), encoding="utf-8")
        return f"first key point of {slug}"

    def edit_topics(self) -> str:
        slug, topic = self.any_briefing(), self.rng.choice(LEAF_TOPICS)
        rel = self.briefing(slug)
        text = self.path(rel).read_text(encoding="utf-8")
        line = re.search(r"(?m)^topics: \[(.*)\]$", text)
        topics = [t.strip() for t in line.group(1).split(",")]
        topics = [t for t in topics if t != topic] if topic in topics else topics + [topic]
        self.path(rel).write_text(text.replace(line.group(0), f"topics: [{', '.join(topics)}]"),
                                  encoding="utf-8")
        return f"topic {topic} of {slug}"

    def edit_add_briefing(self) -> str:
        self.counter += 1
        slug, word, draft = f"added-{self.counter}", self.word(), self.rng.random() < 0.3
        self.path(self.briefing(slug)).write_text(NEW.format(
            title=f"New on {word} {self.counter}", day=self.counter % 9 + 1, word=word,
            seed=SEED, draft="draft: true\n" if draft else ""), encoding="utf-8")
        self.added.append(slug)
        return f"add {slug}" + (" as a draft" if draft else "")

    def edit_delete_briefing(self) -> str:
        slug = self.added.pop(self.rng.randrange(len(self.added)))
        self.path(self.briefing(slug)).unlink()
        return f"delete {slug}"

    def edit_rename_briefing(self) -> str:
        k = self.rng.randrange(len(self.added))
        self.counter += 1
        old, new = self.added[k], f"renamed-{self.counter}"
        self.path(self.briefing(old)).rename(self.path(self.briefing(new)))
        self.added[k] = new
        return f"rename {old} to {new}"

    def edit_draft(self) -> str:
        slug = self.any_briefing()
        rel = self.briefing(slug)
        text = self.path(rel).read_text(encoding="utf-8")
        flag = re.search(r"(?m)^draft: (true|false)$", text)
        if flag:
            self.rewrite(rel, flag.group(0),
                         f"draft: {'false' if flag.group(1) == 'true' else 'true'}")
        else:
            self.rewrite(rel, "\ntitle:", "\ndraft: true\ntitle:")
        return f"draft flag of {slug}"

    def edit_seed_paragraph(self) -> str:
        # The extra seed, no briefing citing it, comes first in the sources' order: grown
        # past a search document shard (16 paragraphs), it moves the numbers of the
        # cited seed's paragraphs (see search.documents).
        seed = self.rng.choice(["extra-source", SEED] if self.extra_seed else [SEED])
        with self.path(f"seeds/{seed}.txt").open("a", encoding="utf-8") as f:
            f.write(f"\nA late paragraph on {self.word()} and the alliance.\n")
        return f"a paragraph added to {seed}"

    def edit_extra_seed(self) -> str:
        rel = "seeds/extra-source.txt"
        self.extra_seed = not self.extra_seed
        if not self.extra_seed:
            self.path(rel).unlink()
            return "delete a seed"
        count = self.rng.choice([1, 15, 16, 17])  # about a document shard's worth
        self.path(rel).write_text("Extra source\n" + "".join(
            f"\nParagraph {n} on {self.word()}.\n" for n in range(count)), encoding="utf-8")
        return f"add a seed of {count} paragraphs"

    def edit_topic_alias(self) -> str:
        self.rewrite("content/topics/nato.yaml", "aliases: [", f"aliases: [{self.word()} pact, ")
        return "nato aliases"

    def edit_topic_parent(self) -> str:
        topic = self.rng.choice(LEAF_TOPICS)
        rel = f"content/topics/{topic}.yaml"
        text = self.path(rel).read_text(encoding="utf-8")
        if "\nparent: european-security\n" in text:
            self.rewrite(rel, "\nparent: european-security\n", "\n")
        else:
            self.path(rel).write_text(text.rstrip("\n") + "\nparent: european-security\n",
                                      encoding="utf-8")
        return f"parent of {topic}"

    def edit_template_override(self) -> str:
        target = self.path("themes/default/templates/base.html")
        if target.exists() and self.rng.random() < 0.4:
            target.unlink()
            return "template override removed"
        what = "edited" if target.exists() else "added"
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(REPO / "themes/default/templates/base.html", target)
        self.rewrite("themes/default/templates/base.html", "</footer>",
                     f"<p>Override on {self.word()}</p></footer>")
        return f"template override {what}"

    def edit_config(self) -> str:
        key = self.rng.choice(["title", "marking", "description"])
        self.counter += 1
        text = self.path("config.yaml").read_text(encoding="utf-8")
        self.path("config.yaml").write_text(
            re.sub(rf"(?m)^{key}: .*$", f"{key}: \"{self.word()} {self.counter}\"", text),
            encoding="utf-8")
        return f"config {key}"

    def edit_estimative(self) -> str:
        """The site's own estimative.yaml: the range of 'unlikely' (a word the example
        uses) changed, or the file removed."""
        table = self.path("estimative.yaml")
        if table.exists() and self.rng.random() < 0.4:
            table.unlink()
            return "estimative table removed"
        self.counter += 1
        table.write_text("name: Test\nscales:\n  chance:\n    - {words: [unlikely], range: "
                         f"\"{self.counter}–45 %\"}}\n", encoding="utf-8")
        return "estimative table written"

    def edit_lock(self) -> str:
        """A review: `check --update-lock` records the citations and judgments as they are
        (the changes page and the briefings' "judgment changed" follow it)."""
        done = run("check", "--root", str(self.root), "--update-lock")
        assert "wrote sitegen.lock" in done.stderr, done.stdout + done.stderr
        return "lock updated"

    def edit_image(self) -> str:
        """The example's figure redrawn at another size, or a shared image shown or not."""
        self.counter += 1
        if self.rng.random() < 0.5:
            svg = self.path(f"content/briefings/{FIGURE}")
            svg.write_text(re.sub(r'width="\d+"', f'width="{600 + self.counter}"',
                                  svg.read_text(encoding="utf-8"), 1), encoding="utf-8")
            return "figure resized"
        media = self.path("content/media")
        media.mkdir(exist_ok=True)
        if self.dot_in:
            rel, self.dot_in = self.dot_in, None
            (media / "dot.svg").unlink()
            text = self.path(rel).read_text(encoding="utf-8")
            self.path(rel).write_text(re.sub(r"\n!\[A dot\]\([^)]*\)\n", "\n", text),
                                      encoding="utf-8")
            return "shared image removed"
        rel = self.dot_in = self.briefing(self.rng.choice(ORIGINAL))
        (media / "dot.svg").write_text(DOT, encoding="utf-8")
        up = "../" * (rel.count("/") - 1)
        with self.path(rel).open("a", encoding="utf-8") as f:
            f.write(f"\n![A dot]({up}media/dot.svg)\n")
        return f"shared image shown in {rel}"

    def edit_same_size_with_mtime_restored(self) -> str:
        """A copy that keeps times, or a coarse-timestamp file system: new bytes, same size,
        same modification time."""
        rel = self.briefing(self.rng.choice(ORIGINAL))
        path = self.path(rel)
        st = path.stat()
        text = path.read_text(encoding="utf-8")
        line = re.search(r"(?m)^title: (.)(.)", text)
        first, second = line.group(1), line.group(2)
        if first == second:
            second = "X" if first != "X" else "Y"
        path.write_text(text[:line.start(1)] + second + first + text[line.end(2):],
                        encoding="utf-8")
        assert path.stat().st_size == st.st_size
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        return f"same-size rewrite of {rel}, mtime restored"


def run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "sitegen", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def warnings(stderr: str) -> list[str]:
    return sorted(line for line in stderr.splitlines() if ": warning: " in line)


def differences(got: dict[str, bytes], expected: dict[str, bytes]) -> list[str]:
    """The files that differ, are missing or are extra."""
    return sorted(rel for rel in got.keys() | expected.keys() if got.get(rel) != expected.get(rel))


class Preview:
    """A warm `sitegen serve` of the site, and what it has printed so far."""

    def __init__(self, root: Path):
        self.process = ServeProcess(root, timeout=120)
        self.seen = len(self.process.lines)

    def settled(self) -> Path:
        """Its output folder, once it has rebuilt after the last edit and gone quiet."""
        index, _ = self.process.find_line(r"built in|build failed", 30, self.seen)
        self.seen = index + 1
        while True:  # a burst of changes may take one more rebuild
            try:
                index, _ = self.process.find_line(r"built in|build failed", 0.6, self.seen)
                self.seen = index + 1
            except AssertionError:
                return self.process.folder


@pytest.mark.parametrize("series", range(SERIES))
def test_incremental_build_and_serve_equal_a_clean_build(tmp_path, series):
    seed = FIRST_SEED + series
    edits = EditSeries(tmp_path, random.Random(seed))
    assert run("build", "--root", str(edits.root), "-q").returncode == 0
    preview = Preview(edits.root)
    try:
        for _ in range(STEPS):
            what = edits.step()
            where = f"seed {seed}, after: " + "; ".join(edits.steps)
            shutil.rmtree(tmp_path / "clean", ignore_errors=True)
            clean = run("build", "--root", str(edits.root), "--no-cache", "--out",
                        str(tmp_path / "clean"))
            incremental = run("build", "--root", str(edits.root))
            assert clean.returncode == incremental.returncode == 0, (
                where, clean.stderr, incremental.stderr)
            expected = snapshot(tmp_path / "clean")
            assert differences(snapshot(edits.root / "public"), expected) == [], \
                f"build: {where}"
            assert warnings(incremental.stderr) == warnings(clean.stderr), where
            assert differences(snapshot(preview.settled()), expected) == [], \
                f"serve: {where} ({what})"
    finally:
        preview.process.stop()


def _rewrite_keeping_size_and_mtime(path: Path, old: str, new: str) -> None:
    st = path.stat()
    assert len(old) == len(new)
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns


def test_a_rewrite_keeping_size_and_mtime_is_not_taken_for_no_change(small, tmp_path,
                                                                   monkeypatch):
    """The racy-timestamp case, for the no-change check of `build`: even with every file
    counted as settled (the 2 s rule aside), the change time gives the rewrite away."""
    from sitegen.commands.build import build
    from sitegen.load import files
    monkeypatch.setattr(files, "SETTLE_NS", -10**12)
    build(small, workers=1)
    briefing = small / "content/briefings/harbour-reopens.md"
    _rewrite_keeping_size_and_mtime(briefing, "Harbour reopens", "Harbour Reopens")
    assert build(small, workers=1).site is not None  # it built again
    build(small, out_dir=str(tmp_path / "clean"), workers=1, cache=False)
    assert snapshot(small / "public") == snapshot(tmp_path / "clean")


def test_a_fresh_file_is_compared_by_content_at_the_next_build(small, tmp_path,
                                                              monkeypatch):
    """Within the timestamp granularity a second write can leave all metadata as it was:
    the record of a build keeps the content digest of the files that fresh, and the next
    build stops at "nothing changed" only while they hold those bytes. Here the file
    system shows nothing but sizes, and every file was written just now."""
    from sitegen.commands.build import build
    from sitegen.load import files
    monkeypatch.setattr(files, "metadata", lambda st: (st.st_size,))
    build(small, workers=1)
    messages: list[str] = []
    assert build(small, workers=1, log=messages.append).site is None
    assert any("nothing changed" in m for m in messages)
    briefing = small / "content/briefings/harbour-reopens.md"
    text = briefing.read_text(encoding="utf-8")
    assert "Harbour reopens" in text
    briefing.write_text(text.replace("Harbour reopens", "Harbour Reopens", 1), encoding="utf-8")
    assert build(small, workers=1).site is not None  # it built again
    build(small, out_dir=str(tmp_path / "clean"), workers=1, cache=False)
    assert snapshot(small / "public") == snapshot(tmp_path / "clean")


def test_the_preview_watcher_sees_a_rewrite_keeping_size_and_mtime(small):
    from sitegen.runtime.watch import Watcher
    briefing = small / "content/briefings/harbour-reopens.md"
    day_ago = briefing.stat().st_mtime_ns - 86_400 * 10**9  # too old to be digested
    os.utime(briefing, ns=(day_ago, day_ago))
    watcher = Watcher(small)
    try:
        _rewrite_keeping_size_and_mtime(briefing, "Harbour reopens", "Harbour Reopens")
        assert watcher.changes() == {"content/briefings/harbour-reopens.md"}
    finally:
        watcher.close()
