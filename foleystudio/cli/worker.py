"""`foley worker`: one worker that runs jobs from FOLEY_DATA_DIR, beside a `foley serve` or on its own."""

from __future__ import annotations

import argparse
import logging
import signal

DESCRIPTION = """Claim jobs from FOLEY_DATA_DIR's job store and run them, one at a time, each in a
child process. Any number can run against one data directory. SIGTERM or Ctrl-C hands the
running job back to the queue and stops. With FOLEY_BROKER_URL=redis://HOST:PORT/DB this is a
Celery worker instead, running FOLEY_CONCURRENCY jobs at once from that queue (SIGTERM: it
finishes its jobs first). On another host than `foley serve`, mount the server's data directory
(FOLEY_DATA_DIR: uploads and results) and set FOLEY_SERVER_URL=http://HOST:PORT and the server's
FOLEY_WORKER_TOKEN: the job records are then kept through the server, never in the shared folder."""


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
    if settings.server_url:
        check_remote(settings)
    if settings.broker_url:
        from foleystudio.service.celery_app import run_worker

        return run_worker(settings, concurrency=args.concurrency)
    import foleystudio.service.runner  # noqa: F401  (loaded once here, so each job's child starts warm)

    worker = Worker(settings)
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)
    worker.run_forever()
    return 0


def check_remote(settings) -> None:
    """InputError unless a remote worker can reach its server and sees the server's files."""
    from foleystudio.errors import InputError
    from foleystudio.service.remote import StoreUnavailable, open_store

    try:
        open_store(settings).check()
    except StoreUnavailable as exc:
        raise InputError(str(exc)) from None
    if not settings.jobs_dir.is_dir():
        raise InputError(f"{settings.data_dir} has no jobs folder: mount the server's data directory there "
                         f"(FOLEY_DATA_DIR or --data-dir)")
