"""ruff-configured: ruff is configured and something runs it (CI or pre-commit)."""

from __future__ import annotations

from typing import Any, ClassVar

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.ci.model import ci_model, tools
from charter.analyzers.repo.project import (
    config_paths,
    is_python_project,
    settings_file,
    toml_line,
)
from charter.repo import RepoIndex

RUFF = tools(("ruff", r"\bruff\b"))
#: the linters ruff replaces; one of them run by CI or a pre-commit hook is an automated lint
OTHER_LINTERS = tools(
    ("flake8", r"\bflake8\b"),
    ("pylint", r"\bpylint\b"),
    ("pyflakes", r"\bpyflakes\b"),
    ("pycodestyle", r"\bpycodestyle\b"),
    ("prospector", r"\bprospector\b"),
)
#: the formatters ruff format replaces (named in the evidence beside a linter)
OTHER_FORMATTERS = tools(("black", r"\bblack\b"), ("isort", r"\bisort\b"), ("yapf", r"\byapf\b"))
#: task files whose targets run the project's checks
TASK_FILES = ("Makefile", "justfile", "Justfile", "tox.ini", "noxfile.py", "Taskfile.yml")
NOT_A_PROJECT = (
    "Python is not one of the repository's main languages (no Python project: its Python is "
    "a few scripts, a wrapper or fixtures)"
)


def ruff_config(repo: RepoIndex) -> tuple[str, dict[str, Any], int] | None:
    """(path, settings, line) of the shallowest ruff configuration: ``.ruff.toml``,
    ``ruff.toml`` or ``[tool.ruff]`` in ``pyproject.toml`` (ruff's order of precedence within a
    folder); nested projects of a monorepo count."""
    for path in config_paths(repo, ".ruff.toml", "ruff.toml", "pyproject.toml"):
        data = repo.source(path).toml
        if data is None:
            continue
        if not path.endswith("pyproject.toml"):
            return path, data, 1
        settings = data.get("tool", {}).get("ruff")
        if isinstance(settings, dict):
            return path, settings, toml_line(repo.source(path), "tool.ruff")
    return None


def ruff_selects(settings: dict[str, Any], prefix: str) -> bool:
    """Whether the ruff settings select the rules of ``prefix`` (e.g. "S" for flake8-bandit)."""
    lint = settings.get("lint", {}) if isinstance(settings.get("lint"), dict) else {}
    chosen: list[str] = []
    for table in (settings, lint):
        for key in ("select", "extend-select"):
            value = table.get(key)
            if isinstance(value, list):
                chosen.extend(str(v) for v in value)
    return any(
        code == "ALL"
        or code == prefix
        or (code.startswith(prefix) and code[len(prefix) :].isdigit())
        for code in chosen
    )


class RuffConfiguredAnalyzer(Analyzer):
    """ruff configured (``[tool.ruff]``/``ruff.toml``) and run by CI or a pre-commit hook.

    Judged for Python projects only (:func:`~charter.analyzers.repo.project.python_project`);
    a project without ruff whose CI or pre-commit already runs another linter (flake8, pylint,
    ...) is not judged: the swap is not worth a finding."""

    name: ClassVar[str] = "ruff-configured"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        if not is_python_project(repo):
            out.not_applicable(NOT_A_PROJECT)
            return
        config = ruff_config(repo)
        model = ci_model(repo)
        if config is None:
            linters = model.find(OTHER_LINTERS, model.steps + model.hooks)
            task = self._task_linters(repo)
            if task is not None and not linters:
                out.not_applicable(
                    f"Python is linted with {task}: moving to ruff would be a tooling swap, "
                    "not a gap"
                )
                return
            if linters:
                # another automated linter set: moving to ruff is a tooling swap, not a gap
                formatters = model.find(OTHER_FORMATTERS, model.steps + model.hooks)
                names = sorted({label for label, _ in linters + formatters})
                label, step = linters[0]
                out.not_applicable(
                    f"Python is linted with {', '.join(names)} ({label} run by `{step.text}` "
                    f"at {step.where()}): moving to ruff would be a tooling swap, not a gap"
                )
                return
            target = settings_file(repo)
            runs = model.find(RUFF, model.steps + model.hooks)
            if runs:
                _, step = runs[0]
                out.report_at(
                    target,
                    f"ruff runs (`{step.text}` at {step.where()}) with no configuration: add a "
                    f"[tool.ruff] table to {target} (line-length, target-version, "
                    "[tool.ruff.lint] select) or a ruff.toml",
                )
                return
            out.report_at(
                target,
                "ruff is not configured and no linter runs: add a [tool.ruff] table to "
                f"{target} (line-length, target-version, [tool.ruff.lint] select) or a "
                "ruff.toml, and run `ruff check` in CI",
            )
            return
        path, _, line = config
        out.evidence(f"ruff configured in {path}:{line}")
        runs = model.find(RUFF, model.steps) + model.find(RUFF, model.hooks)
        for _, step in runs:
            out.evidence(f"ruff run by `{step.text}` at {step.where()}")
        if not runs:
            out.report(
                line,
                "ruff is configured but nothing runs it: add `ruff check .` (and "
                "`ruff format --check .`) to CI or the ruff-pre-commit hook",
                path=path,
            )

    @staticmethod
    def _task_linters(repo: RepoIndex) -> str | None:
        """Linters a task file runs (a Makefile or justfile target, a tox env) when CI does not
        call it: ``make lint`` run by hand is still an automated linter set."""
        for path in config_paths(repo, *TASK_FILES):
            text = repo.source(path).text or ""
            names = [label for label, regex in OTHER_LINTERS if regex.search(text)]
            if names:
                formatters = [label for label, regex in OTHER_FORMATTERS if regex.search(text)]
                return f"{', '.join(sorted(names + formatters))} (run from {path})"
        return None
