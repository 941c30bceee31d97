"""The real service with its page and a worker, on loopback, for the browser tests and the screenshots.

    with running_service(data_dir) as base_url:        # http://127.0.0.1:<free port>
        ...

It runs in a child process (`python -m tests.web.server PORT`): the app from create_app, the page
mounted at "/" unless the app already serves it, the worker processes `foley serve` starts, uvicorn.
Settings come from FOLEY_* variables, as for `foley serve`.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def mount_page(app) -> None:
    """Serve foleystudio/web at "/" (after the /api routes) unless the app does already."""
    from fastapi.staticfiles import StaticFiles

    if any(getattr(route, "path", None) in ("", "/") for route in app.routes):
        return
    app.mount("/", StaticFiles(packages=[("foleystudio", "web")], html=True), name="page")


def main(port: int) -> None:
    import uvicorn

    from foleystudio.service.app import create_app
    from foleystudio.service.settings import Settings
    from foleystudio.service.worker import WorkerPool

    settings = Settings()
    app = create_app(settings)
    mount_page(app)
    pool = WorkerPool(settings, settings.workers).start()
    try:
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
    finally:
        pool.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_service(data_dir: Path, *, token: str | None = None, workers: int = 1, log: Path | None = None):
    port = free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("FOLEY_")}  # no broker, no token
    env.update({"FOLEY_DATA_DIR": str(data_dir), "FOLEY_WORKERS": str(workers), "FOLEY_RATE_LIMIT": "0",
                "FOLEY_POLL_S": "0.2", "PYTHONPATH": str(PROJECT)})
    if token:
        env["FOLEY_API_TOKEN"] = token
    out = open(log, "ab") if log else subprocess.DEVNULL
    proc = subprocess.Popen([sys.executable, "-m", "tests.web.server", str(port)], cwd=PROJECT, env=env,
                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the service exited ({proc.returncode}) before it answered"
                                   + (f"; see {log}" if log else ""))
            try:
                with urllib.request.urlopen(f"{base}/index.html", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the service did not answer on {base} within 60 s") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()  # uvicorn stops, then the worker pool (its workers are told to stop too)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log:
            out.close()


if __name__ == "__main__":
    main(int(sys.argv[1]))
