"""Request and response schemas."""

from pydantic import BaseModel, Field


class OrderIn(BaseModel):
    """An order as the client sends it."""

    sku: str = Field(min_length=1)
    quantity: int = Field(gt=0)


class Order(OrderIn):
    """An order as stored."""

    id: int
