"""The `foley` command: `foley VIDEO` makes the soundtrack; `foley eval`, `foley sounds` are tools.

Only the library's own errors (FoleyError) are caught: they print `error: ...` and
exit 1. Usage errors exit 2 (argparse). Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from foleystudio.errors import FoleyError

SUBCOMMANDS = ("render", "picture", "eval", "sounds", "serve", "worker")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in SUBCOMMANDS:
            return _subcommand(argv)
        from foleystudio.cli import run as run_cmd

        parser = run_cmd.build_parser()
        args = parser.parse_args(argv)
        return run_cmd.run(args, parser)
    except FoleyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


def _subcommand(argv: list[str]) -> int:
    import importlib

    parser = argparse.ArgumentParser(prog="foley", description="foleystudio tools")
    sub = parser.add_subparsers(dest="command", required=True)
    module = importlib.import_module(f"foleystudio.cli.{argv[0]}")  # only the one asked for
    module.add_parser(sub)
    args = parser.parse_args(argv)
    return int(module.run(args) or 0)
