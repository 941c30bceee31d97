"""create_app(settings) -> FastAPI: the routes under /api, OpenAPI at /docs, errors as one-line 4xx."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from foleystudio import __version__
from foleystudio.errors import FoleyError
from foleystudio.service.deps import require_token
from foleystudio.service.ratelimit import RateLimit
from foleystudio.service.routes import edits, jobs, results, worker
from foleystudio.service.settings import Settings
from foleystudio.service.store import JobStore
from foleystudio.service.uploads import Refused

DESCRIPTION = """Upload a silent video, get it back with synchronized Foley, its stems, its events and
timelines; edit the events and re-render without analysing again. With FOLEY_API_TOKEN set,
every /api route needs `Authorization: Bearer <token>`."""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    settings.jobs_dir.mkdir(parents=True, exist_ok=True)
    app = FastAPI(title="foleystudio", version=__version__, description=DESCRIPTION, docs_url="/docs")
    app.state.settings = settings
    app.state.store = JobStore(settings.database)
    app.state.rate_limit = RateLimit(settings.rate_limit)
    app.state.queue = None  # embedded workers poll the store; with a broker, jobs are sent to Celery workers
    if settings.broker_url:
        from foleystudio.service.celery_app import JobQueue

        app.state.queue = JobQueue(settings)
    if settings.cors_origins:  # closed unless origins are named
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"],
                           allow_headers=["Authorization", "Content-Type"])

    api = APIRouter(prefix="/api", dependencies=[Depends(require_token)])
    for module in (jobs, results, edits):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(worker.router, prefix="/api")  # remote workers: their own token, not the API's

    @app.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"], include_in_schema=False)
    async def no_route(rest: str) -> JSONResponse:  # not the page's: an unknown /api path is a 404, whatever the method
        return JSONResponse({"detail": f"no such route: /api/{rest}"}, status_code=404)

    # the web page (foleystudio/web, packaged): mounted after the API, so /api/*, /docs and /openapi.json win
    app.mount("/", StaticFiles(packages=[("foleystudio", "web")], html=True), name="page")

    @app.exception_handler(Refused)
    async def refused(_: Request, exc: Refused) -> JSONResponse:
        return JSONResponse({"detail": exc.message}, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(FoleyError)
    async def user_error(_: Request, exc: FoleyError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        lines = [f"{'.'.join(str(p) for p in e['loc'] if p != 'body') or 'body'}: {e['msg']}" for e in exc.errors()]
        return JSONResponse({"detail": "; ".join(lines)}, status_code=422)

    return app
