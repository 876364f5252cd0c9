"""ruff-configured: ruff is configured and something runs it (CI or pre-commit)."""

from __future__ import annotations

from typing import Any, ClassVar

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.ci.model import ci_model, tools
from charter.analyzers.repo.project import config_paths, python_anchor, python_code, toml_line
from charter.repo import RepoIndex

RUFF = tools(("ruff", r"\bruff\b"))


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
    """ruff configured (``[tool.ruff]``/``ruff.toml``) and run by CI or a pre-commit hook."""

    name: ClassVar[str] = "ruff-configured"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        if not python_code(repo):
            out.not_applicable("the repository has no (non-test) Python code")
            return
        config = ruff_config(repo)
        if config is None:
            out.report_at(
                python_anchor(repo),
                "ruff is not configured: add a [tool.ruff] table to pyproject.toml "
                "(line-length, target-version, [tool.ruff.lint] select) or a ruff.toml",
            )
            return
        path, _, line = config
        out.evidence(f"ruff configured in {path}:{line}")
        model = ci_model(repo)
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
