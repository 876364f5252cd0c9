"""Temporal activities: thin, synchronous wrappers around extract, transform and load."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
import psycopg
import structlog
from temporalio import activity

from pipeline import extract, load, transform
from pipeline.config import Settings

log = structlog.get_logger(__name__)

REGIONS_CSV = Path(__file__).with_name("regions.csv")


@dataclass(frozen=True)
class DayInput:
    """The day a workflow run processes, as an ISO date (`2026-11-21`)."""

    day: str

    @property
    def date(self) -> date:
        """The day as a `datetime.date`."""
        return date.fromisoformat(self.day)


@activity.defn
def extract_orders_activity(inp: DayInput) -> str:
    """Extract the day's orders and rates and stage them as Parquet; returns the staging dir."""
    settings = Settings.from_env()
    staging = settings.staging_dir / inp.day
    staging.mkdir(parents=True, exist_ok=True)
    orders = extract.extract_orders(settings.api_base_url, settings.api_token, inp.date)
    rates = extract.fetch_exchange_rates(settings.api_base_url, inp.date)
    orders.write_parquet(staging / "orders.parquet")
    rates.write_parquet(staging / "rates.parquet")
    return str(staging)


@activity.defn
def transform_activity(staging_dir: str) -> str:
    """Normalise the staged orders; returns the path of the transformed Parquet file."""
    staging = Path(staging_dir)
    normalised = transform.normalise_orders(
        pl.scan_parquet(staging / "orders.parquet"),
        pl.scan_parquet(staging / "rates.parquet"),
        transform.load_country_regions(REGIONS_CSV).lazy(),
    )
    out = staging / "normalised.parquet"
    normalised.sink_parquet(out)
    return str(out)


@activity.defn
def load_activity(normalised_path: str) -> int:
    """Upsert the transformed orders into the warehouse; returns the number of rows."""
    settings = Settings.from_env()
    orders = pl.scan_parquet(normalised_path).collect()
    with psycopg.connect(settings.database_url) as conn:
        return load.upsert_orders(conn, orders)


@activity.defn
def refresh_reporting_view(inp: DayInput) -> None:
    """Refresh the finance team's materialised view once the day is loaded."""
    settings = Settings.from_env()
    with psycopg.connect(settings.database_url) as conn:
        conn.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY revenue_daily")
        try:
            load.record_run(conn, inp.date, load.count_rows(conn, "orders_daily", inp.date))
        except Exception:
            # bookkeeping must not fail a loaded day; the warning carries the traceback
            log.warning("run bookkeeping failed", day=inp.day, exc_info=True)
