"""YAML documents and front matter, parsed once, with the line of every key and item.

Dates are *not* turned into `datetime.date` by the YAML layer: they stay strings so
that the content loader can check them itself and report an impossible date with
its line, instead of the whole document failing to parse.

Rule: no document can cost more than its size says. Before anything is built from it,
a document's node graph is measured once, aliases counted as what they expand to: more
than MAX_NODES values (a "billion laughs" alias bomb), nesting deeper than MAX_DEPTH, a
value that refers to itself, or one text longer than MAX_TEXT is an error at its line.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from ..errors import SiteError

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """Safe loader (C-accelerated when available) without implicit timestamps."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}

Path_ = tuple  # a key path: ("key_points", 2, "cite")
MAX_NODES = 100_000  # values in one document, aliases expanded
MAX_DEPTH = 40  # lists and mappings inside one another
MAX_TEXT = 200_000  # characters in one value


@dataclass(frozen=True, slots=True)
class YamlDoc:
    """Parsed data plus the 1-based line of each key path; `line()` falls back to the parent."""

    data: Any
    lines: dict
    first_line: int = 1

    def outline(self) -> "YamlDoc":
        """The lines of top-level keys and their list items only, without the data: what
        later stages need for their messages, at a fraction of the memory."""
        return YamlDoc(None, {p: n for p, n in self.lines.items() if len(p) <= 2},
                       self.first_line)

    def line(self, *path: Any) -> int:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.first_line


def _index_lines(node: yaml.Node, path: tuple, offset: int, out: dict) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            sub = path + (key,)
            out[sub] = key_node.start_mark.line + 1 + offset
            _index_lines(value_node, sub, offset, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            sub = path + (i,)
            out[sub] = item.start_mark.line + 1 + offset
            _index_lines(item, sub, offset, out)


def parse_yaml(text: str, relpath: str, line_offset: int = 0) -> YamlDoc:
    """Parse one YAML document; a syntax error becomes a SiteError at its line."""
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            raise _too_deep(relpath, line_offset + 1) from None
        if node is not None:
            _check_bounds(node, relpath, line_offset)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else line_offset + 1
        problem = exc.problem or exc.context or "syntax error"
        hint = _yaml_hint(problem, text, mark)
        raise SiteError.at(relpath, line, f"invalid YAML: {problem}{hint}",
                           code="invalid-yaml") from None
    except yaml.YAMLError as exc:
        raise SiteError.at(relpath, line_offset + 1, f"invalid YAML: {exc}",
                           code="invalid-yaml") from None
    finally:
        loader.dispose()
    lines: dict = {}
    if node is not None:
        _index_lines(node, (), line_offset, lines)
    return YamlDoc(data, lines, line_offset + 1)


def _too_deep(relpath: str, line: int) -> SiteError:
    return SiteError.at(relpath, line, f"YAML nested too deeply: lists and mappings may be "
                                       f"nested {MAX_DEPTH} levels at most", code="invalid-yaml")


def _check_bounds(root: yaml.Node, relpath: str, offset: int) -> None:
    """Raise a SiteError where the document breaks a bound (see the module doc). Each node
    is measured once: what a node an alias repeats expands to (its values, its nesting)
    is remembered, and counted wherever it is repeated."""
    measured: dict[int, tuple[int, int]] = {}  # id(node) -> (values, height); (-1, 0): under way

    def measure(node: yaml.Node, depth: int) -> tuple[int, int]:
        line = node.start_mark.line + 1 + offset
        known = measured.get(id(node))
        if known == (-1, 0):
            raise SiteError.at(relpath, line, "invalid YAML: a value refers to itself "
                               "through an alias (*name inside &name)", code="invalid-yaml")
        if known is None:
            known = _measured(node, depth, measure, measured, relpath, line)
        if depth + known[1] > MAX_DEPTH:
            raise _too_deep(relpath, line)
        return known

    measure(root, 0)


def _measured(node: yaml.Node, depth: int, measure, measured: dict, relpath: str,
              line: int) -> tuple[int, int]:
    """(values, height) of a node not measured yet (see _check_bounds)."""
    if isinstance(node, yaml.ScalarNode):
        if len(node.value) > MAX_TEXT:
            raise SiteError.at(relpath, line, f"a value of {len(node.value):,} characters: "
                               f"one value may hold {MAX_TEXT:,} at most", code="invalid-yaml")
        return 1, 0
    if depth > MAX_DEPTH:
        raise _too_deep(relpath, line)
    measured[id(node)] = (-1, 0)
    children = (x for pair in node.value for x in pair) \
        if isinstance(node, yaml.MappingNode) else iter(node.value)
    total, height = 1, 0
    for child in children:
        values, below = measure(child, depth + 1)
        total, height = total + values, max(height, below + 1)
        if total > MAX_NODES:
            raise SiteError.at(relpath, line, f"too many values: more than {MAX_NODES:,} "
                               "once the aliases (*name) are expanded; write the values "
                               "out, or repeat fewer", code="invalid-yaml")
    measured[id(node)] = (total, height)
    return total, height


def _yaml_hint(problem: str, text: str, mark) -> str:
    """What usually fixes the most common YAML syntax errors."""
    if "mapping values are not allowed" in problem:
        return ("; quote a value that contains ': ' (title: \"Talks: what next\"), and line up "
                "the keys of one mapping at the same indentation")
    lines = text.split("\n")
    if mark and mark.line < len(lines) and "\t" in lines[mark.line][:mark.column + 1]:
        return "; indent with spaces, not tabs"
    if "expected ',' or ']'" in problem or "expected ',' or '}'" in problem:
        return "; a list written [a, b] must end with ']' (a mapping {a: b} with '}')"
    if ("expected key" in problem or "expected <block end>" in problem
            or "expected <block mapping start>" in problem or "did not find expected" in problem
            or "block sequence entries are not allowed" in problem):
        return "; check the indentation: the keys or '- ' items of one block must line up"
    if "end of stream" in problem:
        return "; is a quoted value or a [list] left open?"
    return ""


def split_front_matter(text: str, relpath: str) -> tuple[str, str, int]:
    """Split `---` front matter from the body: (yaml text, body, line where the body starts).

    The YAML text keeps its place: line 1 of it is line 2 of the file.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        raise SiteError.at(
            relpath, 1, "missing front matter: the file must start with a line '---', "
            "then YAML keys (title, date, …), then a closing '---'", code="missing-front-matter")
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1:]), i + 2
    raise SiteError.at(relpath, 1, "front matter is not closed: add a line '---' after the YAML keys",
                       code="missing-front-matter")
