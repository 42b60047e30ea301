"""The one error type of sitegen: a problem in a user's file, with its location."""
from __future__ import annotations

from dataclasses import dataclass


def shown(text: str) -> str:
    """`text` safe to print on one line: control and other unprintable characters (a
    newline, ESC, U+2028 …) from a file's content written as escapes, so no content can
    forge a line of its own or steer the terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


@dataclass(frozen=True)
class Problem:
    """One finding about the user's site: where it is and what is wrong."""

    path: str  # relative to the site root, POSIX separators
    line: int | None
    message: str
    severity: str = "error"  # "error" | "warning"
    code: str = "error"

    def __str__(self) -> str:
        where = f"{shown(self.path)}:{self.line}" if self.line else shown(self.path)
        return f"{where}: {self.severity}: {shown(self.message)}"


class SiteError(Exception):
    """Raised when the site cannot be built; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem] | Problem):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):  # keep the problems when sent from a worker process
        return (SiteError, (self.problems,))

    @classmethod
    def at(cls, path: str, line: int | None, message: str, code: str = "error") -> "SiteError":
        return cls(Problem(path, line, message, code=code))


# Every warning a build or `check` can give (README lists what each means); config.yaml's
# `ignore_warnings` may name any of them.
WARNING_CODES = ("uncited-key-point", "orphan-seed", "unused-topic", "shared-alias",
                 "ambiguous-quote", "draft-link", "before-source", "source-drift",
                 "unsourced-event", "no-base-url", "ignored-file", "seed-encoding", "bad-lock",
                 "unused-file", "ungraded-source", "weak-sources", "single-source",
                 "vague-likelihood", "mixed-scales", "confidence-with-likelihood",
                 "uncited-likelihood")


class Collector:
    """Gathers problems while a stage goes on, so a build reports all of them at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, path: str, line: int | None, message: str, code: str = "error") -> None:
        self.problems.append(Problem(path, line, message, "error", code))

    def warning(self, path: str, line: int | None, message: str, code: str = "warning") -> None:
        self.problems.append(Problem(path, line, message, "warning", code))

    def extend(self, problems: list[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def drop_warnings(self, codes: tuple[str, ...]) -> None:
        """Forget the warnings with these codes (the site's `ignore_warnings`)."""
        if codes:
            self.problems = [p for p in self.problems
                             if p.severity != "warning" or p.code not in codes]

    def raise_if_errors(self) -> None:
        if self.errors:
            raise SiteError(self.errors)
