"""Extract the day's orders and exchange rates from the partner REST API."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import polars as pl
import requests
import structlog
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

log = structlog.get_logger(__name__)

#: (connect, read) seconds
API_TIMEOUT = (3.05, 30)
TRANSIENT = (requests.ConnectionError, requests.Timeout)

ORDER_SCHEMA = {
    "order_id": pl.Utf8,
    "customer_id": pl.Utf8,
    "country": pl.Utf8,
    "currency": pl.Utf8,
    "amount": pl.Float64,
    "created_at": pl.Utf8,
}


@retry(
    wait=wait_exponential_jitter(initial=1, max=30),
    stop=stop_after_attempt(5),
    retry=retry_if_exception_type(TRANSIENT),
    reraise=True,
)
def fetch_orders_page(base_url: str, token: str, day: date, page: int) -> dict[str, Any]:
    """Fetch one page of the day's orders; transient network errors are retried with backoff."""
    response = requests.get(
        f"{base_url}/v2/orders",
        params={"date": day.isoformat(), "page": page},
        headers={"Authorization": f"Bearer {token}"},
        timeout=API_TIMEOUT,
    )
    response.raise_for_status()
    payload: dict[str, Any] = response.json()
    return payload


def extract_orders(base_url: str, token: str, day: date) -> pl.DataFrame:
    """Follow the API's pagination and return every order of `day`."""
    records: list[dict[str, Any]] = []
    page, pages = 1, 0
    while True:
        payload = fetch_orders_page(base_url, token, day, page)
        records.extend(payload["items"])
        pages += 1
        if not payload.get("next_page"):
            break
        page = payload["next_page"]
    log.info("orders extracted", day=day.isoformat(), rows=len(records), pages=pages)
    return pl.DataFrame(records, schema=ORDER_SCHEMA)


@retry(
    wait=wait_exponential_jitter(initial=1, max=30),
    stop=stop_after_attempt(5),
    retry=retry_if_exception_type(TRANSIENT),
    reraise=True,
)
def fetch_exchange_rates(base_url: str, day: date) -> pl.DataFrame:
    """Download the day's EUR exchange rates, which the API serves as a CSV export."""
    response = requests.get(f"{base_url}/v1/rates.csv", params={"date": day.isoformat()})
    response.raise_for_status()
    # scan_csv cannot read an in-memory buffer: an eager read is the only option here
    return pl.read_csv(io.BytesIO(response.content))


def fetch_customer(base_url: str, token: str, customer_id: str) -> dict[str, Any]:
    """Look up one customer (used when an order references an unknown customer)."""
    response = requests.get(
        f"{base_url}/v2/customers/{customer_id}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=API_TIMEOUT,
    )
    response.raise_for_status()
    customer: dict[str, Any] = response.json()
    return customer
