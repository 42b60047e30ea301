"""The oracle: after every step of a random series of edits, the incremental `sitegen
build` (a new process, with its cache) and a warm `sitegen serve` (one process for the
whole series) give exactly the files of a clean build in a fresh process with no cache,
byte for byte, with the same warnings.

The series is drawn by Hypothesis (a stateful test, derandomized so CI is repeatable).
`SITEGEN_ORACLE_STEPS` (steps per series, default 12) and `SITEGEN_ORACLE_SERIES`
(default 2) make a longer run: `SITEGEN_ORACLE_STEPS=60 SITEGEN_ORACLE_SERIES=10 python
-m pytest tests/test_oracle.py`."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from conftest import REPO, snapshot
from serve_tools import ServeProcess

STEPS = int(os.environ.get("SITEGEN_ORACLE_STEPS", "12"))
SERIES = int(os.environ.get("SITEGEN_ORACLE_SERIES", "2"))
ORIGINAL = ["donbas-false-flag-allegations", "putins-red-lines", "russian-demands-on-nato",
            "talks-with-russia-break-down"]
SEED = "000_533b14a5b1547bde"
LEAF_TOPICS = ["black-sea", "france", "germany", "minsk-agreements"]
WORDS = st.sampled_from(["alliance", "Crimea", "pipeline", "sanctions", "grain", "Kremlin"])
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


def run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "sitegen", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def warnings(stderr: str) -> list[str]:
    return sorted(line for line in stderr.splitlines() if ": warning: " in line)


class EditSeries(RuleBasedStateMachine):
    """A site (the example's content and seeds, the bundled theme) and its edits."""

    def __init__(self):
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="sitegen-oracle-"))
        self.root = self.tmp / "site"
        self.root.mkdir()
        for part in ("config.yaml", "content", "seeds"):
            src = REPO / part
            (shutil.copytree if src.is_dir() else shutil.copy)(src, self.root / part)
        self.added: list[str] = []  # slugs of briefings this series added
        self.extra_seed = False
        self.override: Path | None = None
        self.serve: ServeProcess | None = None
        self.step = "start"
        self.counter = 0

    @initialize()
    def start(self):
        assert run("build", "--root", str(self.root), "-q").returncode == 0
        self.serve = ServeProcess(self.root, timeout=120)
        self.seen = len(self.serve.lines)

    def teardown(self):
        if self.serve:
            self.serve.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- helpers ---------------------------------------------------------------------
    def path(self, rel: str) -> Path:
        return self.root / rel

    def rewrite(self, rel: str, old: str, new: str, count: int = 1) -> None:
        text = self.path(rel).read_text(encoding="utf-8")
        assert old in text, (rel, old)
        self.path(rel).write_text(text.replace(old, new, count), encoding="utf-8")

    def briefing(self, slug: str) -> str:
        return f"content/briefings/{slug}.md"

    def slugs(self) -> list[str]:
        return ORIGINAL + self.added

    # -- edits -----------------------------------------------------------------------
    @rule(i=st.integers(0, 7), word=WORDS)
    def edit_title(self, i, word):
        slug = self.slugs()[i % len(self.slugs())]
        self.step = f"title of {slug}"
        text = self.path(self.briefing(slug)).read_text(encoding="utf-8")
        self.path(self.briefing(slug)).write_text(
            re.sub(r"(?m)^title: (.*)$", lambda m: f"title: {m.group(1)} on {word}", text, 1),
            encoding="utf-8")

    @rule(i=st.integers(0, 7), word=WORDS, link=st.booleans())
    def edit_body(self, i, word, link):
        slug = self.slugs()[i % len(self.slugs())]
        self.step = f"body of {slug}"
        extra = f"\n\nMore on {word}" + (" and [[ukraine]]." if link else ".") + "\n"
        with self.path(self.briefing(slug)).open("a", encoding="utf-8") as f:
            f.write(extra)

    @rule(i=st.integers(0, 7), topic=st.sampled_from(LEAF_TOPICS))
    def toggle_topic(self, i, topic):
        slug = self.slugs()[i % len(self.slugs())]
        self.step = f"topic {topic} of {slug}"
        rel = self.briefing(slug)
        text = self.path(rel).read_text(encoding="utf-8")
        line = re.search(r"(?m)^topics: \[(.*)\]$", text)
        topics = [t.strip() for t in line.group(1).split(",")]
        topics = [t for t in topics if t != topic] if topic in topics else topics + [topic]
        self.path(rel).write_text(text.replace(line.group(0), f"topics: [{', '.join(topics)}]"),
                                  encoding="utf-8")

    @precondition(lambda self: len(self.added) < 3)
    @rule(word=WORDS, draft=st.booleans())
    def add_briefing(self, word, draft):
        self.counter += 1
        slug = f"added-{self.counter}"
        self.step = f"add {slug}"
        self.path(self.briefing(slug)).write_text(NEW.format(
            title=f"New on {word} {self.counter}", day=self.counter % 9 + 1, word=word,
            seed=SEED, draft="draft: true\n" if draft else ""), encoding="utf-8")
        self.added.append(slug)

    @precondition(lambda self: self.added)
    @rule(i=st.integers(0, 2))
    def delete_briefing(self, i):
        slug = self.added.pop(i % len(self.added))
        self.step = f"delete {slug}"
        self.path(self.briefing(slug)).unlink()

    @precondition(lambda self: self.added)
    @rule(i=st.integers(0, 2))
    def rename_briefing(self, i):
        k = i % len(self.added)
        self.counter += 1
        old, new = self.added[k], f"renamed-{self.counter}"
        self.step = f"rename {old} to {new}"
        self.path(self.briefing(old)).rename(self.path(self.briefing(new)))
        self.added[k] = new

    @rule(i=st.integers(0, 7))
    def toggle_draft(self, i):
        slug = self.slugs()[i % len(self.slugs())]
        self.step = f"draft of {slug}"
        rel = self.briefing(slug)
        text = self.path(rel).read_text(encoding="utf-8")
        flag = re.search(r"(?m)^draft: (true|false)$", text)
        if flag:
            new = "false" if flag.group(1) == "true" else "true"
            self.rewrite(rel, flag.group(0), f"draft: {new}")
        else:
            self.rewrite(rel, "\ntitle:", "\ndraft: true\ntitle:")

    @rule(word=WORDS)
    def edit_seed(self, word):
        self.step = "seed paragraph added"
        with self.path(f"seeds/{SEED}.txt").open("a", encoding="utf-8") as f:
            f.write(f"\nA late paragraph on {word} and the alliance.\n")

    @rule(word=WORDS)
    def toggle_extra_seed(self, word):
        rel = "seeds/extra-source.txt"
        if self.extra_seed:
            self.step = "delete a seed"
            self.path(rel).unlink()
        else:
            self.step = "add a seed"
            self.path(rel).write_text(f"Extra source\n\nOne paragraph on {word}.\n",
                                      encoding="utf-8")
        self.extra_seed = not self.extra_seed

    @rule(word=WORDS)
    def edit_topic_alias(self, word):
        self.step = "nato aliases"
        self.rewrite("content/topics/nato.yaml", "aliases: [", f"aliases: [{word} pact, ")

    @rule(topic=st.sampled_from(LEAF_TOPICS))
    def toggle_parent(self, topic):
        rel = f"content/topics/{topic}.yaml"
        self.step = f"parent of {topic}"
        text = self.path(rel).read_text(encoding="utf-8")
        if "\nparent: european-security\n" in text:
            self.rewrite(rel, "\nparent: european-security\n", "\n")
        else:
            self.path(rel).write_text(text.rstrip("\n") + "\nparent: european-security\n",
                                      encoding="utf-8")

    @rule(action=st.sampled_from(["add", "edit", "remove"]), word=WORDS)
    def template_override(self, action, word):
        rel = "themes/default/templates/base.html"
        self.step = f"template override: {action}"
        target = self.path(rel)
        if action == "remove" and target.exists():
            target.unlink()
            return
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(REPO / "themes/default/templates/base.html", target)
        self.rewrite(rel, "</footer>", f"<p>Override on {word}</p></footer>")

    @rule(key=st.sampled_from(["title", "marking", "description"]), word=WORDS)
    def edit_config(self, key, word):
        self.step = f"config {key}"
        text = self.path("config.yaml").read_text(encoding="utf-8")
        new = re.sub(rf"(?m)^{key}: .*$", f"{key}: \"{word} {self.counter}\"", text)
        if new == text:
            new = text.rstrip("\n") + f"\n{key}: \"{word}\"\n"
        self.counter += 1
        self.path("config.yaml").write_text(new, encoding="utf-8")

    @rule(i=st.integers(0, 3))
    def same_size_rewrite_with_mtime_restored(self, i):
        """A copy that keeps times, or a coarse-timestamp file system: new bytes, same size,
        same modification time."""
        rel = self.briefing(ORIGINAL[i])
        self.step = f"same-size rewrite of {rel}, mtime restored"
        path = self.path(rel)
        st = path.stat()
        text = path.read_text(encoding="utf-8")
        line = re.search(r"(?m)^title: (.)(.)", text)
        swapped = text[:line.start(1)] + line.group(2) + line.group(1) + text[line.end(2):]
        if swapped == text:
            swapped = text[:line.start(1)] + ("X" if line.group(1) != "X" else "Y") \
                + text[line.end(1):]
        path.write_text(swapped, encoding="utf-8")
        assert path.stat().st_size == st.st_size
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))

    # -- the oracle ------------------------------------------------------------------
    @invariant()
    def equals_a_clean_build(self):
        if self.serve is None:
            return
        clean = self.tmp / "clean"
        shutil.rmtree(clean, ignore_errors=True)
        reference = run("build", "--root", str(self.root), "--no-cache", "--out", str(clean))
        incremental = run("build", "--root", str(self.root))
        assert reference.returncode == incremental.returncode == 0, (
            self.step, reference.stderr, incremental.stderr)
        assert snapshot(self.root / "public") == snapshot(clean), self.step
        assert warnings(incremental.stderr) == warnings(reference.stderr), self.step
        self.wait_for_serve()
        assert snapshot(self.serve.folder) == snapshot(clean), f"serve: {self.step}"

    def wait_for_serve(self) -> None:
        """Until the preview has rebuilt after the last edit and gone quiet."""
        if self.step == "start":
            return
        index, _ = self.serve.find_line(r"built in|build failed", timeout=30, start=self.seen)
        self.seen = index + 1
        while True:  # a burst of changes may take one more rebuild
            try:
                index, _ = self.serve.find_line(r"built in|build failed", timeout=0.6,
                                                start=self.seen)
                self.seen = index + 1
            except AssertionError:
                return


EditSeries.TestCase.settings = settings(
    max_examples=SERIES, stateful_step_count=STEPS, derandomize=True, deadline=None,
    suppress_health_check=list(HealthCheck))
test_incremental_build_and_serve_equal_a_clean_build = EditSeries.TestCase
