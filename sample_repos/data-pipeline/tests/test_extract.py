from datetime import date

import responses

from pipeline import extract

BASE = "https://partner.example.com"


@responses.activate
def test_extract_orders_follows_pagination():
    responses.get(
        f"{BASE}/v2/orders",
        json={"items": [{"order_id": "a", "amount": 1.0}], "next_page": 2},
        match=[responses.matchers.query_param_matcher({"date": "2026-11-21", "page": "1"})],
    )
    responses.get(
        f"{BASE}/v2/orders",
        json={"items": [{"order_id": "b", "amount": 2.0}], "next_page": None},
        match=[responses.matchers.query_param_matcher({"date": "2026-11-21", "page": "2"})],
    )
    frame = extract.extract_orders(BASE, "test-token", date(2026, 11, 21))
    assert frame["order_id"].to_list() == ["a", "b"]
