"""The CI rules and linter-configured on what real repositories do: task runners followed to
what they run (make, scripts, nox, tox, just, hatch, npm/nps, flask), reusable workflows, the
scanners a config enables, where a missing step is reported, and languages too small to judge.

Each test asserts what a user sees: the finding's place, or the evidence line (with the
path:line of the command) that made the rule pass."""

from __future__ import annotations

from helpers import audit_rule, workflow, write_tree
from helpers import rule_result as result

# --- make ------------------------------------------------------------------------------------


def test_bare_make_reads_the_default_target_through_includes_and_pattern_rules(policies, tmp_path):
    status, found, evidence = result(
        policies,
        tmp_path,
        "ci-runs-tests",
        {
            "main.go": "package main\n",
            "Makefile": "all::\n\ninclude Makefile.common\n\nall:: vet common-all\n",
            "Makefile.common": (
                "GO ?= go\nGOTEST := $(GO) test\n\n%: common-% ;\n\n"
                "common-all: build test\n\ncommon-test:\n\t$(GOTEST) ./...\n\n"
                "common-vet:\n\t$(GO) vet ./...\n"
            ),
            ".github/workflows/ci.yml": workflow("run: go mod download", "run: make"),
        },
    )
    assert (status, found) == ("pass", [])
    assert evidence == (
        "go test: `go test ./...` at Makefile.common:9 (run by .github/workflows/ci.yml:7)",
    )


def test_make_target_named_by_a_variable_runs_a_function_of_a_sourced_script(policies, tmp_path):
    status, _, evidence = result(
        policies,
        tmp_path,
        "ci-runs-tests",
        {
            "app/__init__.py": "X = 1\n",
            "Makefile": (
                "MTOOLS = ./manage\nMANAGE += test.lint\nMANAGE += test.unit\n\n"
                "ci.test: test.lint test.unit\n\n$(MANAGE):\n\t$(MTOOLS) $@\n"
            ),
            "manage": '#!/bin/bash\nsource "$(dirname "${BASH_SOURCE[0]}")/utils/lib.sh"\n',
            "utils/lib.sh": (
                "test.lint() {\n    ruff check .\n}\n\n"
                "test.unit() {\n    python -m nose2 -s tests/unit\n}\n"
            ),
            ".github/workflows/ci.yml": workflow("run: make V=1 ci.test"),
        },
    )
    assert status == "pass"
    assert evidence == (
        "nose2: `python -m nose2 -s tests/unit` at utils/lib.sh:6 "
        "(run by .github/workflows/ci.yml:6)",
    )


def test_make_target_that_is_an_unevaluated_expression_is_not_the_default_target(
    policies, tmp_path
):
    status, found, _ = result(
        policies,
        tmp_path,
        "ci-runs-tests",
        {
            "app.py": "X = 1\n",
            "Makefile": "test:\n\tpytest\n",
            ".github/workflows/ci.yml": workflow("run: make ${{ matrix.target }}"),
        },
    )
    assert (status, found) == ("fail", [".github/workflows/ci.yml"])


# --- reusable workflows ----------------------------------------------------------------------


def test_local_reusable_workflow_is_read_with_the_callers_inputs(policies, tmp_path):
    status, _, evidence = result(
        policies,
        tmp_path,
        "ci-runs-linters",
        {
            "app.py": "X = 1\n",
            "Makefile": "checkruff:\n\truff check .\n\nformat:\n\truff format .\n",
            ".github/workflows/make.yml": (
                "on:\n  workflow_call:\n    inputs:\n      make:\n        type: string\n"
                "jobs:\n  make:\n    runs-on: ubuntu-latest\n    steps:\n"
                "      - run: make ${{ inputs.make }}\n"
            ),
            ".github/workflows/lint.yml": (
                "on: push\njobs:\n  ruff:\n    uses: ./.github/workflows/make.yml\n"
                "    with:\n      make: checkruff\n"
            ),
        },
    )
    assert status == "pass"
    assert evidence == ("ruff: `ruff check .` at Makefile:2 (run by .github/workflows/lint.yml:4)",)


def test_remote_reusable_workflow_is_not_judged_and_the_evidence_says_so(policies, tmp_path):
    status, found, evidence = result(
        policies,
        tmp_path,
        "ci-security-scan",
        {
            "main.tf": 'resource "null_resource" "x" {}\n',
            ".github/workflows/pr.yml": (
                "on: pull_request\njobs:\n  check:\n"
                "    uses: example-org/scaffold/.github/workflows/pr-check.yaml@main\n"
            ),
        },
    )
    assert (status, found) == ("pass", [])
    assert evidence == (
        "not judged: the job at .github/workflows/pr.yml:4 delegates to the remote reusable "
        "workflow `example-org/scaffold/.github/workflows/pr-check.yaml@main`, which charter "
        "cannot read",
    )


def test_action_of_this_repository_named_by_its_full_reference_is_read(policies, tmp_path):
    status, _, evidence = result(
        policies,
        tmp_path,
        "ci-runs-tests",
        {
            "app.py": "X = 1\n",
            ".github/actions/check/action.yml": (
                "runs:\n  using: composite\n  steps:\n    - run: pytest -q\n      shell: bash\n"
            ),
            ".github/workflows/ci.yml": workflow("uses: example-org/app/.github/actions/check@dev"),
        },
    )
    assert status == "pass"
    assert evidence == ("pytest: `pytest -q` at .github/actions/check/action.yml:4",)


# --- task runners ----------------------------------------------------------------------------


def test_nox_session_is_read_with_ast_and_notify_is_followed(policies, tmp_path):
    noxfile = (
        "import nox\n\n\n@nox.session(python=['3.12'])\ndef tests(session):\n"
        "    session.install('.')\n    session.run('pytest', '--cov', *session.posargs)\n"
        "    session.notify('lint')\n\n\n@nox.session\ndef lint(session):\n"
        "    session.run('mypy', 'src')\n"
    )
    status, _, evidence = result(
        policies,
        tmp_path,
        "ci-runs-linters",
        {
            "src/pkg/__init__.py": "",
            "noxfile.py": noxfile,
            ".github/workflows/ci.yml": workflow("run: uvx nox -s tests-3.12"),
        },
    )
    assert status == "pass"
    assert evidence == ("mypy: `mypy src` at noxfile.py:13 (run by .github/workflows/ci.yml:6)",)


def test_tox_env_without_its_own_section_runs_the_base_testenv(policies, tmp_path):
    status, _, evidence = result(
        policies,
        tmp_path,
        "ci-runs-tests",
        {
            "app.py": "X = 1\n",
            "tox.ini": "[testenv]\ncommands =\n    pytest {posargs}\n\n[testenv:docs]\n"
            "commands = sphinx-build docs out\n",
            ".github/workflows/ci.yml": workflow("run: tox -e py"),
        },
    )
    assert status == "pass"
    assert evidence == (
        "pytest: `pytest {posargs}` at tox.ini:3 (run by .github/workflows/ci.yml:6)",
    )


def test_just_recipe_dependencies_are_followed(policies, tmp_path):
    status, _, evidence = result(
        policies,
        tmp_path,
        "ci-runs-linters",
        {
            "app.py": "X = 1\n",
            "justfile": "default: check\n\ncheck: lint\n    pytest\n\nlint:\n    ruff check .\n",
            ".github/workflows/ci.yml": workflow("run: just"),
        },
    )
    assert status == "pass"
    assert evidence == ("ruff: `ruff check .` at justfile:7 (run by .github/workflows/ci.yml:6)",)


def test_hatch_env_script_and_the_script_it_runs(policies, tmp_path):
    pyproject = (
        "[project]\nname = 'x'\n\n[tool.hatch.envs.default.scripts]\ncov = 'echo nope'\n\n"
        "[tool.hatch.envs.test.scripts]\nunit = 'pytest -q'\ncov = ['unit', 'coverage report']\n"
    )
    status, _, evidence = result(
        policies,
        tmp_path,
        "ci-runs-tests",
        {
            "src/x/__init__.py": "",
            "pyproject.toml": pyproject,
            ".github/workflows/ci.yml": workflow("run: hatch run test:cov"),
        },
    )
    assert status == "pass"
    assert evidence == (
        "pytest: `pytest -q` at pyproject.toml:8 (run by .github/workflows/ci.yml:6)",
    )


def test_package_scripts_of_every_workspace_for_pnpm_recursive(policies, tmp_path):
    status, _, evidence = result(
        policies,
        tmp_path,
        "ci-runs-tests",
        {
            "packages/api/src/index.ts": "export const x = 1;\n",
            "package.json": '{"name": "root", "private": true}',
            "packages/api/package.json": '{\n  "scripts": {\n    "test": "vitest run"\n  }\n}\n',
            ".gitlab-ci.yml": "test:\n  script:\n    - pnpm -r test\n",
        },
    )
    assert status == "pass"
    assert evidence == (
        "npm test: `pnpm -r test` at .gitlab-ci.yml:3",
        "JS test runner: `vitest run` at packages/api/package.json:3 (run by .gitlab-ci.yml:3)",
    )


def test_flask_click_command_body_is_read(policies, tmp_path):
    commands = (
        "import click\n\n\n@click.command()\ndef test():\n    import pytest\n"
        "    raise SystemExit(pytest.main(['tests']))\n"
    )
    status, _, evidence = result(
        policies,
        tmp_path,
        "ci-runs-tests",
        {
            "conduit/commands.py": commands,
            ".travis.yml": "script: flask test\n",
        },
    )
    assert status == "pass"
    assert "pytest: `raise SystemExit(pytest.main(['tests']))` at conduit/commands.py:7 " in (
        " ".join(evidence) + " "
    )


def test_nps_file_that_is_not_an_object_literal_is_named_in_the_finding(policies, tmp_path):
    status, found, _ = result(
        policies,
        tmp_path,
        "ci-runs-tests",
        {
            "src/index.js": "module.exports = 1;\n",
            "package-scripts.js": "module.exports = require('./scripts/config');\n",
            ".travis.yml": "script: nps test\n",
        },
    )
    assert (status, found) == ("fail", [".travis.yml"])
    write_tree(tmp_path, {})
    report = audit_rule(policies, tmp_path, "ci-runs-tests")
    (finding,) = [f for f in report.findings if f.rule == "ci-runs-tests"]
    assert "not read: package-scripts.js (not a plain object literal" in finding.message


# --- what counts -----------------------------------------------------------------------------


def test_helm_chart_tests_count_and_chart_lint_is_a_linter(policies, tmp_path):
    files = {
        "charts/app/hack/sync.py": "X = 1\n",
        ".github/workflows/ci.yaml": workflow(
            "run: ct lint --config ct.yaml", "run: helm test app --logs"
        ),
    }
    assert result(policies, tmp_path, "ci-runs-tests", files)[:2] == ("pass", [])
    assert result(policies, tmp_path, "ci-runs-linters", files)[2] == (
        "helm lint: `ct lint --config ct.yaml` at .github/workflows/ci.yaml:6",
    )


def test_pre_commit_composite_action_runs_the_terraform_hooks(policies, tmp_path):
    status, _, evidence = result(
        policies,
        tmp_path,
        "ci-runs-linters",
        {
            "lambda/handler.py": "X = 1\n",
            ".pre-commit-config.yaml": (
                "repos:\n  - repo: https://github.com/antonbabenko/pre-commit-terraform\n"
                "    rev: v1.96.1\n    hooks:\n      - id: terraform_fmt\n"
                "      - id: terraform_tflint\n"
            ),
            ".github/workflows/pre-commit.yml": workflow(
                "uses: example-org/terraform-composite-actions/pre-commit@v1.14.0"
            ),
        },
    )
    assert status == "pass"
    assert [e.split("`")[1].split(" ")[0] + e.rsplit(" at ", 1)[1] for e in evidence] == [
        "terraform_fmt.pre-commit-config.yaml:5",
        "terraform_tflint.pre-commit-config.yaml:6",
    ]


def test_cargo_deny_licenses_only_is_not_an_advisory_check(policies, tmp_path):
    files = {
        "Cargo.toml": "[package]\nname = 'svc'\nversion = '0.1.0'\n",
        "src/main.rs": "fn main() {}\n",
        ".github/workflows/ci.yml": workflow("run: cargo deny check licenses", "run: cargo test"),
    }
    assert result(policies, tmp_path, "ci-security-scan", files)[:2] == (
        "fail",
        [".github/workflows/ci.yml"],
    )


def test_installing_cargo_deny_is_not_running_it(policies, tmp_path):
    files = {
        "Cargo.toml": "[package]\nname = 'svc'\nversion = '0.1.0'\n",
        "src/main.rs": "fn main() {}\n",
        ".github/workflows/ci.yml": workflow(
            "run: cargo binstall cargo-deny --no-confirm", "run: cargo test"
        ),
    }
    assert result(policies, tmp_path, "ci-dependency-scan", files)[:2] == (
        "fail",
        [".github/workflows/ci.yml"],
    )


def test_dependabot_for_compose_images_covers_a_compose_project(policies, tmp_path):
    status, found, evidence = result(
        policies,
        tmp_path,
        "ci-dependency-scan",
        {
            "pyproject.toml": "[project]\nname = 'x'\n",
            "docker-compose.yml": "services:\n  web:\n    image: nginx:1.27\n",
            ".github/dependabot.yml": (
                "version: 2\nupdates:\n  - package-ecosystem: docker-compose\n    directory: /\n"
                "    schedule: {interval: daily}\n"
            ),
        },
    )
    assert (status, found, evidence) == (
        "pass",
        [],
        ("Dependabot config at .github/dependabot.yml:1",),
    )


# --- where a missing step is reported ----------------------------------------------------------


def test_missing_scan_goes_to_the_workflow_that_runs_the_tests_not_a_data_update_job(
    policies, tmp_path
):
    status, found, _ = result(
        policies,
        tmp_path,
        "ci-security-scan",
        {
            "app/__init__.py": "",
            "Makefile": "ci.test:\n\tpytest tests\n",
            ".github/workflows/data-update.yml": workflow(
                "run: python -m app.fetch_a", "run: python -m app.fetch_b", "run: git commit -am x"
            ),
            ".github/workflows/integration.yml": workflow("run: make ci.test"),
        },
    )
    assert (status, found) == ("fail", [".github/workflows/integration.yml"])


# --- linter-configured -----------------------------------------------------------------------


def test_secondary_language_with_a_real_code_base_is_judged(policies, tmp_path):
    big = "".join(f"export const value{i} = {i};\n" for i in range(1000))
    status, found, _ = result(
        policies,
        tmp_path,
        "linter-configured",
        {
            "pyproject.toml": "[tool.ruff]\nline-length = 100\n",
            "app/a.py": "X = 1\n",
            "app/b.py": "Y = 2\n",
            "app/c.py": "Z = 3\n",
            "app/static/app.js": big,
        },
    )
    assert (status, found) == ("fail", ["(repository)"])


def test_secondary_language_of_a_few_helper_lines_is_not_judged(policies, tmp_path):
    status, found, evidence = result(
        policies,
        tmp_path,
        "linter-configured",
        {
            "go.mod": "module example.com/svc\n",
            ".golangci.yml": "linters:\n  enable: [govet]\n",
            "main.go": "package main\n",
            "store.go": "package main\n",
            "app/static/main.js": "import init from './pkg.js';\ninit();\n",
        },
    )
    assert (status, found) == ("pass", [])
    assert evidence == (
        "Go: golangci-lint in .golangci.yml",
        "not judged, not a main language and under 1000 lines of code (helper scripts): "
        "TypeScript/JavaScript (2 lines in 1 files)",
    )


def test_go_linters_in_pre_commit_hooks_need_no_config_file(policies, tmp_path):
    status, found, evidence = result(
        policies,
        tmp_path,
        "linter-configured",
        {
            "go.mod": "module example.com/svc\n",
            "main.go": "package main\n",
            ".pre-commit-config.yaml": (
                "repos:\n  - repo: https://github.com/tekwizely/pre-commit-golang\n"
                "    rev: v1.0.0-beta.5\n    hooks:\n      - id: go-vet-repo-mod\n"
            ),
        },
    )
    assert (status, found) == ("pass", [])
    assert evidence == ("Go: go vet run at .pre-commit-config.yaml:5 (its defaults apply)",)
