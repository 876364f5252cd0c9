from datetime import date

import polars as pl

from pipeline import transform


def _orders() -> pl.LazyFrame:
    return pl.DataFrame(
        {
            "order_id": ["a", "b", "b", "c"],
            "customer_id": ["c1", "c2", "c2", "c3"],
            "country": ["NL", "US", "US", "JP"],
            "currency": ["EUR", "USD", "USD", "JPY"],
            "amount": [10.0, 20.0, 22.0, 1000.0],
            "created_at": ["2026-11-21T08:00:00"] * 4,
        }
    ).lazy()


RATES = pl.DataFrame({"currency": ["EUR", "USD", "JPY"], "rate_to_eur": [1.0, 0.5, 0.01]}).lazy()
REGIONS = pl.DataFrame({"country": ["NL", "US", "JP"], "region": ["EMEA", "AMER", "APAC"]}).lazy()


def test_normalise_keeps_the_last_version_of_an_order_and_converts_to_eur():
    out = transform.normalise_orders(_orders(), RATES, REGIONS).collect().sort("order_id")
    assert out["order_id"].to_list() == ["a", "b", "c"]
    assert out["amount_eur"].to_list() == [10.0, 11.0, 10.0]
    assert out["day"].to_list() == [date(2026, 11, 21)] * 3


def test_daily_revenue_sums_per_region():
    revenue = transform.daily_revenue(transform.normalise_orders(_orders(), RATES, REGIONS))
    assert revenue.filter(pl.col("region") == "AMER")["revenue_eur"].to_list() == [11.0]
    assert revenue["orders"].sum() == 3
