"""The job service: a FastAPI app over a SQLite job store, with workers in their own processes.

    settings.py  one Settings object (FOLEY_* environment variables)
    store.py     the job records (SQLite, WAL): the record is the truth
    layout.py    where a job's files live under the data directory
    uploads.py   a multipart upload streamed to disk, then probed and held to the limits
    runner.py    run_job(store, job_id): analyse, render, export into the job's results
    worker.py    claims jobs, runs each in a child process, heartbeats its lease, gives up after N attempts
    celery_app.py  the same on Celery workers (FOLEY_BROKER_URL): the job task and the chunk task
    shared_chunks.py  a long job's analysis shared in chunks by several Celery workers; chunk_files.py its files
    app.py       create_app(settings) -> FastAPI; routes/ one module per resource
"""
