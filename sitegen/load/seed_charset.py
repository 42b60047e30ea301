"""A seed's bytes as text: UTF-8 (or UTF-16 with its byte-order mark), else the charset an
HTML file declares, else Windows-1252 with a warning; binary files are errors. Line ends
become "\\n"."""
from __future__ import annotations

import codecs
import re

from ..errors import Collector
from .seed_html import declared_charset


def decode(data: bytes, relpath: str, fmt: str, col: Collector) -> str | None:
    """Bytes → text with "\\n" line ends, or None (and an error) for a binary file."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return _newlines(data.decode("utf-16"))
        except UnicodeDecodeError:
            pass
    if b"\0" in data:
        col.error(relpath, None, "binary file, not a text document (save text as UTF-8)",
                  code="seed-binary")
        return None
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return _newlines(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return _newlines(_legacy_decode(data, exc.start, relpath, fmt, col))


def _legacy_decode(data: bytes, pos: int, relpath: str, fmt: str, col: Collector) -> str:
    declared = declared_charset(data) if fmt == "html" else None
    if declared:
        try:
            return data.decode(declared)
        except (UnicodeError, LookupError):  # LookupError: not a text codec (e.g. "rot13")
            pass
    try:
        text, name = data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:  # bytes 0x81 0x8d 0x8f 0x90 0x9d are undefined in cp1252
        text, name = data.decode("latin-1"), "Latin-1"
    line = len(re.findall(rb"\r\n|\r|\n", data[:pos])) + 1
    message = f"not valid UTF-8 (byte 0x{data[pos]:02x} at line {line}); read as {name}"
    col.warning(relpath, line, message, code="seed-encoding")
    return text


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
