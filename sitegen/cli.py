"""The `sitegen` command line: parse arguments, call a stage or the pipeline, report.

Exit status: 0 success, 1 content errors (printed as `path:line: error: message`),
2 usage errors.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .errors import Problem, SiteError
from .runtime.gcpause import paused_gc


def _print_problems(problems: list[Problem]) -> None:
    for p in problems:
        print(p, file=sys.stderr)


def _root(args) -> Path:
    root = Path(args.root)
    if not root.is_dir():
        print(f"sitegen: error: --root {args.root} is not a folder", file=sys.stderr)
        sys.exit(2)
    return root


def cmd_build(args) -> int:
    from .commands.build import build
    log = None if args.quiet else (lambda msg: print(msg, file=sys.stderr))
    try:
        with paused_gc(final=True):
            result = build(_root(args), out_dir=args.out, drafts=args.drafts,
                           clean_links=True if args.clean_links else None, log=log,
                           workers=args.jobs, cache=not args.no_cache)
    except SiteError as exc:
        _print_problems(exc.problems)
        partly = any(p.code == "write-partial" for p in exc.problems)
        print(f"build failed: {len(exc.problems)} error(s); "
              + ("the output is partly updated (see above)" if partly
                 else "the previous output is unchanged"), file=sys.stderr)
        return 1
    _print_problems(result.warnings)
    return 0


def cmd_check(args) -> int:
    from .commands.check import run_check
    with paused_gc(final=True):
        return run_check(_root(args), args)


def cmd_serve(args) -> int:
    from .commands.serve import serve
    return serve(_root(args), host=args.host, port=args.port, open_browser=not args.no_open,
                 drafts=args.drafts)


def cmd_new(args) -> int:
    from .commands.new import run_new
    return run_new(_root(args), args)


def cmd_verify(args) -> int:
    from .commands.verify import run_verify
    return run_verify(Path(args.folder))


def _whole(low: int, high: int):
    """An argparse type: a whole number from `low` to `high`."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"must be a whole number from {low} to {high}, not {text!r}")
        return value
    return parse


def _common(p) -> None:
    p.add_argument("--root", default=".", metavar="DIR",
                   help="the site folder (with config.yaml); default: current folder")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sitegen", description="Build a static briefing site from source documents "
                                    "(seeds/) and briefings (content/).")
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_build_and_serve(sub)
    _add_check_new_and_verify(sub)
    return parser


def _add_build_and_serve(sub) -> None:
    p = sub.add_parser("build", help="build the site", description="Build the site into "
                       "output_dir (default public/). The previous output is replaced only "
                       "when the whole build succeeds.")
    _common(p)
    p.add_argument("--out", metavar="DIR", help="output folder (overrides output_dir)")
    p.add_argument("--drafts", action="store_true", help="include briefings with draft: true")
    p.add_argument("--clean-links", action="store_true",
                   help="links end in '/' instead of 'index.html' (for web servers)")
    p.add_argument("-q", "--quiet", action="store_true", help="print only errors and warnings")
    p.add_argument("--no-cache", action="store_true",
                   help="build everything afresh: neither read nor write .sitegen-cache/")
    p.add_argument("-j", "--jobs", type=_whole(1, 1024), metavar="N",
                   help="processes that render (default: one per core)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("serve", help="build, serve and rebuild on change with live reload")
    _common(p)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=_whole(1, 65535), default=8000,
                   help="port (default 8000)")
    p.add_argument("--no-open", action="store_true", help="do not open a browser")
    p.add_argument("--drafts", action="store_true", help="include drafts")
    p.set_defaults(func=cmd_serve)


def _add_check_new_and_verify(sub) -> None:
    p = sub.add_parser("check", help="validate everything, write nothing", description=(
        "Run every validation of the build (drafts included) plus editor warnings, and "
        "write nothing but sitegen.lock with --update-lock. Exit 1 on any error."))
    _common(p)
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="text: 'path:line: severity: message' lines; json: a list of "
                        "{path, line, severity, code, message}")
    p.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    p.add_argument("--update-lock", action="store_true",
                   help="record a fingerprint of every cited paragraph in sitegen.lock")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("new", help="start a briefing for a seed", description=(
        "Write content/briefings/<slug>.md for a seed, prefilled with its topics, candidate "
        "key points and paragraphs; never overwrites a file."))
    _common(p)
    p.add_argument("seed", metavar="SEED", help="the seed's id or path")
    p.add_argument("--slug", help="the briefing's slug (default: from the seed's title)")
    p.add_argument("--title", help="the briefing's title (default: the seed's title)")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("verify", help="check a copied site against its SHA256SUMS",
                       description="Check a copy of a built site (a USB stick, a zip) "
                       "against the SHA256SUMS its build wrote: list every file missing, "
                       "changed or extra. Exit 1 unless the copy is exact.")
    p.add_argument("folder", metavar="DIR", help="the copied site's folder")
    p.set_defaults(func=cmd_verify)


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
