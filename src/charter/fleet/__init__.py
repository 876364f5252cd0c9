"""``charter fleet``: audit many repositories, each cloned in its own worker (a local process
pool or a Dask cluster), into one folder of per-repository reports and summary tables
(Parquet and DuckDB). The format is documented in docs/fleet.md."""

from __future__ import annotations

from charter.fleet.repos import RepoEntry, read_repos
from charter.fleet.run import FleetRun, audit_fleet, merge
from charter.fleet.worker import Settings

__all__ = ["FleetRun", "RepoEntry", "Settings", "audit_fleet", "merge", "read_repos"]
