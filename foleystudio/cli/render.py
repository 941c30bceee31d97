"""`foley render VIDEO --events EDITED`: the soundtrack again from the cached analysis and an edited event list."""

from __future__ import annotations

import argparse

from foleystudio.cli import run as run_cmd

DESCRIPTION = """Re-render VIDEO's soundtrack with an event list you edited: the events file (.json) or
CSV (--export csv) with events moved, deleted, added or restyled, or an OTIO timeline
(--export otio) whose markers were moved in an editor. The analysis is read from the
cache (nothing is analysed again when VIDEO was processed before with the same settings);
the edited list replaces the detected events. A surface or footwear in the list wins over
--cues, --surface and --footwear; empty the cell to let them decide."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("render", help="re-render from an edited event list", description=DESCRIPTION,
                       formatter_class=run_cmd.Formatter, epilog=run_cmd.EPILOG)
    p.add_argument("video", metavar="VIDEO", help="the input video the events belong to")
    p.add_argument("--events", metavar="EDITED", required=True,
                   help="edited event list: .json (foleystudio.events.1), .csv or .otio")
    run_cmd.add_soundtrack_options(p)
    p.set_defaults(parser=p)


def run(args: argparse.Namespace) -> int:
    return run_cmd.run(args, args.parser)
