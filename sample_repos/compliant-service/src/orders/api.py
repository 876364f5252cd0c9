"""HTTP API of the order service."""

from fastapi import FastAPI, HTTPException

from orders.models import Order, OrderIn

app = FastAPI(title="orders")
_orders: dict[int, Order] = {}


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: the process is up."""
    return {"status": "ok"}


@app.get("/readyz")
async def readyz() -> dict[str, str]:
    """Readiness: the service can take traffic."""
    return {"status": "ready"}


@app.post("/orders", status_code=201)
async def create_order(order: OrderIn) -> Order:
    """Store a new order."""
    stored = Order(id=len(_orders) + 1, **order.model_dump())
    _orders[stored.id] = stored
    return stored


@app.get("/orders/{order_id}")
async def get_order(order_id: int) -> Order:
    """Fetch one order."""
    if order_id not in _orders:
        raise HTTPException(status_code=404, detail="order not found")
    return _orders[order_id]
