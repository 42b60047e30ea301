"""Measure the search index (`search/index.js`) of a generated site, per 1,000 briefings.

    python benchmarks/search_index_size.py [--n 1000] [--seed 0]

Generates a site with gen_site.generate in a temporary folder, builds the site graph
and the index in memory, and prints the index size raw and gzip-compressed.
"""
from __future__ import annotations

import argparse
import gzip
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_site import generate  # noqa: E402

from sitegen.build import load_site  # noqa: E402
from sitegen.errors import Collector  # noqa: E402
from sitegen.load.config import load_config  # noqa: E402
from sitegen.search import index_js  # noqa: E402


def measure(n: int, seed: int = 0) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = generate(Path(tmp) / "site", n, seed)
        site = load_site(root, load_config(root), Collector())
        data = "".join(index_js(site)).encode("utf-8")
    return {"briefings": n, "bytes": len(data), "gzip_bytes": len(gzip.compress(data, 9))}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    m = measure(args.n, args.seed)
    per = 1000 / args.n
    print(f"{args.n} briefings: search/index.js {m['bytes'] / 1e6:.2f} MB "
          f"({m['gzip_bytes'] / 1e6:.2f} MB gzip); per 1,000 briefings "
          f"{m['bytes'] * per / 1e6:.2f} MB ({m['gzip_bytes'] * per / 1e6:.2f} MB gzip)")


if __name__ == "__main__":
    main()
