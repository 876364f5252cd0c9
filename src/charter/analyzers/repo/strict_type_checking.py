"""strict-type-checking: mypy ``strict = true`` / ``--strict`` or pyright strict mode."""

from __future__ import annotations

from typing import Any, ClassVar

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.ci.model import ci_model, tools
from charter.analyzers.repo.project import (
    config_paths,
    ini_line,
    ini_parse,
    pyproject_tools,
    python_anchor,
    python_code,
    toml_line,
)
from charter.repo import RepoIndex

MYPY_INI = ("mypy.ini", ".mypy.ini", "setup.cfg")
STRICT_FLAG = tools(("mypy --strict", r"\bmypy\b.*--strict\b"))
PYRIGHT_JSON = ("pyrightconfig.json",)


def _truthy(value: Any) -> bool:
    return value is True or (
        isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "on")
    )


class StrictTypeCheckingAnalyzer(Analyzer):
    """Pass on ``[tool.mypy] strict = true`` (pyproject), ``strict = True`` in mypy.ini /
    setup.cfg ``[mypy]``, ``typeCheckingMode = "strict"`` for pyright/basedpyright (pyproject or
    pyrightconfig.json), or a CI / pre-commit step running ``mypy --strict``. A config that
    sets ``strict = false`` or a non-strict pyright mode is reported at that line."""

    name: ClassVar[str] = "strict-type-checking"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        if not python_code(repo):
            out.not_applicable("the repository has no (non-test) Python code")
            return
        weak: list[tuple[str, int, str]] = []
        strict = False
        for path, tool in pyproject_tools(repo):
            file = repo.source(path)
            if isinstance(tool.get("mypy"), dict):
                line = toml_line(file, "tool.mypy", "strict")
                if _truthy(tool["mypy"].get("strict")):
                    out.evidence(f"[tool.mypy] strict = true at {path}:{line}")
                    strict = True
                else:
                    weak.append(
                        (path, line, "mypy is configured in [tool.mypy] without strict = true")
                    )
            for key in ("pyright", "basedpyright"):
                settings = tool.get(key)
                if isinstance(settings, dict):
                    mode = settings.get("typeCheckingMode")
                    line = toml_line(file, f"tool.{key}", "typeCheckingMode")
                    if mode in ("strict", "all"):
                        out.evidence(f"[tool.{key}] typeCheckingMode = {mode!r} at {path}:{line}")
                        strict = True
                    else:
                        weak.append(
                            (
                                path,
                                line,
                                f"{key} is configured with typeCheckingMode {mode or 'standard'!r}",
                            )
                        )
        for path in config_paths(repo, *MYPY_INI):
            file = repo.source(path)
            parser = ini_parse(file)
            if parser is None or not parser.has_section("mypy"):
                continue
            line = ini_line(file, "mypy", "strict")
            if _truthy(parser.get("mypy", "strict", fallback="")):
                out.evidence(f"[mypy] strict = True at {path}:{line}")
                strict = True
            else:
                weak.append(
                    (path, line, f"mypy is configured in {path} [mypy] without strict = True")
                )
        for path in config_paths(repo, *PYRIGHT_JSON):
            config = repo.source(path).json
            mode = config.get("typeCheckingMode") if isinstance(config, dict) else None
            if mode in ("strict", "all"):
                out.evidence(f"typeCheckingMode {mode!r} in {path}")
                strict = True
            else:
                weak.append(
                    (path, 1, f"pyright is configured with typeCheckingMode {mode or 'standard'!r}")
                )
        model = ci_model(repo)
        for _, step in model.find(STRICT_FLAG, model.steps + model.hooks, raw=True):
            out.evidence(f"`{step.text}` at {step.where()}")
            strict = True
        if strict:
            return
        for path, line, what in weak:
            out.report(
                line,
                f'{what}: set strict = true (mypy) or typeCheckingMode = "strict" (pyright)',
                path=path,
            )
        if not weak:
            out.report_at(
                python_anchor(repo),
                "no strict type checking configured: add [tool.mypy] strict = true to "
                'pyproject.toml (or pyright typeCheckingMode = "strict") and run it in CI',
            )
