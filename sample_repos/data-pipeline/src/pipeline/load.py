"""Load transformed orders into the warehouse (PostgreSQL through psycopg 3)."""

from __future__ import annotations

from datetime import date

import polars as pl
import psycopg
import structlog
from prometheus_client import Counter
from psycopg import sql

log = structlog.get_logger(__name__)

ROWS_LOADED = Counter("pipeline_rows_loaded", "Rows upserted into the warehouse", ["table"])

UPSERT_ORDERS = """
    INSERT INTO orders_daily (order_id, day, country, region, amount_eur)
    VALUES (%s, %s, %s, %s, %s)
    ON CONFLICT (order_id) DO UPDATE
    SET day = EXCLUDED.day, country = EXCLUDED.country,
        region = EXCLUDED.region, amount_eur = EXCLUDED.amount_eur
"""


def upsert_orders(conn: psycopg.Connection, orders: pl.DataFrame) -> int:
    """Upsert the orders (idempotent: re-running a day rewrites the same rows)."""
    rows = orders.select("order_id", "day", "country", "region", "amount_eur").rows()
    try:
        with conn.cursor() as cur:
            cur.executemany(UPSERT_ORDERS, rows)
        conn.commit()
    except psycopg.Error:
        conn.rollback()
        log.exception("upsert failed", table="orders_daily", rows=len(rows))
        raise
    ROWS_LOADED.labels(table="orders_daily").inc(len(rows))
    return len(rows)


def count_rows(conn: psycopg.Connection, table: str, day: date) -> int:
    """Rows of `table` for `day`: the table is quoted as an identifier, the day is a parameter."""
    query = sql.SQL("SELECT count(*) FROM {} WHERE day = %s").format(sql.Identifier(table))
    with conn.cursor() as cur:
        cur.execute(query, (day,))
        row = cur.fetchone()
    return int(row[0]) if row else 0


def purge_partition(conn: psycopg.Connection, table: str, day: date) -> None:
    """Delete one day of `table` before a full reload of that day."""
    with conn.cursor() as cur:
        cur.execute(f"DELETE FROM {table} WHERE day = '{day.isoformat()}'")
    conn.commit()


def record_run(conn: psycopg.Connection, day: date, rows: int) -> None:
    """Write the run's bookkeeping row (rows loaded) to `pipeline_runs`."""
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO pipeline_runs (day, rows_loaded) VALUES (%s, %s)", (day, rows))
        conn.commit()
    except:
        conn.rollback()
