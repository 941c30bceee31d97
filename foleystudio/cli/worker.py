"""`foley worker`: one worker that runs jobs from FOLEY_DATA_DIR, beside a `foley serve` or on its own."""

from __future__ import annotations

import argparse
import logging
import signal

DESCRIPTION = """Claim jobs from FOLEY_DATA_DIR's job store and run them, one at a time, each in a
child process. Any number can run against one data directory. SIGTERM or Ctrl-C hands the
running job back to the queue and stops. With FOLEY_BROKER_URL=redis://HOST:PORT/DB this is a
Celery worker instead, running FOLEY_CONCURRENCY jobs at once from that queue (SIGTERM: it
finishes its jobs first)."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("worker", help="run jobs from the service's data directory", description=DESCRIPTION)
    p.add_argument("--data-dir", metavar="DIR", help="instead of FOLEY_DATA_DIR")
    p.add_argument("--concurrency", type=int, metavar="N", help="with a broker: jobs at once, instead of "
                                                                   "FOLEY_CONCURRENCY")


def run(args: argparse.Namespace) -> int:
    from foleystudio.service.settings import Settings
    from foleystudio.service.worker import Worker, follow_parent

    if not follow_parent():
        return 0  # the server that started this worker is gone
    settings = Settings(**({"data_dir": args.data_dir} if args.data_dir else {}))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if settings.broker_url:
        from foleystudio.service.celery_app import run_worker

        return run_worker(settings, concurrency=args.concurrency)
    import foleystudio.service.runner  # noqa: F401  (loaded once here, so each job's child starts warm)

    worker = Worker(settings)
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)
    worker.run_forever()
    return 0
