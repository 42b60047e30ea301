"""`sitegen check`: every validation of the build (drafts included) plus the editor
warnings of `lint`, nothing written, except `sitegen.lock` with `--update-lock`.

Text output: `path:line: error|warning: message` per problem on stdout, a summary on
stderr. JSON output: a list of {path, line, severity, code, message} on stdout.
Exit 1 on any error, with `--strict` on any warning too.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from .. import lint, lock
from ..pipeline import load_inputs, load_site, render_site
from ..errors import Collector, Problem, SiteError, shown
from ..runtime.gcpause import paused_gc
from ..load.config import load_config
from ..model.site import Site
from ..runtime.parallel import default_workers
from ..engine.memo import LOAD_STEPS, Memo
from ..outfolder import check_output_dir
from .build import open_store, saved


@dataclass
class CheckResult:
    problems: list[Problem]  # sorted by file and line
    site: Site | None  # None when there were errors


def collect_problems(root: Path) -> CheckResult:
    """Run load, model and render in memory, drafts included; every problem found."""
    with paused_gc():
        return _collect(root)


def _collect(root: Path) -> CheckResult:
    out, site, config = Collector(), None, None
    try:
        config = load_config(root).with_options(drafts=True)
        try:
            check_output_dir(root, root / config.output_dir, "output_dir")
        except SiteError as exc:  # reported, but every other check still runs
            out.extend(exc.problems)
        site = _load(root, config, out)
        render_site(root, site, index=False)  # templates' errors; the index has none
    except SiteError as exc:
        site = None
        known = set(out.problems)
        out.extend([p for p in exc.problems if p not in known])
    if config is not None:  # also when errors stopped the site graph
        out.drop_warnings(config.ignore_warnings)
    problems = list(dict.fromkeys(out.problems))  # once each, in the order found
    problems.sort(key=lambda p: (p.path, p.line or 0))
    return CheckResult(problems, site)


def _load(root: Path, config, out: Collector) -> Site:
    """Load and model the site with the engine's memo and store, as `build` does: a
    check after a build parses nothing again, and keeps the parses it makes (those of a
    site with errors too)."""
    store = open_store(root, lambda _msg: None)
    workers = default_workers()
    memo = Memo(store, workers)
    memo.start()
    try:
        inputs = load_inputs(root, out, memo)
        lint.editor_warnings(inputs.seeds, inputs.briefings, inputs.topics,
                            config.estimative, out)
        return load_site(root, config, out, inputs, memo=memo)
    finally:
        if store is not None:
            saved(lambda _msg: None, memo.settle, LOAD_STEPS)
            store.close()


def run_check(root: Path, args) -> int:
    result = collect_problems(root)
    problems = result.problems
    if getattr(args, "update_lock", False):
        if result.site is None or any(p.severity == "error" for p in problems):
            print(f"{lock.LOCK_FILE} not updated: fix the errors first", file=sys.stderr)
        else:
            count = lock.write_lock(root, result.site)
            problems = [p for p in problems if p.code not in ("source-drift", "bad-lock")]
            print(f"wrote {lock.LOCK_FILE}: {count} cited paragraph(s)", file=sys.stderr)
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    if args.format == "json":
        json.dump([{"path": p.path, "line": p.line, "severity": p.severity, "code": p.code,
                    "message": shown(p.message)} for p in problems], sys.stdout, indent=2,
                  ensure_ascii=False)
        print()
    else:
        for p in problems:
            print(p)
        print(f"{len(errors)} error(s), {len(warnings)} warning(s)", file=sys.stderr)
    return 1 if errors or (args.strict and warnings) else 0
