"""Monthly finance workbook. Legacy pandas code, to be ported to Polars' `write_excel`."""

from __future__ import annotations

import pandas as pd
import polars as pl


def write_monthly_report(revenue, path):
    """Write the month's revenue per region to an Excel workbook for finance."""
    frame = revenue.to_pandas()
    with pd.ExcelWriter(path) as writer:
        frame.to_excel(writer, sheet_name="revenue", index=False)


def summarise_month(revenue: pl.DataFrame) -> pl.DataFrame:
    """Totals per region for the report's summary sheet."""
    return revenue.group_by("region").agg(pl.col("revenue_eur").sum()).sort("region")
