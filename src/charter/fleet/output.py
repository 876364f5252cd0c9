"""The fleet's output folder (docs/fleet.md): one record and one report per repository, and
the summary tables as Parquet (pyarrow) and DuckDB files. Every file is written whole: to a
temporary name in the same folder, then renamed over the old one."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from charter.errors import CharterError

RECORDS = "records"
REPORTS = "reports"
TABLES = ("repos", "profiles", "rules")
DUCKDB = "fleet.duckdb"
MANIFEST = "fleet.json"


def require_extras() -> None:
    """Stop before any clone when the summary cannot be written (exit 2)."""
    try:
        import duckdb  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError:
        raise CharterError(
            "charter fleet writes Parquet and DuckDB: pip install 'charter[fleet]'"
        ) from None


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        tmp_path.unlink()  # DuckDB wants to create its file itself
        write(tmp_path)
        tmp_path.replace(path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    write_atomic(path, write)


def write_json(path: Path, data: Any) -> None:
    write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def load_record(out: Path, repo_id: str) -> dict[str, Any] | None:
    data = read_json(out / RECORDS / f"{repo_id}.json")
    return data if isinstance(data, dict) else None


# --- the summary tables ---------------------------------------------------------------------


def _schemas() -> dict[str, Any]:
    import pyarrow as pa

    text, num, flag, real = pa.string(), pa.int64(), pa.bool_(), pa.float64()
    return {
        "repos": pa.schema(
            [
                ("id", text),
                ("source", text),
                ("ref", text),
                ("profiles", pa.list_(text)),
                ("status", text),
                ("error", text),
                ("commit", text),
                ("charter_version", text),
                ("settings", text),
                ("report", text),
                ("files_scanned", num),
                ("findings", num),
                ("audited_at", text),
                ("duration_s", real),
            ]
        ),
        "profiles": pa.schema(
            [
                ("id", text),
                ("source", text),
                ("profile", text),
                ("title", text),
                ("score", real),
                ("provisional", flag),
                ("applicable", num),
                ("total", num),
                ("passed", num),
                ("failed", num),
                ("not_applicable", num),
                ("not_implemented", num),
                ("errors", num),
            ]
        ),
        "rules": pa.schema(
            [
                ("id", text),
                ("source", text),
                ("rule", text),
                ("title", text),
                ("severity", text),
                ("status", text),
                ("findings", num),
                ("active", num),
                ("profiles", pa.list_(text)),
            ]
        ),
    }


def table_rows(records: Iterable[dict[str, Any]], out: Path) -> dict[str, list[dict[str, Any]]]:
    """The rows of the three tables from the records and their reports, sorted by id."""
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    repo_fields = [f.name for f in _schemas()["repos"]]
    for record in sorted(records, key=lambda r: str(r.get("id"))):
        rows["repos"].append({k: record.get(k) for k in repo_fields})
        report = read_json(out / record["report"]) if record.get("report") else None
        if record.get("status") != "ok" or not isinstance(report, dict):
            continue
        rid, source = record["id"], record.get("source")
        for p in sorted(report.get("profiles", []), key=lambda p: p["id"]):
            rows["profiles"].append(
                {
                    "id": rid,
                    "source": source,
                    "profile": p["id"],
                    "title": p.get("title"),
                    "score": p.get("score"),
                    "provisional": p.get("provisional", False),
                    **{
                        k: p.get(k, 0)
                        for k in (
                            "applicable",
                            "total",
                            "passed",
                            "failed",
                            "not_applicable",
                            "not_implemented",
                            "errors",
                        )
                    },
                }
            )
        active: dict[str, int] = {}
        for f in report.get("findings", []):
            if not f.get("suppressed") and not f.get("baselined"):
                active[f["rule"]] = active.get(f["rule"], 0) + 1
        in_profiles: dict[str, list[str]] = {}
        for p in report.get("profiles", []):
            for r in p.get("rules", []):
                in_profiles.setdefault(r["id"], []).append(p["id"])
        for r in sorted(report.get("rules", []), key=lambda r: r["id"]):
            rows["rules"].append(
                {
                    "id": rid,
                    "source": source,
                    "rule": r["id"],
                    "title": r.get("title"),
                    "severity": r.get("severity"),
                    "status": r.get("status"),
                    "findings": r.get("findings", 0),
                    "active": active.get(r["id"], 0),
                    "profiles": sorted(in_profiles.get(r["id"], [])),
                }
            )
    return rows


def write_tables(out: Path, records: Sequence[dict[str, Any]]) -> dict[str, int]:
    """``repos/profiles/rules.parquet`` and ``fleet.duckdb`` for ``records``; row counts."""
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    schemas = _schemas()
    rows = table_rows(records, out)
    tables = {name: pa.Table.from_pylist(rows[name], schema=schemas[name]) for name in TABLES}
    for name, table in tables.items():

        def parquet(tmp: Path, table: Any = table) -> None:
            pq.write_table(table, tmp)

        write_atomic(out / f"{name}.parquet", parquet)

    def database(path: Path) -> None:
        con = duckdb.connect(str(path))
        try:
            for name, table in tables.items():
                con.register(f"arrow_{name}", table)
                con.execute(f"CREATE TABLE {name} AS SELECT * FROM arrow_{name}")
                con.unregister(f"arrow_{name}")
        finally:
            con.close()

    write_atomic(out / DUCKDB, database)
    return {name: table.num_rows for name, table in tables.items()}
