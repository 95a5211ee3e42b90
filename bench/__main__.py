"""`make bench` runs every benchmark; `make bench BENCH=encoder` runs one.

Each benchmark is a subpackage `bench/<name>/` with a `main()` in its `__main__.py`.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    wanted = [n for n in os.environ.get("BENCH", "").split(",") if n]
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.ispkg)
    for name in wanted or names:
        if name not in names:
            print(f"no benchmark named {name!r}; have: {', '.join(names)}", file=sys.stderr)
            return 2
        print(f"\n=== bench/{name} ===", flush=True)
        importlib.import_module(f"bench.{name}.__main__").main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
