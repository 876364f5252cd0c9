from fastapi.testclient import TestClient

from orders.api import app


def test_health():
    client = TestClient(app)
    assert client.get("/healthz").json() == {"status": "ok"}
