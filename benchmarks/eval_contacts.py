"""Contact-detection benchmark: the same table as `foley eval`, for `make eval` and scripts.

    python benchmarks/eval_contacts.py [--shared ../shared] [--clip hato_b12] [--json out.json]

Every option of `foley eval` works here (see `--help`).
"""

from __future__ import annotations

import argparse
import sys

from foleystudio.cli import eval as eval_cli
from foleystudio.errors import FoleyError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="eval_contacts")
    commands = parser.add_subparsers(dest="command")
    eval_cli.add_parser(commands)
    args = parser.parse_args(["eval", *(sys.argv[1:] if argv is None else argv)])
    try:
        return eval_cli.run(args)
    except FoleyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
