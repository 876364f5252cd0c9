"""CI rules beyond their YAML examples: what the CI model follows and what it does not count."""

from __future__ import annotations

from helpers import rule_result as result
from helpers import workflow


def test_make_target_prerequisites_and_directory_are_followed(policies, tmp_path):
    status, found, evidence = result(
        policies,
        tmp_path,
        "ci-runs-tests",
        {
            "svc/app.py": "X = 1\n",
            "svc/Makefile": "check: lint unit\nlint:\n\truff check .\nunit:\n\t@pytest -q\n",
            ".github/workflows/ci.yml": workflow("run: make -C svc check"),
        },
    )
    assert (status, found) == ("pass", [])
    assert evidence == (
        "pytest: `pytest -q` at svc/Makefile:5 (run by .github/workflows/ci.yml:6)",
    )


def test_package_json_script_and_tox_envs_are_followed(policies, tmp_path):
    status, _, evidence = result(
        policies,
        tmp_path,
        "ci-runs-tests",
        {
            "web/index.js": "module.exports = 1;\n",
            "package.json": '{"scripts": {"test": "vitest run"}}',
            "tox.ini": "[tox]\nenvlist = py312\n\n[testenv]\ncommands =\n    pytest {posargs}\n",
            ".gitlab-ci.yml": "test:\n  script:\n    - npm test\n    - tox\n",
        },
    )
    assert status == "pass"
    assert set(evidence) == {
        "JS test runner: `vitest run` at package.json:1 (run by .gitlab-ci.yml:3)",
        "npm test: `npm test` at .gitlab-ci.yml:3",
        "pytest: `pytest {posargs}` at tox.ini:6 (run by .gitlab-ci.yml:4)",
    }


def test_installing_a_tool_is_not_running_it(policies, tmp_path):
    status, found, _ = result(
        policies,
        tmp_path,
        "ci-runs-linters",
        {
            "app.py": "X = 1\n",
            ".github/workflows/ci.yml": workflow("run: pip install ruff mypy", "run: pytest"),
        },
    )
    assert (status, found) == ("fail", [".github/workflows/ci.yml"])


def test_commented_out_step_does_not_count(policies, tmp_path):
    status, found, _ = result(
        policies,
        tmp_path,
        "ci-security-scan",
        {
            "app.py": "X = 1\n",
            ".github/workflows/ci.yml": workflow(
                "run: |\n          # bandit -r src\n          pytest"
            ),
        },
    )
    assert (status, found) == ("fail", [".github/workflows/ci.yml"])


def test_pre_commit_ci_section_makes_hooks_count(policies, tmp_path):
    status, _, evidence = result(
        policies,
        tmp_path,
        "ci-security-scan",
        {
            "app.py": "X = 1\n",
            ".pre-commit-config.yaml": (
                "ci:\n  autofix_prs: false\nrepos:\n  - repo: https://github.com/PyCQA/bandit\n"
                "    rev: 1.7.9\n    hooks:\n      - id: bandit\n        args: [-r, src]\n"
            ),
        },
    )
    assert status == "pass"
    assert evidence == (
        "bandit: `bandit -r src (pre-commit hook, https://github.com/PyCQA/bandit)` at "
        ".pre-commit-config.yaml:7",
    )


def test_jenkinsfile_sh_steps(policies, tmp_path):
    status, _, evidence = result(
        policies,
        tmp_path,
        "ci-dependency-scan",
        {
            "go.mod": "module example.com/svc\n",
            "main.go": "package main\n",
            "Jenkinsfile": "pipeline {\n  stages {\n    stage('audit') {\n"
            "      steps { sh 'govulncheck ./...' }\n    }\n  }\n}\n",
        },
    )
    assert status == "pass"
    assert evidence == ("govulncheck: `govulncheck ./...` at Jenkinsfile:4",)


def test_renovate_counts_as_dependency_scanning(policies, tmp_path):
    status, found, evidence = result(
        policies,
        tmp_path,
        "ci-dependency-scan",
        {"pyproject.toml": "[project]\nname = 'x'\n", "renovate.json": "{}\n"},
    )
    assert (status, found, evidence) == ("pass", [], ("Renovate config at renovate.json:1",))


def test_broken_workflow_yaml_is_not_a_crash(policies, tmp_path):
    status, found, _ = result(
        policies,
        tmp_path,
        "ci-runs-tests",
        {"app.py": "X = 1\n", ".github/workflows/ci.yml": "jobs: [unclosed\n"},
    )
    assert (status, found) == ("fail", [".github/workflows/ci.yml"])


def test_working_directory_and_nested_scripts(policies, tmp_path):
    status, _, evidence = result(
        policies,
        tmp_path,
        "ci-runs-tests",
        {
            "backend/app/main.py": "X = 1\n",
            "backend/scripts/tests-start.sh": "set -e\nbash scripts/test.sh\n",
            "backend/scripts/test.sh": "coverage run -m pytest tests/\n",
            ".github/workflows/ci.yml": workflow(
                "run: bash scripts/tests-start.sh\n        working-directory: backend"
            ),
        },
    )
    assert status == "pass"
    assert evidence == (
        "pytest: `coverage run -m pytest tests/` at backend/scripts/test.sh:1 "
        "(run by .github/workflows/ci.yml:6)",
    )


def test_tox_native_toml_config_is_followed(policies, tmp_path):
    status, _, evidence = result(
        policies,
        tmp_path,
        "ci-runs-tests",
        {
            "src/pkg/__init__.py": "",
            "pyproject.toml": '[tool.tox.env_run_base]\ncommands = [["pytest", "-v"]]\n',
            ".github/workflows/ci.yml": workflow("run: uv run tox run -e py312"),
        },
    )
    assert status == "pass"
    assert evidence == (
        "pytest: `pytest -v` at pyproject.toml:2 (run by .github/workflows/ci.yml:6)",
    )


def test_django_test_runner_counts(policies, tmp_path):
    status, _, _ = result(
        policies,
        tmp_path,
        "ci-runs-tests",
        {"manage.py": "X = 1\n", ".gitlab-ci.yml": "test:\n  script: python manage.py test\n"},
    )
    assert status == "pass"


def test_install_arguments_are_not_followed_as_scripts(policies, tmp_path):
    status, found, _ = result(
        policies,
        tmp_path,
        "ci-runs-linters",
        {
            "app.py": "X = 1\n",
            "requirements/dev.txt": "ruff==0.6.9\nmypy==1.11\n",
            ".github/workflows/ci.yml": workflow("run: pip install -r requirements/dev.txt"),
        },
    )
    assert (status, found) == ("fail", [".github/workflows/ci.yml"])


def test_missing_step_is_reported_on_the_workflow_that_runs_tests(policies, tmp_path):
    status, found, _ = result(
        policies,
        tmp_path,
        "ci-security-scan",
        {
            "app.py": "X = 1\n",
            ".github/workflows/a-label.yml": workflow("uses: actions/labeler@v5"),
            ".github/workflows/tests.yml": workflow("run: pytest"),
        },
    )
    assert (status, found) == ("fail", [".github/workflows/tests.yml"])


def test_local_action_steps_count_only_when_used(policies, tmp_path):
    action = "runs:\n  using: composite\n  steps:\n    - run: semgrep ci\n      shell: bash\n"
    status, _, evidence = result(
        policies,
        tmp_path,
        "ci-security-scan",
        {
            "app.py": "X = 1\n",
            ".github/actions/scan/action.yml": action,
            ".github/workflows/ci.yml": workflow("uses: ./.github/actions/scan"),
        },
    )
    assert (status, evidence) == (
        "pass",
        ("semgrep: `semgrep ci` at .github/actions/scan/action.yml:4",),
    )


def test_unused_action_and_nested_workflows_are_not_this_repos_ci(policies, tmp_path):
    status, found, _ = result(
        policies,
        tmp_path,
        "ci-security-scan",
        {
            "app.py": "X = 1\n",
            "action.yml": "runs:\n  using: composite\n  steps:\n    - run: bandit -r .\n",
            "fixtures/other/.github/workflows/ci.yml": workflow("run: bandit -r ."),
            ".github/workflows/ci.yml": workflow(
                "uses: github/codeql-action/upload-sarif@v3\n        with: {sarif_file: x.sarif}"
            ),
        },
    )
    assert (status, found) == ("fail", [".github/workflows/ci.yml"])


def test_a_commented_out_workflow_is_not_ci(policies, tmp_path):
    """A workflow whose every line is a comment runs nothing: the finding is about the
    repository and names it, not a missing step 'in' that file."""
    from charter.api import Options, run

    files = {
        "app.py": "X = 1\n",
        "requirements.txt": "fastapi==0.115.0\n",
        ".github/workflows/ci.yml": "# uncomment to run CI\n# on: push\n# jobs: {}\n",
    }
    status, found, _ = result(policies, tmp_path, "ci-security-scan", files)
    assert (status, found) == ("fail", ["(repository)"])
    report = run(
        tmp_path, Options(use_cache=False, select=("ci-security-scan",))  # type: ignore[arg-type]
    ).report
    (finding,) = [f for f in report.findings if f.rule == "ci-security-scan"]
    assert finding.message.startswith(
        "no CI runs: .github/workflows/ci.yml is entirely commented out, so nothing runs a "
        "static security scan"
    )


def test_a_published_python_library_is_not_judged_for_dependency_audits(policies, tmp_path):
    pyproject = (
        '[project]\nname = "webkit"\nversion = "1"\ndependencies = ["click>=8"]\n'
        'classifiers = ["Programming Language :: Python :: 3"]\n'
    )
    files = {
        "pyproject.toml": pyproject,
        "src/webkit/__init__.py": "X = 1\n",
        ".github/workflows/ci.yml": workflow("run: pytest"),
    }
    status, found, _ = result(policies, tmp_path / "lib", "ci-dependency-scan", files)
    assert (status, found) == ("not_applicable", [])
    # a package.json beside it is a second package manager whose versions it resolves: judged
    files["web/package.json"] = '{"name": "ui", "dependencies": {"react": "18.3.1"}}'
    status, found, _ = result(policies, tmp_path / "mixed", "ci-dependency-scan", files)
    assert (status, found) == ("fail", [".github/workflows/ci.yml"])
