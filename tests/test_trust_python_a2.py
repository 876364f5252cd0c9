"""Trust work on parameterized-sql, retry-with-backoff, tls-verification, no-secrets-in-logs,
db-pool-configured, schema-validation, structured-logging, polars-for-dataframes,
temporal-for-orchestration and pagination-bounded: the cases a rule's own YAML examples cannot
show (messages, related locations, what a finding names), asserted at path:line as a user sees
them."""

from __future__ import annotations

import textwrap
from pathlib import Path

from helpers import audit_rule, write_tree

from charter.policy import PolicySet


def audit(policies: PolicySet, tmp_path: Path, rule: str, files: dict[str, str]):
    write_tree(tmp_path, {path: textwrap.dedent(text) for path, text in files.items()})
    return audit_rule(policies, tmp_path, rule)


def where(report, rule: str) -> list[str]:
    return sorted(f.where for f in report.findings if f.rule == rule)


def messages(report, rule: str) -> dict[str, str]:
    return {f.where: f.message for f in report.findings if f.rule == rule}


# --- parameterized-sql ------------------------------------------------------------------------


def test_sql_finding_names_the_value_and_the_line_that_put_it_in(
    policies: PolicySet, tmp_path: Path
) -> None:
    report = audit(
        policies,
        tmp_path,
        "parameterized-sql",
        {
            "app.py": """
                def find(cursor, email: str, table: str) -> None:
                    sql = f"SELECT * FROM {table} WHERE email = '{email}'"
                    cursor.execute(sql)
            """
        },
    )
    assert where(report, "parameterized-sql") == ["app.py:4"]
    message = messages(report, "parameterized-sql")["app.py:4"]
    assert "`email`" in message and "(line 3)" in message and "`table`" not in message


def test_sql_values_in_a_fragment_dict_formatting_and_mysql_quotes(
    policies: PolicySet, tmp_path: Path
) -> None:
    report = audit(
        policies,
        tmp_path,
        "parameterized-sql",
        {
            "app.py": """
                def search(cursor, name: str, city: str, term: str) -> None:
                    where = f"name = '{name}'"
                    cursor.execute(f"SELECT * FROM people WHERE {where}")
                    cursor.execute("SELECT * FROM people WHERE city = %(city)s" % {"city": city})
                    cursor.execute(f'SELECT * FROM people WHERE bio LIKE "%{term}%"')
                    cursor.execute(f'SELECT "{term}" FROM people')
            """
        },
    )
    assert where(report, "parameterized-sql") == ["app.py:4", "app.py:5", "app.py:6"]


def test_sql_text_built_from_a_parameter_of_unknown_type_in_limit(
    policies: PolicySet, tmp_path: Path
) -> None:
    report = audit(
        policies,
        tmp_path,
        "parameterized-sql",
        {
            "app.py": """
                def page(cursor, size, count: int) -> None:
                    cursor.execute(f"SELECT * FROM items LIMIT {count}")
                    cursor.execute("SELECT * FROM items LIMIT %s" % size)
            """
        },
    )
    assert where(report, "parameterized-sql") == ["app.py:4"]


# --- retry-with-backoff -----------------------------------------------------------------------


def test_retry_judges_a_post_with_an_idempotency_key_but_not_views_or_probes(
    policies: PolicySet, tmp_path: Path
) -> None:
    report = audit(
        policies,
        tmp_path,
        "retry-with-backoff",
        {
            "app/payments.py": """
                import uuid

                import requests


                def charge(api: str, amount: int) -> dict:
                    headers = {"Idempotency-Key": str(uuid.uuid4())}
                    return requests.post(api, json={"amount": amount}, headers=headers).json()


                def refund(api: str, charge_id: str) -> dict:
                    return requests.post(f"{api}/{charge_id}/refund", timeout=5).json()
            """,
            "app/views.py": """
                import requests
                from django.views import View


                class RatesView(View):
                    def get(self, request):
                        return requests.get("https://rates.example.com", timeout=5).json()
            """,
            "app/healthcheck.py": """
                import requests


                def main() -> int:
                    return requests.get("https://api.example.com/up", timeout=2).status_code
            """,
        },
    )
    assert where(report, "retry-with-backoff") == ["app/payments.py:9"]


def test_retry_loop_without_a_sleep_is_no_retry(policies: PolicySet, tmp_path: Path) -> None:
    report = audit(
        policies,
        tmp_path,
        "retry-with-backoff",
        {
            "app.py": """
                import httpx


                def notify_all(urls: list[str], event: dict) -> list[int]:
                    out = []
                    for url in urls:
                        try:
                            out.append(httpx.post(url, json=event).status_code)
                        except httpx.HTTPError:
                            continue
                    return out
            """
        },
    )
    assert where(report, "retry-with-backoff") == ["app.py:9"]


# --- tls-verification -------------------------------------------------------------------------


def test_tls_switch_under_an_unrelated_condition_is_still_reported(
    policies: PolicySet, tmp_path: Path
) -> None:
    report = audit(
        policies,
        tmp_path,
        "tls-verification",
        {
            "internal/client/client.go": """
                package client

                import "crypto/tls"

                func config(debug bool) *tls.Config {
                    if debug {
                        return &tls.Config{InsecureSkipVerify: true}
                    }
                    return &tls.Config{}
                }
            """,
            "app/client.py": """
                import ssl

                import httpx


                def client(url: str, retries: int) -> httpx.Client:
                    if retries > 3:
                        return httpx.Client(base_url=url, verify=False)
                    ctx = ssl.create_default_context()
                    ctx.verify_mode = ssl.CERT_NONE
                    return httpx.Client(base_url=url, verify=ctx)
            """,
        },
    )
    assert where(report, "tls-verification") == [
        "app/client.py:11",
        "app/client.py:9",
        "internal/client/client.go:8",
    ]


# --- no-secrets-in-logs -----------------------------------------------------------------------


def test_a_literal_pin_holds_only_inside_its_if(policies: PolicySet, tmp_path: Path) -> None:
    report = audit(
        policies,
        tmp_path,
        "no-secrets-in-logs",
        {
            "app.py": """
                import logging

                logger = logging.getLogger(__name__)


                def check(api_key: str) -> None:
                    if api_key == "public":
                        logger.error("placeholder api_key %s", api_key)
                    else:
                        logger.info("using api_key %s", api_key)
            """
        },
    )
    assert where(report, "no-secrets-in-logs") == ["app.py:11"]


# --- db-pool-configured -----------------------------------------------------------------------


def test_db_pool_negated_sqlite_test_and_a_stored_engine_are_judged(
    policies: PolicySet, tmp_path: Path
) -> None:
    report = audit(
        policies,
        tmp_path,
        "db-pool-configured",
        {
            "app/db.py": """
                from sqlalchemy import create_engine


                class Store:
                    def __init__(self, url: str) -> None:
                        if not url.startswith("sqlite"):
                            self.engine = create_engine(url)


                def run_once(url: str) -> None:
                    engine = create_engine(url)
                    STORES.append(engine)
            """
        },
    )
    assert where(report, "db-pool-configured") == ["app/db.py:12", "app/db.py:8"]


# --- schema-validation ------------------------------------------------------------------------


def test_a_decorator_that_does_not_validate_leaves_the_body_raw(
    policies: PolicySet, tmp_path: Path
) -> None:
    report = audit(
        policies,
        tmp_path,
        "schema-validation",
        {
            "app.py": """
                from flask import Flask, request
                from flask_login import login_required

                app = Flask(__name__)


                @app.route("/notes", methods=["POST"])
                @login_required
                def create():
                    return {"text": request.get_json()["text"]}
            """
        },
    )
    assert where(report, "schema-validation") == ["app.py:11"]


# --- structured-logging -----------------------------------------------------------------------

SERVICE = """
    from flask import Flask
    from pythonjsonlogger.json import JsonFormatter

    app = Flask(__name__)
    FORMATTER = JsonFormatter()
"""


def test_a_module_named_only_in_a_comment_is_dead_but_a_launch_command_is_a_reference(
    policies: PolicySet, tmp_path: Path
) -> None:
    report = audit(
        policies,
        tmp_path,
        "structured-logging",
        {
            "shop/web.py": textwrap.dedent(SERVICE) + "# resize_old.py: replaced by resize_new\n",
            "shop/resize_old.py": """
                def resize(path: str) -> None:
                    print(f"resizing {path}")
            """,
            "shop/worker.py": """
                def run() -> None:
                    print("worker started")
            """,
            "Dockerfile": 'FROM python:3.12\nCMD ["python", "-m", "shop.worker"]\n',
        },
    )
    assert where(report, "structured-logging") == ["shop/worker.py:3"]


# --- polars-for-dataframes and temporal-for-orchestration: one verdict per repository ----------


def test_one_pandas_verdict_lists_the_other_imports_as_related(
    policies: PolicySet, tmp_path: Path
) -> None:
    report = audit(
        policies,
        tmp_path,
        "polars-for-dataframes",
        {
            "etl/b_load.py": "import pandas as pd\n",
            "etl/a_extract.py": "\nfrom pandas import DataFrame\n",
            "etl/c_clean.py": "import pandas\n",
        },
    )
    assert where(report, "polars-for-dataframes") == ["etl/a_extract.py:2"]
    finding = next(f for f in report.findings if f.rule == "polars-for-dataframes")
    assert [(r.path, r.line) for r in finding.related] == [
        ("etl/b_load.py", 1),
        ("etl/c_clean.py", 1),
    ]
    assert "imported in 3 files" in finding.message


def test_one_orchestrator_verdict_per_orchestrator(policies: PolicySet, tmp_path: Path) -> None:
    report = audit(
        policies,
        tmp_path,
        "temporal-for-orchestration",
        {
            "dags/daily.py": "from airflow import DAG\nfrom airflow.operators.bash import X\n",
            "dags/hourly.py": "import airflow\n",
            "flows/sync.py": "\n\nfrom prefect import flow\n",
        },
    )
    assert where(report, "temporal-for-orchestration") == ["dags/daily.py:1", "flows/sync.py:3"]
    airflow = next(f for f in report.findings if f.path == "dags/daily.py")
    assert [(r.path, r.line) for r in airflow.related] == [
        ("dags/daily.py", 2),
        ("dags/hourly.py", 1),
    ]
