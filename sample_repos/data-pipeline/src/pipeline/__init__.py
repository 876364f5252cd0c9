"""Nightly ETL for partner orders: extract (HTTP API), transform (Polars), load (PostgreSQL)."""

__version__ = "0.4.0"
