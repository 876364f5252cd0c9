"""Project rules on real-world shapes: what a user sees (path:line, message, related places)."""

from __future__ import annotations

from pathlib import Path

from helpers import audit_rule, write_tree

from charter.models import Report
from charter.policy import PolicySet

GO_MAIN = (
    'package main\n\nimport "fmt"\n\n'
    "// main starts the server; handlers, storage and replication live in other packages.\n"
    "// This file only wires them together for the release binary and prints the version.\n"
    'func main() {\n\tfmt.Println("server starting with the default configuration")\n}\n'
)


def _findings(report: Report, rule: str) -> list[tuple[str, str]]:
    return sorted((f.where, f.message) for f in report.findings if f.rule == rule)


def _status(report: Report, rule: str) -> str:
    return next(r.status.value for r in report.rules if r.id == rule)


def test_coverage_advice_for_a_javascript_package_is_jest_not_python(
    policies: PolicySet, tmp_path: Path
) -> None:
    write_tree(
        tmp_path,
        {
            "package.json": '{"name": "api", "scripts": {"test": "jest"}}\n',
            "jest.config.js": "module.exports = { testEnvironment: 'node' };\n",
            "src/app.js": "module.exports = {};\n",
            "tests/app.test.js": "test('x', () => {});\n",
        },
    )
    [(where, message)] = _findings(
        audit_rule(policies, tmp_path, "coverage-threshold"), "coverage-threshold"
    )
    assert where == "package.json"
    assert "coverageThreshold" in message and "fail_under" not in message


def test_coverage_judges_each_language_of_a_full_stack_repository(
    policies: PolicySet, tmp_path: Path
) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'app'\n\n"
            "[tool.coverage.report]\nfail_under = 90\n",
            "app/__init__.py": "X = 1\n" * 50,
            "tests/test_app.py": "def test_x() -> None:\n    assert True\n",
            "web/package.json": '{"name": "web", "devDependencies": {"vitest": "^2"}}\n',
            "web/src/main.ts": "export const x = 1;\n" * 40,
            "web/src/main.test.ts": "test('x', () => {});\n",
        },
    )
    report = audit_rule(policies, tmp_path, "coverage-threshold")
    [(where, message)] = _findings(report, "coverage-threshold")
    assert where == "web/package.json"
    assert "vitest" in message


def test_a_go_repository_with_a_python_wheel_shim_is_no_python_project(
    policies: PolicySet, tmp_path: Path
) -> None:
    write_tree(
        tmp_path,
        {
            "go.mod": "module example.com/db\n",
            "main.go": GO_MAIN,
            "packages/python/setup.py": "from setuptools import setup\nsetup(name='db-vfs')\n",
            "packages/python/db_vfs/__init__.py": "LIB = 'db.so'\n",
        },
    )
    for rule in ("ruff-configured", "strict-type-checking", "coverage-threshold"):
        report = audit_rule(policies, tmp_path, rule)
        assert _status(report, rule) == "not_applicable", rule
    # tests-present judges the Go code, not the shim: no pytest suite is asked for
    [(_, message)] = _findings(audit_rule(policies, tmp_path, "tests-present"), "tests-present")
    assert message.startswith("no Go tests") and "pytest" not in message
    report = audit_rule(policies, tmp_path, "src-layout")
    assert _findings(report, "src-layout") == []


def test_strict_type_checking_one_finding_per_file_with_the_other_checker_related(
    policies: PolicySet, tmp_path: Path
) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'wallet'\n\n[tool.pyright]\ninclude = ['w']\n\n"
            "[tool.mypy]\nfiles = ['w']\n",
            "w/__init__.py": "X: int = 1\n",
        },
    )
    report = audit_rule(policies, tmp_path, "strict-type-checking")
    [finding] = [f for f in report.findings if f.rule == "strict-type-checking"]
    assert (finding.path, finding.line) == ("pyproject.toml", 7)
    assert finding.message.startswith("mypy is configured in [tool.mypy] without strict")
    assert [(r.path, r.line) for r in finding.related] == [("pyproject.toml", 4)]


def test_strict_type_checking_anchors_on_pyproject_not_a_requirements_lock(
    policies: PolicySet, tmp_path: Path
) -> None:
    write_tree(
        tmp_path,
        {
            "containers/airflow/requirements.txt": "apache-airflow==2.9.0\n",
            "dags/etl.py": "X = 1\n",
            "dags/load.py": "Y = 2\n",
        },
    )
    report = audit_rule(policies, tmp_path, "strict-type-checking")
    [(where, message)] = _findings(report, "strict-type-checking")
    assert where == "pyproject.toml"
    assert "to pyproject.toml" in message


def test_src_layout_one_finding_per_project_with_the_other_packages_related(
    policies: PolicySet, tmp_path: Path
) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'shop'\nversion = '1'\n",
            "billing/__init__.py": "",
            "billing/api.py": "X = 1\n",
            "orders/__init__.py": "",
            "orders/api.py": "X = 1\n",
            "shop_tests/__init__.py": "",
        },
    )
    report = audit_rule(policies, tmp_path, "src-layout")
    [finding] = [f for f in report.findings if f.rule == "src-layout"]
    assert (finding.path, finding.line) == ("billing/__init__.py", 1)
    assert "`billing`, `orders`" in finding.message
    assert [(r.path, r.line) for r in finding.related] == [("orders/__init__.py", 1)]


def test_src_layout_a_django_site_is_not_judged(policies: PolicySet, tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'site'\nversion = '1'\n",
            "site/__init__.py": "",
            "site/wsgi.py": "from django.core.wsgi import get_wsgi_application\n\n"
            "application = get_wsgi_application()\n",
            "blog/__init__.py": "",
            "blog/views.py": "X = 1\n",
            "members/__init__.py": "",
        },
    )
    report = audit_rule(policies, tmp_path, "src-layout")
    assert _status(report, "src-layout") == "not_applicable"
    assert "deployed application (Django app at site/wsgi.py:3)" in (
        next(r for r in report.rules if r.id == "src-layout").message or ""
    )


def test_ruff_message_says_what_runs_and_where_the_setting_goes(
    policies: PolicySet, tmp_path: Path
) -> None:
    write_tree(
        tmp_path,
        {
            "setup.py": "from setuptools import setup\nsetup(name='watch')\n",
            "setup.cfg": "[extract_messages]\noutput_file = messages.pot\n",
            "watch/__init__.py": "X = 1\n",
        },
    )
    [(where, message)] = _findings(
        audit_rule(policies, tmp_path, "ruff-configured"), "ruff-configured"
    )
    assert where == "pyproject.toml"
    assert message.startswith("ruff is not configured and no linter runs")


def test_setup_docs_follows_a_github_link_into_its_own_tree(
    policies: PolicySet, tmp_path: Path
) -> None:
    write_tree(
        tmp_path,
        {
            "README.md": "# api\n\n## Usage\n\n    docker compose up\n\n"
            "See [contributing](https://github.com/acme/api/blob/main/CONTRIBUTING.md).\n",
            "CONTRIBUTING.md": "# Contributing\n\n## Running the tests\n\n    go test ./...\n",
            "main.go": GO_MAIN,
            "main_test.go": "package main\n",
        },
    )
    report = audit_rule(policies, tmp_path, "setup-docs", {"topics": ["setup", "run", "test"]})
    assert _findings(report, "setup-docs") == []
    assert _status(report, "setup-docs") == "pass"


def test_setup_docs_example_commands_in_the_main_language(
    policies: PolicySet, tmp_path: Path
) -> None:
    write_tree(
        tmp_path,
        {
            "README.md": "# api\n\nAn API.\n",
            "main.go": GO_MAIN,
            "main_test.go": "package main\n",
        },
    )
    [(where, message)] = _findings(audit_rule(policies, tmp_path, "setup-docs"), "setup-docs")
    assert where == "README.md"
    assert "go build ./..." in message and "pip install" not in message


def test_dependency_lock_points_at_requirements_txt_not_the_dev_file(
    policies: PolicySet, tmp_path: Path
) -> None:
    write_tree(
        tmp_path,
        {
            "requirements-dev.txt": "pytest==8.3.0\n",
            "requirements.txt": "flask>=3\n",
            "web/app.py": "from flask import Flask\n\napp = Flask(__name__)\n",
        },
    )
    [(where, message)] = _findings(
        audit_rule(policies, tmp_path, "dependency-lock"), "dependency-lock"
    )
    assert where == "requirements.txt:1"
    assert "Flask app at web/app.py:3" in message


def test_typescript_tests_only_tsconfig_is_left_alone(policies: PolicySet, tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "api_tests/tsconfig.json": '{ "compilerOptions": { "noImplicitAny": true } }\n',
            "api_tests/src/post.spec.ts": "test('x', () => {});\n",
            "api_tests/src/user.spec.ts": "test('y', () => {});\n",
        },
    )
    report = audit_rule(policies, tmp_path, "typescript-strict")
    assert _findings(report, "typescript-strict") == []
