"""`sitegen check`: every validation of the build, nothing written."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .build import load_site, render_site
from .errors import Collector, SiteError
from .load.config import load_config


def collect_problems(root: Path) -> Collector:
    """Run load, model and render (in memory); every problem found, errors and warnings."""
    out = Collector()
    try:
        config = load_config(root)
        site = load_site(root, config, out)
        render_site(root, site)
    except SiteError as exc:
        known = set(out.problems)
        out.extend([p for p in exc.problems if p not in known])
    return out


def run_check(root: Path, args) -> int:
    out = collect_problems(root)
    errors, warnings = out.errors, out.warnings
    if args.format == "json":
        json.dump([{"path": p.path, "line": p.line, "severity": p.severity, "code": p.code,
                    "message": p.message} for p in out.problems], sys.stdout, indent=2)
        print()
    else:
        for p in out.problems:
            print(p)
        print(f"{len(errors)} error(s), {len(warnings)} warning(s)", file=sys.stderr)
    return 1 if errors or (args.strict and warnings) else 0
