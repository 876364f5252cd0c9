"""HTTP API of the order service."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import structlog
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from prometheus_fastapi_instrumentator import Instrumentator
from slowapi import Limiter
from slowapi.errors import RateLimitExceeded
from slowapi.middleware import SlowAPIMiddleware
from slowapi.util import get_remote_address
from starlette.exceptions import HTTPException as StarletteHTTPException

from orders import errors
from orders.inventory import InventoryClient, InventoryUnavailableError
from orders.models import ErrorResponse, Order, OrderIn
from orders.observability import ORDERS_CREATED, configure_logging, configure_tracing
from orders.security import SecurityHeadersMiddleware
from orders.settings import Settings
from orders.store import OrderStore

settings = Settings()
configure_logging(settings.log_level)
tracer_provider = configure_tracing("orders")
log = structlog.get_logger()
limiter = Limiter(key_func=get_remote_address, default_limits=[settings.rate_limit])
store = OrderStore()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the inventory client at startup. On SIGTERM uvicorn stops accepting connections
    and waits for in-flight requests (--timeout-graceful-shutdown), then this closes the
    client and flushes the last spans."""
    inventory = InventoryClient(settings.inventory_url)
    app.state.inventory = inventory
    log.info("service started")
    try:
        yield
    finally:
        await inventory.aclose()
        tracer_provider.shutdown()
        log.info("service stopped")


app = FastAPI(
    title="orders",
    version="1.0.0",
    lifespan=lifespan,
    docs_url=None,  # the API serves /openapi.json; its strict CSP would break the HTML docs
    redoc_url=None,
    responses={
        422: {"model": ErrorResponse},
        429: {"model": ErrorResponse},
        500: {"model": ErrorResponse},
    },
    exception_handlers={
        StarletteHTTPException: errors.http_error,
        RequestValidationError: errors.validation_error,
        RateLimitExceeded: errors.rate_limited,
        InventoryUnavailableError: errors.inventory_unavailable,
        Exception: errors.internal_error,
    },
)
app.state.limiter = limiter
app.add_middleware(SlowAPIMiddleware)
app.add_middleware(SecurityHeadersMiddleware)
Instrumentator().instrument(app).expose(app, include_in_schema=False)
FastAPIInstrumentor.instrument_app(
    app, tracer_provider=tracer_provider, excluded_urls="healthz,readyz,metrics"
)


def get_inventory(request: Request) -> InventoryClient:
    """The inventory client opened by the lifespan."""
    inventory: InventoryClient = request.app.state.inventory
    return inventory


@app.get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    """Liveness: the process is up."""
    return {"status": "ok"}


@app.get("/readyz", include_in_schema=False)
async def readyz() -> dict[str, str]:
    """Readiness: the service can take traffic."""
    return {"status": "ready"}


@app.post("/v1/orders", status_code=201, responses={503: {"model": ErrorResponse}})
async def create_order(
    order: OrderIn,
    idempotency_key: Annotated[str, Header(min_length=8, max_length=128)],
    inventory: Annotated[InventoryClient, Depends(get_inventory)],
) -> Order:
    """Place an order. A retry with the same Idempotency-Key returns the first order."""
    existing = store.by_key(idempotency_key)
    if existing is not None:
        return existing
    await inventory.reserve(order.sku, order.quantity, idempotency_key)
    stored = store.add(order, idempotency_key)
    ORDERS_CREATED.inc()
    log.info("order created", order_id=stored.id, sku=stored.sku, quantity=stored.quantity)
    return stored


@app.get("/v1/orders")
async def list_orders(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[Order]:
    """List orders, a page at a time."""
    return store.page(limit, offset)


@app.get("/v1/orders/{order_id}", responses={404: {"model": ErrorResponse}})
async def get_order(order_id: int) -> Order:
    """Fetch one order."""
    order = store.get(order_id)
    if order is None:
        raise HTTPException(status_code=404, detail="order not found")
    return order
