"""The composition root of the API process: settings -> clients -> store, relay -> FastAPI app."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Request, Response

from api.auth import keyring_from
from api.deps import ApiDeps
from api.docs import install_docs
from api.guard import Guard
from api.outbox import OutboxRelay
from api.problems import install_problem_handlers
from api.ratelimit import RateLimiter
from api.routes import router
from api.store import OrdersStore
from orderflow import __version__
from orderflow.aws.clients import AwsClients
from orderflow.aws.publisher import EventPublisher
from orderflow.settings import Settings

log = structlog.get_logger("orderflow.api")


def create_app(settings: Settings) -> FastAPI:
    """Raises ConfigurationError when no API key is configured: an API nobody can call, or
    everybody could, is refused before it listens."""
    keyring = keyring_from(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        aws = await AwsClients.open(settings)
        store = OrdersStore(
            aws.dynamodb, orders_table=settings.table_name("orders"), catalogue_table=settings.table_name("catalogue")
        )
        relay = OutboxRelay(store, EventPublisher(aws.events, settings.bus), sweep_every=settings.outbox_sweep_seconds)
        relay.start()
        app.state.deps = ApiDeps(settings=settings, store=store, relay=relay, events=aws.events)
        try:
            yield
        finally:
            await relay.stop()
            await aws.close()

    app = FastAPI(
        title="orderflow order API",
        version=__version__,
        description="Accepts orders (202 at once) and shows their status; the saga runs on events.",
        lifespan=lifespan,
        docs_url=None,  # api/docs.py serves it, with a CSP that fits the page
        redoc_url=None,  # one documentation page is enough surface
    )
    install_problem_handlers(app)
    install_docs(app)
    app.include_router(router)
    # Added before the access log so that the log (outermost) records the guard's refusals too.
    app.add_middleware(
        Guard,
        keyring=keyring,
        limiter=RateLimiter(per_second=settings.rate_limit_per_second, burst=settings.rate_limit_burst),
        max_body_bytes=settings.max_body_bytes,
    )

    @app.middleware("http")
    async def access_log(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        began = time.perf_counter()
        response = await call_next(request)
        log.info(
            "request_handled",
            method=request.method,
            path=request.url.path,
            status=response.status_code,
            durationMs=round((time.perf_counter() - began) * 1000, 2),
            clientId=request.scope.get("state", {}).get("client_id"),
        )
        return response

    if settings.tracing_enabled:
        _instrument(app)
    return app


def _instrument(app: FastAPI) -> None:
    """A server span per request (OpenTelemetry's FastAPI instrumentation), outermost, so that the
    guard's refusals are traced too; probes are not traced, nor ASGI's send/receive steps."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor  # noqa: PLC0415 - only when tracing

    FastAPIInstrumentor.instrument_app(app, excluded_urls="/healthz,/readyz", exclude_spans=["receive", "send"])
