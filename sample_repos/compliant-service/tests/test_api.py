from uuid import uuid4

from fastapi.testclient import TestClient

from tests.fakes import FakeInventory


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid4())}


def test_health_and_security_headers(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.json() == {"status": "ok"}
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert client.get("/readyz").json() == {"status": "ready"}


def test_create_then_get(client: TestClient, inventory: FakeInventory) -> None:
    headers = key()
    created = client.post("/v1/orders", json={"sku": "BOOK-1", "quantity": 2}, headers=headers)
    assert created.status_code == 201
    order = created.json()
    assert client.get(f"/v1/orders/{order['id']}").json() == order
    assert inventory.reservations == [("BOOK-1", 2, headers["Idempotency-Key"])]


def test_retry_with_same_key_creates_one_order(
    client: TestClient, inventory: FakeInventory
) -> None:
    headers = key()
    first = client.post("/v1/orders", json={"sku": "PEN", "quantity": 1}, headers=headers)
    again = client.post("/v1/orders", json={"sku": "PEN", "quantity": 1}, headers=headers)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert len(inventory.reservations) == 1


def test_list_is_paginated(client: TestClient) -> None:
    for _ in range(3):
        client.post("/v1/orders", json={"sku": "MUG", "quantity": 1}, headers=key())
    assert len(client.get("/v1/orders", params={"limit": 2}).json()) == 2
    assert client.get("/v1/orders", params={"limit": 1000}).status_code == 422


def test_errors_share_one_shape(client: TestClient, inventory: FakeInventory) -> None:
    missing = client.get("/v1/orders/999999")
    assert missing.status_code == 404
    assert missing.json() == {
        "error": {"code": "not_found", "message": "order not found", "details": []}
    }

    invalid = client.post("/v1/orders", json={"sku": "", "quantity": 0})
    assert invalid.status_code == 422
    fields = {d["field"] for d in invalid.json()["error"]["details"]}
    assert fields == {"header.idempotency-key", "body.sku", "body.quantity"}

    inventory.down = True
    down = client.post("/v1/orders", json={"sku": "CUP", "quantity": 1}, headers=key())
    assert down.status_code == 503
    assert down.headers["Retry-After"] == "30"
    assert down.json()["error"]["code"] == "inventory_unavailable"


def test_metrics_and_openapi(client: TestClient) -> None:
    client.post("/v1/orders", json={"sku": "HAT", "quantity": 1}, headers=key())
    assert "orders_created_total" in client.get("/metrics").text
    assert "/v1/orders" in client.get("/openapi.json").json()["paths"]
