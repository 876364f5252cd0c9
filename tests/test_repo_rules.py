"""Repository rules beyond their YAML examples: service detection, anchors and evidence."""

from __future__ import annotations

from helpers import audit_rule, write_tree
from helpers import rule_result as result

FASTAPI_APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"


# --- "is this a service?" ----------------------------------------------------------------------


def test_aliased_framework_import_is_a_service(policies, tmp_path):
    status, found, _ = result(
        policies,
        tmp_path,
        "metrics-exposed",
        {
            "svc.py": "from fastapi import FastAPI as API\n\n\napplication = API()\n",
            "k8s/app.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n",
        },
    )
    assert (status, found) == ("fail", ["svc.py:4"])


def test_local_class_named_like_a_framework_is_not_a_service(policies, tmp_path):
    status, found, _ = result(
        policies,
        tmp_path,
        "tracing",
        {"lib.py": "class FastAPI:\n    pass\n\n\nthing = FastAPI()\n"},
    )
    assert (status, found) == ("not_applicable", [])


def test_app_built_only_in_tests_is_not_a_service(policies, tmp_path):
    status, _, _ = result(
        policies,
        tmp_path,
        "graceful-shutdown",
        {"src/lib/core.py": "X = 1\n", "tests/test_app.py": FASTAPI_APP},
    )
    assert status == "not_applicable"


def test_first_app_is_the_anchor(policies, tmp_path):
    status, found, _ = result(
        policies,
        tmp_path,
        "tracing",
        {
            "b/api.py": FASTAPI_APP,
            "a/worker.py": "import grpc\n\nserver = grpc.server(None)\n",
            "k8s/app.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n",
        },
    )
    assert (status, found) == ("fail", ["a/worker.py:3"])


# --- structured logging and print() ----------------------------------------------------------


def test_print_is_reported_in_service_code_only(policies, tmp_path):
    status, found, evidence = result(
        policies,
        tmp_path,
        "structured-logging",
        {
            "src/shop/app.py": FASTAPI_APP + "\n\ndef handler() -> None:\n    print('x')\n",
            "src/shop/log.py": "import structlog\n\nstructlog.configure(processors=["
            "structlog.processors.JSONRenderer()])\n",
            "src/shop/cli.py": "print('usage')\n",
            "scripts/seed.py": "print('seeding')\n",
            "tests/test_app.py": "print('debug')\n",
            "src/shop/run.py": "if __name__ == '__main__':\n    print('starting')\n",
        },
    )
    assert (status, found) == ("fail", ["src/shop/app.py:7"])
    assert evidence == ("structlog.processors.JSONRenderer at src/shop/log.py:3",)


def test_loguru_serialize_and_dictconfig_file_count(policies, tmp_path):
    status, _, evidence = result(
        policies,
        tmp_path,
        "structured-logging",
        {
            "app.py": FASTAPI_APP,
            "logs.py": "from loguru import logger\n\nlogger.add('x.log', serialize=True)\n",
            "logging.yaml": "version: 1\nformatters:\n  json:\n"
            "    (): pythonjsonlogger.json.JsonFormatter\n",
        },
    )
    assert status == "pass"
    assert set(evidence) == {
        "loguru logger.add(serialize=True) at logs.py:3",
        "pythonjsonlogger in logging config logging.yaml",
    }


def test_loguru_without_serialize_fails(policies, tmp_path):
    """loguru's default text sink is no structured logger, for a service deployed to an
    orchestrator (JSON logs feed the fleet's pipeline); a self-hosted app is not judged."""
    files = {"app.py": FASTAPI_APP, "logs.py": "from loguru import logger\n\nlogger.add('x.log')\n"}
    k8s = {"k8s/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\n"}
    status, found, _ = result(policies, tmp_path / "fleet", "structured-logging", {**files, **k8s})
    assert (status, found) == ("fail", ["app.py:3"])
    status, found, _ = result(policies, tmp_path / "self-hosted", "structured-logging", files)
    assert (status, found) == ("pass", [])


# --- graceful shutdown -------------------------------------------------------------------------


def test_gunicorn_graceful_timeout_in_launch_command(policies, tmp_path):
    status, _, evidence = result(
        policies,
        tmp_path,
        "graceful-shutdown",
        {
            "app.py": "from flask import Flask\n\napp = Flask(__name__)\n",
            "Dockerfile": (
                'FROM python:3.12\nCMD ["gunicorn", "--graceful-timeout", "30", "app:app"]\n'
            ),
        },
    )
    assert status == "pass"
    assert evidence == ("--graceful-timeout at Dockerfile:2",)


def test_lifespan_none_is_not_a_hook(policies, tmp_path):
    status, found, _ = result(
        policies,
        tmp_path,
        "graceful-shutdown",
        {"app.py": "from fastapi import FastAPI\n\napp = FastAPI(lifespan=None)\n"},
    )
    assert (status, found) == ("fail", ["app.py:3"])


# --- migrations ---------------------------------------------------------------------------------


def test_django_models_package_and_per_app_migrations(policies, tmp_path):
    model = "from django.db import models\n\n\nclass {name}(models.Model):\n    pass\n"
    status, found, _ = result(
        policies,
        tmp_path,
        "migrations-present",
        {
            "shop/models/__init__.py": "",
            "shop/models/order.py": model.format(name="Order"),
            "shop/migrations/0001_initial.py": "X = 1\n",
            "billing/models.py": model.format(name="Invoice"),
            "billing/migrations/__init__.py": "",
        },
    )
    assert (status, found) == ("fail", ["billing/models.py:4"])


def test_alembic_without_revisions_fails(policies, tmp_path):
    status, found, _ = result(
        policies,
        tmp_path,
        "migrations-present",
        {
            "models.py": "import sqlalchemy as sa\n\n\nclass Order(Base):\n"
            "    __tablename__ = 'orders'\n",
            "alembic.ini": "[alembic]\n",
            "alembic/env.py": "X = 1\n",
        },
    )
    assert (status, found) == ("fail", ["models.py:4"])


def test_flask_sqlalchemy_model_with_sql_migrations(policies, tmp_path):
    status, _, evidence = result(
        policies,
        tmp_path,
        "migrations-present",
        {
            "models.py": "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n\n\n"
            "class Order(db.Model):\n    pass\n",
            "db/migrations/001_orders.sql": "CREATE TABLE orders (id int);\n",
        },
    )
    assert status == "pass"
    assert evidence == ("SQL migrations in db/migrations/ (1 files)",)


# --- project configuration ----------------------------------------------------------------------


def test_strict_type_checking_reports_each_weak_config(policies, tmp_path):
    status, found, _ = result(
        policies,
        tmp_path,
        "strict-type-checking",
        {
            "pyproject.toml": "[tool.pyright]\ntypeCheckingMode = 'basic'\n",
            "setup.cfg": "[metadata]\nname = x\n\n[mypy]\nwarn_unused_ignores = True\n",
            "app.py": "X = 1\n",
        },
    )
    assert (status, found) == ("fail", ["pyproject.toml:2", "setup.cfg:4"])


def test_coverage_floor_in_pytest_ini_below_minimum_param(policies, tmp_path):
    status, found, _ = result(
        policies,
        tmp_path,
        "coverage-threshold",
        {
            "pytest.ini": "[pytest]\naddopts = -q --cov-fail-under=85\n",
            "app.py": "X = 1\n",
            "tests/test_app.py": "def test_x():\n    assert True\n",
        },
        params={"minimum": 90},
    )
    assert (status, found) == ("fail", ["pytest.ini:2"])


def test_coverage_floor_reached_through_make_in_ci(policies, tmp_path):
    status, _, evidence = result(
        policies,
        tmp_path,
        "coverage-threshold",
        {
            "app.py": "X = 1\n",
            "tests/test_app.py": "def test_x():\n    assert True\n",
            "Makefile": "test:\n\tpytest --cov=app --cov-fail-under=80\n",
            ".gitlab-ci.yml": "test:\n  script: make test\n",
        },
    )
    assert status == "pass"
    assert evidence == ("coverage floor 80% at Makefile:2",)


def test_a_python_project_without_tests_has_no_coverage_floor_to_judge(policies, tmp_path):
    status, found, _ = result(
        policies,
        tmp_path,
        "coverage-threshold",
        {"pyproject.toml": "[project]\nname = 'orders'\n", "orders.py": "X = 1\n"},
    )
    assert (status, found) == ("not_applicable", [])


def test_typed_marker_ignores_stub_packages_and_plain_folders(policies, tmp_path):
    status, found, _ = result(
        policies,
        tmp_path,
        "typed-package-marker",
        {
            "src/orders/__init__.py": "",
            "src/orders/py.typed": "",
            "src/orders-stubs/__init__.pyi": "",
            "src/data/schema.json": "{}",
        },
    )
    assert (status, found) == ("pass", [])


def test_dependency_lock_for_poetry_application(policies, tmp_path):
    status, found, _ = result(
        policies,
        tmp_path,
        "dependency-lock",
        {
            "pyproject.toml": "[tool.poetry]\nname = 'etl'\npackage-mode = false\n\n"
            "[tool.poetry.dependencies]\npython = '^3.12'\n",
            "etl.py": "X = 1\n",
        },
    )
    assert (status, found) == ("fail", ["pyproject.toml:5"])


# --- repository and agent workspace -------------------------------------------------------------


def test_linter_configured_one_finding_per_language(policies, tmp_path):
    status, found, evidence = result(
        policies,
        tmp_path,
        "linter-configured",
        {
            "setup.cfg": "[flake8]\nmax-line-length = 100\n",
            "app.py": "X = 1\n",
            "Cargo.toml": "[package]\nname = 'x'\nversion = '0.1.0'\n",
            "src/main.rs": "fn main() {}\n",
            "web/package.json": '{"name": "web"}',
            "web/src/app.ts": "export const x = 1;\n",
        },
    )
    assert (status, found) == ("fail", ["Cargo.toml", "web/package.json"])
    assert evidence == ("Python: flake8 in setup.cfg",)


def test_task_list_item_without_checkbox_in_ordered_list(policies, tmp_path):
    path = ".claude/tasks/backend-engineer-tasks.md"
    status, found, _ = result(
        policies,
        tmp_path,
        "agent-task-list",
        {
            path: "## In Progress\n1. ETL job\n\n## To Do\n\n## Completed\n"
            "- [ ] forgot to tick (2025-01-02)\n",
        },
    )
    assert (status, found) == ("fail", [f"{path}:2", f"{path}:7"])


def test_setup_docs_names_missing_topics(policies, tmp_path):
    write_tree(tmp_path, {"README.md": "# x\n\n## Installation\n\n    pip install x\n"})
    report = audit_rule(policies, tmp_path, "setup-docs")
    [finding] = [f for f in report.findings if f.rule == "setup-docs"]
    assert (finding.path, finding.line) == ("README.md", 0)
    assert "has no run instructions" in finding.message
    tested = audit_rule(policies, tmp_path, "setup-docs", {"topics": ["setup", "run", "test"]})
    # no code and so no test suite to waive the topic: run and test both missing
    assert "run / test" in next(f for f in tested.findings if f.rule == "setup-docs").message


def test_api_documentation_committed_spec_under_any_name(policies, tmp_path):
    status, _, evidence = result(
        policies,
        tmp_path,
        "api-documentation",
        {
            "app.py": "from flask import Flask\n\napp = Flask(__name__)\n",
            "docs/api-v1.json": '{"openapi": "3.0.0", "info": {}, "paths": {}}',
        },
    )
    assert (status, evidence) == ("pass", ("OpenAPI document docs/api-v1.json",))


def test_wsgi_app_served_by_gunicorn_shuts_down_gracefully(policies, tmp_path):
    status, _, evidence = result(
        policies,
        tmp_path,
        "graceful-shutdown",
        {
            "site/wsgi.py": "from django.core.wsgi import get_wsgi_application\n\n"
            "application = get_wsgi_application()\n",
            "Procfile": "web: gunicorn site.wsgi\n",
        },
    )
    assert status == "pass"
    assert evidence == ("served by gunicorn (drains workers on SIGTERM) at Procfile:1",)


def test_wsgi_app_under_uwsgi_without_die_on_term_fails(policies, tmp_path):
    status, found, _ = result(
        policies,
        tmp_path,
        "graceful-shutdown",
        {
            "site/wsgi.py": "from django.core.wsgi import get_wsgi_application\n\n"
            "application = get_wsgi_application()\n",
            "etc/uwsgi.ini": "[uwsgi]\nwsgi-file = site/wsgi.py\n",
        },
    )
    assert (status, found) == ("fail", ["site/wsgi.py:3"])


def test_django_site_without_api_framework_needs_no_openapi(policies, tmp_path):
    wsgi = "from django.core.wsgi import get_wsgi_application\n\napp = get_wsgi_application()\n"
    status, _, _ = result(policies, tmp_path, "api-documentation", {"site/wsgi.py": wsgi})
    assert status == "not_applicable"
    status, found, _ = result(
        policies,
        tmp_path,
        "api-documentation",
        {"site/wsgi.py": wsgi, "site/api.py": "from rest_framework import viewsets\n"},
    )
    assert (status, found) == ("fail", ["site/wsgi.py:3"])


def test_nested_project_config_counts(policies, tmp_path):
    files = {
        "pyproject.toml": "[tool.uv.workspace]\nmembers = ['backend']\n",
        "backend/pyproject.toml": "[project]\nname = 'b'\n\n[tool.mypy]\nstrict = true\n",
        "backend/app/main.py": "X = 1\n",
    }
    status, _, evidence = result(policies, tmp_path, "strict-type-checking", files)
    assert (status, evidence) == (
        "pass",
        ("[tool.mypy] strict = true at backend/pyproject.toml:5",),
    )


def test_print_in_app_module_with_main_guard_is_still_reported(policies, tmp_path):
    status, found, evidence = result(
        policies,
        tmp_path,
        "structured-logging",
        {
            "main.py": "import logging\n\nimport uvicorn\nfrom fastapi import FastAPI\n\n\n"
            "class JsonFormatter(logging.Formatter):\n    pass\n\n\napp = FastAPI()\n\n\n"
            "@app.get('/')\ndef root() -> dict[str, str]:\n    print('hit')\n    return {}\n\n\n"
            "if __name__ == '__main__':\n    print('serving')\n    uvicorn.run(app)\n",
            "tools/report.py": "if __name__ == '__main__':\n    pass\n\nprint('not a service')\n",
        },
    )
    assert (status, found) == ("fail", ["main.py:16"])
    assert evidence == ("JSON formatter class JsonFormatter at main.py:7",)
