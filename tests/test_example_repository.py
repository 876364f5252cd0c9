"""Example code: a repository whose README calls itself an example, a demo, the companion code
of a tutorial or a fictional team's work is not judged by the rules about operating a team's
own service (condition ``not-example``); the configuration's ``example-repository`` decides
instead of the README, and a run without the repository's configuration ignores the README."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write_tree

from charter import api, conditions
from charter.models import Status

DOCKERFILE = 'FROM python:3.12-slim\nCOPY . /app\nEXPOSE 8000\nCMD ["python", "/app/app.py"]\n'
#: the compose file that runs the image, where Docker reads its (missing) HEALTHCHECK
COMPOSE = "services:\n  web:\n    build: .\n"


def example(readme: str, name: str = "README.md") -> tuple[str, int, str] | None:
    files = {name: readme}
    return conditions.example_statement(list(files), files.get)


@pytest.mark.parametrize(
    ("readme", "line", "words"),
    [
        ("# Wagtail demo project\n\nA site.\n", 1, "demo project"),
        ("# Example of a collaboration server\n", 1, "Example of a collaboration server"),
        (
            "# Background checks\n\nThis is an example Temporal application project.\n",
            3,
            "is an example Temporal application",
        ),
        (
            "# Wild Workouts\n\nWild Workouts is an **example Go DDD** project.\n",
            3,
            "is an example Go DDD project",
        ),
        (
            "# Learn Terraform\n\nThis repo is a companion repo to the [Provision an EKS "
            "Cluster tutorial](https://example.com).\n",
            3,
            "companion repo to the Provision an EKS Cluster tutorial",
        ),
        (
            "# Shop\n\nThe code to support the tutorial at https://example.com.\n",
            3,
            "to support the tutorial",
        ),
        ("# Hooli\n\nCode developed by the fictional data team at Hooli.\n", 3, "fictional"),
        # a table of contents before the title is not the introduction
        (
            "* [Beginner DE](#beginner-de)\n    * [Run](#run)\n\n# Beginner DE\n\n"
            "Code for blog at [Data Engineering for Beginners](https://example.com/post).\n",
            6,
            "Code for blog",
        ),
        ("[![ci](https://b/x.svg)](https://b)\n\n# Demo app\n", 3, "Demo app"),
    ],
)
def test_readme_that_calls_the_repository_example_code(readme: str, line: int, words: str):
    assert example(readme) == ("README.md", line, words)


@pytest.mark.parametrize(
    "readme",
    [
        "# Orders\n\nAn order service. For example, the service retries payments.\n",
        "# charter\n\nThe first command installs charter and audits the sample service.\n",
        "# Orders\n\nSample Go service for the team: an HTTP API.\n",
        # a demo mentioned after the introduction is about something else
        "# Datasette\n\nA tool.\n\nFor people.\n\nExplore a demo site or try it out.\n",
        "# Patroni: A Template for PostgreSQL HA\n\nHA for Postgres.\n",
        "# Orders\n\n```\nThis is an example project\n```\n",
        # the code of the service itself, not of a post about it
        "# Blog\n\nSource code for a blog engine with comments.\n",
    ],
)
def test_readme_of_a_teams_own_code_is_not_example_code(readme: str):
    assert example(readme) is None


def test_restructuredtext_title_and_first_paragraph():
    rst = ".. image:: badge.svg\n\nBakery demo project\n===================\n\nA site.\n"
    assert example(rst, "README.rst") == ("README.rst", 3, "demo project")
    own = "Patroni\n=======\n\nA template for HA. For example, the service.\n"
    assert example(own, "README.rst") is None


def _audit(root: Path, **kw: object) -> api.Audit:
    options = api.Options(
        profiles=("backend-polyglot",), use_cache=False, select=("health-checks",), **kw
    )  # type: ignore[arg-type]
    return api.run(root, options)


def _status(result: api.Audit, rule: str) -> tuple[Status, str]:
    (row,) = [r for r in result.report.rules if r.id == rule]
    return row.status, row.message


def test_operational_rules_do_not_apply_to_example_code(tmp_path: Path):
    demo = write_tree(
        tmp_path / "demo",
        {
            "README.md": "# Shop demo application\n",
            "Dockerfile": DOCKERFILE,
            "compose.yaml": COMPOSE,
            "app.py": "",
        },
    )
    result = _audit(demo)
    status, why = _status(result, "health-checks")
    assert status is Status.NOT_APPLICABLE
    assert why.startswith(
        "example code: README.md:1 describes the repository as 'demo application'"
    )
    assert not [f for f in result.report.findings if f.rule == "health-checks"]
    (change,) = [c for c in result.report.repo_config if c.kind == "readme"]
    assert change.source == "README.md:1" and "health-checks" in change.change

    own = write_tree(
        tmp_path / "own",
        {
            "README.md": "# Shop\n\nThe shop's API.\n",
            "Dockerfile": DOCKERFILE,
            "compose.yaml": COMPOSE,
            "app.py": "",
        },
    )
    result = _audit(own)
    assert _status(result, "health-checks")[0] is Status.FAIL
    assert not [c for c in result.report.repo_config if c.kind == "readme"]


def test_code_rules_still_judge_example_code(tmp_path: Path):
    demo = write_tree(
        tmp_path / "demo",
        {"README.md": "# Shop demo application\n", "app.py": "def f(x):\n    return x\n"},
    )
    result = api.run(
        demo, api.Options(profiles=("backend-polyglot",), use_cache=False, select=("type-hints",))
    )
    assert [(f.rule, f.path, f.line) for f in result.report.findings] == [
        ("type-hints", "app.py", 1)
    ]


def test_configuration_decides_instead_of_the_readme(tmp_path: Path):
    files = {
        "README.md": "# Shop demo application\n",
        "Dockerfile": DOCKERFILE,
        "compose.yaml": COMPOSE,
        "app.py": "",
    }
    demo = write_tree(tmp_path / "demo", {**files, ".charter.yml": "example-repository: false\n"})
    result = _audit(demo)
    assert _status(result, "health-checks")[0] is Status.FAIL
    (setting,) = [c for c in result.report.repo_config if c.name == "example-repository"]
    assert setting.kind == "setting" and setting.change == "false"

    own = write_tree(
        tmp_path / "own",
        {
            "README.md": "# Shop\n",
            "Dockerfile": DOCKERFILE,
            "compose.yaml": COMPOSE,
            "app.py": "",
            ".charter.yml": "example-repository: true\n",
        },
    )
    status, why = _status(_audit(own), "health-checks")
    assert status is Status.NOT_APPLICABLE and "example-repository = true" in why


def test_without_the_repositorys_configuration_the_readme_is_not_taken(tmp_path: Path):
    """A fork's pull request audited with --no-repo-config cannot switch rules off by writing
    "demo project" into its README."""
    demo = write_tree(
        tmp_path / "demo",
        {
            "README.md": "# Shop demo application\n",
            "Dockerfile": DOCKERFILE,
            "compose.yaml": COMPOSE,
            "app.py": "",
        },
    )
    result = _audit(demo, repo_config=False)
    assert _status(result, "health-checks")[0] is Status.FAIL
