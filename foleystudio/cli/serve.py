"""`foley serve [--host H] [--port P]`: the job service, with its worker processes."""

from __future__ import annotations

import argparse
import contextlib
import logging

DESCRIPTION = """Serve the job API (OpenAPI at /docs) on HOST:PORT, and start FOLEY_WORKERS worker
processes that run the jobs. Everything is kept under FOLEY_DATA_DIR (default
~/.local/share/foleystudio); more workers can run there with `foley worker`. With
FOLEY_BROKER_URL=redis://HOST:PORT/DB no worker is started here: jobs go to Celery workers
(`foley worker`, any number, on machines that share FOLEY_DATA_DIR; on other hosts they keep the job
records through this server: set FOLEY_WORKER_TOKEN here and there). Settings are FOLEY_*
environment variables (see README, "Running the service")."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the job service (API + workers)", description=DESCRIPTION)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: every interface)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on")
    p.add_argument("--data-dir", metavar="DIR", help="instead of FOLEY_DATA_DIR")
    p.add_argument("--workers", type=int, metavar="N", help="worker processes to start, instead of FOLEY_WORKERS")


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from foleystudio.service.app import create_app
    from foleystudio.service.settings import Settings
    from foleystudio.service.worker import Sweeper, WorkerPool

    overrides = {k: v for k, v in {"data_dir": args.data_dir, "workers": args.workers}.items() if v is not None}
    settings = Settings(**overrides)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = create_app(settings)
    if settings.broker_url:  # jobs go to Celery workers (`foley worker`); this process only sends them again
        from foleystudio.service.celery_app import Dispatcher

        pool = [Dispatcher(settings, app.state.queue).start()]
    elif settings.workers:
        pool = [WorkerPool(settings, settings.workers).start()]  # each of its workers keeps the retention
    else:
        pool = []
    if not pool or settings.broker_url:  # no worker of its own (Celery's, or `foley worker`s here or on other
        pool.append(Sweeper(settings).start())  # hosts): this process keeps the retention
    stop_with_app(app, pool)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    finally:
        for part in pool:  # on Ctrl-C; after SIGTERM, uvicorn raises the signal again and this is never reached
            part.stop()
    return 0


def stop_with_app(app, pool: list) -> None:
    """Stop `pool` (its worker processes and threads) in the app's shutdown, which runs on any signal."""
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a):
        async with inner(a) as state:
            try:
                yield state
            finally:
                for part in pool:
                    part.stop()

    app.router.lifespan_context = lifespan
