"""`foley serve` and `foley worker` are subcommands with their own help."""

from __future__ import annotations

from tests.cli.test_cli_errors import assert_refused, foley


def test_serve_and_worker_help():
    serve = foley("serve", "--help")
    assert serve.returncode == 0 and "--port" in serve.stdout and "FOLEY_DATA_DIR" in serve.stdout
    worker = foley("worker", "--help")
    assert worker.returncode == 0 and "--data-dir" in worker.stdout


def test_serve_usage_error():
    assert_refused(foley("serve", "--port", "many"), 2, "invalid int value")
