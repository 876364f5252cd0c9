"""Polars transforms: raw orders to daily revenue in EUR, lazily, collected once."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    import pandas as pd


def scan_history(history_dir: Path) -> pl.LazyFrame:
    """All previously loaded days, as a lazy scan over the staged Parquet files."""
    return pl.scan_parquet(history_dir / "*.parquet")


def load_country_regions(path: Path) -> pl.DataFrame:
    """The country → sales region lookup table (a small CSV shipped with the pipeline)."""
    return pl.read_csv(path)


def normalise_orders(
    orders: pl.LazyFrame, rates: pl.LazyFrame, regions: pl.LazyFrame
) -> pl.LazyFrame:
    """Convert amounts to EUR, attach the sales region and drop cancelled duplicates."""
    return (
        orders.unique(subset="order_id", keep="last")
        .join(rates, on="currency", how="left")
        .with_columns(
            (pl.col("amount") * pl.col("rate_to_eur")).round(2).alias("amount_eur"),
            pl.col("created_at").str.to_datetime().dt.date().alias("day"),
        )
        .join(regions, on="country", how="left")
        .select("order_id", "day", "country", "region", "amount_eur")
    )


def daily_revenue(orders: pl.LazyFrame) -> pl.DataFrame:
    """Revenue per day and region; the one place the lazy plan is collected."""
    return (
        orders.group_by("day", "region")
        .agg(pl.col("amount_eur").sum().alias("revenue_eur"), pl.len().alias("orders"))
        .sort("day", "region")
        .collect()
    )


def to_pandas_for_bi(frame: pl.DataFrame) -> pd.DataFrame:
    """Hand a result to the BI team's pandas notebooks (interop at the boundary only)."""
    return frame.to_pandas()
