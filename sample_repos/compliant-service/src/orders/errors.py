"""Exception handlers: every error is rendered as ErrorResponse, {"error": {...}}."""

from collections.abc import Mapping

import structlog
from fastapi import Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from slowapi.errors import RateLimitExceeded
from starlette.exceptions import HTTPException

from orders.inventory import InventoryUnavailableError
from orders.models import ErrorBody, ErrorDetail, ErrorResponse

log = structlog.get_logger()


def error_response(
    status_code: int,
    code: str,
    message: str,
    details: list[ErrorDetail] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """Render one error in the shared shape."""
    body = ErrorResponse(error=ErrorBody(code=code, message=message, details=details or []))
    return JSONResponse(body.model_dump(), status_code=status_code, headers=headers)


async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
    """404, 405 and every HTTPException raised by a route."""
    code = "not_found" if exc.status_code == status.HTTP_404_NOT_FOUND else "http_error"
    return error_response(exc.status_code, code, str(exc.detail), headers=exc.headers)


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """A request that does not match its schema, one detail per invalid field."""
    details = [
        ErrorDetail(field=".".join(str(part) for part in error["loc"]), message=error["msg"])
        for error in exc.errors()
    ]
    return error_response(
        status.HTTP_422_UNPROCESSABLE_CONTENT, "validation_error", "invalid request", details
    )


async def rate_limited(request: Request, exc: RateLimitExceeded) -> JSONResponse:
    """The client exceeded its rate limit."""
    return error_response(
        status.HTTP_429_TOO_MANY_REQUESTS, "rate_limited", f"rate limit exceeded: {exc.detail}"
    )


async def inventory_unavailable(request: Request, exc: InventoryUnavailableError) -> JSONResponse:
    """A dependency is down: tell the client to retry later."""
    log.warning("inventory unavailable", error=str(exc))
    return error_response(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        "inventory_unavailable",
        "stock cannot be reserved right now, retry later",
        headers={"Retry-After": "30"},
    )


async def internal_error(request: Request, exc: Exception) -> JSONResponse:
    """Anything unexpected: log it with its traceback, tell the client nothing internal."""
    log.error("unhandled error", path=request.url.path, exc_info=exc)
    return error_response(
        status.HTTP_500_INTERNAL_SERVER_ERROR, "internal_error", "internal server error"
    )
