"""`sitegen verify DIR`: check a copied site (a USB stick, a zip unpacked) against the
integrity manifest its build wrote (sitegen.integrity): every file listed there with its
SHA-256, and no file more. Exit 0 when the copy is exact, 1 otherwise."""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import shown
from ..integrity import MANIFEST, verify
from ..outfolder import MARKER


def run_verify(folder: Path) -> int:
    if not (folder / MANIFEST).is_file():
        print(f"{shown(str(folder))}: error: no {MANIFEST} here: is this the folder a "
              "sitegen build wrote (its output_dir)?", file=sys.stderr)
        return 1
    report = verify(folder, ignore=frozenset({MARKER}))
    for what, paths in (("missing", report.missing), ("changed", report.changed),
                        ("extra", report.extra)):
        for rel in paths:
            print(f"{what}: {shown(rel)}")
    for number in report.bad_lines:
        print(f"{MANIFEST}:{number}: not a manifest line (sha256, two spaces, a path inside "
              "the folder)")
    if report.ok:
        print(f"ok: all {report.checked} files match {MANIFEST}", file=sys.stderr)
        return 0
    print(f"{len(report.missing)} missing, {len(report.changed)} changed, "
          f"{len(report.extra)} extra: this copy is not the site as it was built",
          file=sys.stderr)
    return 1
