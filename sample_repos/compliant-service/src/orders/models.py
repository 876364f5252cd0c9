"""Request, response and error schemas."""

from pydantic import BaseModel, Field


class OrderIn(BaseModel):
    """An order as the client sends it."""

    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(gt=0, le=1000)


class Order(OrderIn):
    """An order as stored."""

    id: int


class ErrorDetail(BaseModel):
    """One problem with the request, e.g. an invalid field."""

    field: str
    message: str


class ErrorBody(BaseModel):
    """What went wrong: a stable machine-readable code and a human-readable message."""

    code: str
    message: str
    details: list[ErrorDetail] = []


class ErrorResponse(BaseModel):
    """The shape of every error response: {"error": {...}}."""

    error: ErrorBody
