"""strict-type-checking: mypy ``strict = true`` / ``--strict`` or pyright strict mode."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.ci.model import ci_model, tools
from charter.analyzers.repo.project import (
    config_paths,
    ini_line,
    ini_parse,
    is_python_project,
    pyproject_tools,
    settings_file,
    toml_line,
)
from charter.repo import RepoIndex

MYPY_INI = ("mypy.ini", ".mypy.ini", "setup.cfg")
STRICT_FLAG = tools(("mypy --strict", r"\bmypy\b.*--strict\b"))
PYRIGHT_JSON = ("pyrightconfig.json",)
#: pyright / basedpyright modes at least as strict as "strict"
STRICT_MODES = ("strict", "all", "recommended")
#: mypy flags that make the core of --strict: every function annotated and checked, no bare
#: generics. A config that sets them all is near-strict: the gap to `strict = true` (re-export,
#: untyped calls and decorators, ...) is not worth a finding of its own
NEAR_STRICT = (
    "disallow_untyped_defs",
    "disallow_incomplete_defs",
    "check_untyped_defs",
    "disallow_any_generics",
)
BASEDPYRIGHT = tools(("basedpyright", r"\bbasedpyright\b"))
#: files that name the project's (dev) dependencies, where basedpyright would be listed
DEPENDENCY_FILES = re.compile(r"(^|/)(requirements[\w.\-]*\.(txt|in)|pyproject\.toml)$")


def _near_strict(flags: dict[str, Any]) -> bool:
    return all(_truthy(flags.get(flag)) for flag in NEAR_STRICT)


def _truthy(value: Any) -> bool:
    return value is True or (
        isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "on")
    )


class StrictTypeCheckingAnalyzer(Analyzer):
    """Pass on ``[tool.mypy] strict = true`` (pyproject), ``strict = True`` in mypy.ini /
    setup.cfg ``[mypy]``, a near-strict mypy flag set (:data:`NEAR_STRICT`),
    ``typeCheckingMode = "strict"`` for pyright/basedpyright (pyproject or pyrightconfig.json;
    basedpyright's default mode, "recommended", is stricter still), or a CI / pre-commit step
    running ``mypy --strict``. A config that is not strict is reported at its line, one finding
    per config file (the other checkers of that file as related places). Only Python projects
    (:func:`~charter.analyzers.repo.project.python_project`) are judged."""

    name: ClassVar[str] = "strict-type-checking"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        if not is_python_project(repo):
            out.not_applicable(
                "Python is not one of the repository's main languages (no Python project)"
            )
            return
        based = self._basedpyright(repo)
        #: (path, line, what) of each non-strict checker config
        weak: list[tuple[str, int, str]] = []
        strict = False
        for path, tool in pyproject_tools(repo):
            file = repo.source(path)
            mypy = tool.get("mypy")
            if isinstance(mypy, dict):
                line = toml_line(file, "tool.mypy", "strict")
                if _truthy(mypy.get("strict")):
                    out.evidence(f"[tool.mypy] strict = true at {path}:{line}")
                    strict = True
                elif _near_strict(mypy):
                    out.evidence(
                        f"near-strict mypy ({', '.join(NEAR_STRICT)}) in [tool.mypy] at {path}:"
                        f"{toml_line(file, 'tool.mypy')}"
                    )
                    strict = True
                else:
                    weak.append(
                        (path, line, "mypy is configured in [tool.mypy] without strict = true")
                    )
            for key in ("pyright", "basedpyright"):
                settings = tool.get(key)
                if isinstance(settings, dict):
                    checker = "basedpyright" if key == "basedpyright" or based else key
                    mode = settings.get("typeCheckingMode") or _default_mode(checker)
                    line = toml_line(file, f"tool.{key}", "typeCheckingMode")
                    if mode in STRICT_MODES:
                        out.evidence(f"{checker} typeCheckingMode {mode!r} at {path}:{line}")
                        strict = True
                    else:
                        weak.append(
                            (path, line, f"{checker} is configured with typeCheckingMode {mode!r}")
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
            elif _near_strict(dict(parser.items("mypy"))):
                out.evidence(f"near-strict mypy ({', '.join(NEAR_STRICT)}) in {path} [mypy]")
                strict = True
            else:
                weak.append(
                    (path, line, f"mypy is configured in {path} [mypy] without strict = True")
                )
        for path in config_paths(repo, *PYRIGHT_JSON):
            config = repo.source(path).json
            checker = "basedpyright" if based else "pyright"
            mode = config.get("typeCheckingMode") if isinstance(config, dict) else None
            mode = mode or _default_mode(checker)
            if mode in STRICT_MODES:
                out.evidence(f"{checker} typeCheckingMode {mode!r} in {path}")
                strict = True
            else:
                weak.append((path, 1, f"{checker} is configured with typeCheckingMode {mode!r}"))
        model = ci_model(repo)
        for _, step in model.find(STRICT_FLAG, model.steps + model.hooks, raw=True):
            out.evidence(f"`{step.text}` at {step.where()}")
            strict = True
        if strict:
            return
        # one finding per config file: mypy first (the profile's first choice), the other
        # checkers configured in the same file as related places
        by_file: dict[str, list[tuple[str, int, str]]] = {}
        for entry in sorted(weak, key=lambda w: (not w[2].startswith("mypy"), w[1])):
            by_file.setdefault(entry[0], []).append(entry)
        for path, entries in by_file.items():
            _, line, what = entries[0]
            out.report(
                line,
                f'{what}: set strict = true (mypy) or typeCheckingMode = "strict" (pyright)',
                path=path,
                related=tuple((p, ln) for p, ln, _ in entries[1:]),
            )
        if not weak:
            target = settings_file(repo)
            out.report_at(
                target,
                f"no strict type checking configured: add [tool.mypy] strict = true to "
                f'{target} (or pyright typeCheckingMode = "strict") and run it in CI',
            )

    @staticmethod
    def _basedpyright(repo: RepoIndex) -> bool:
        """Whether the project type-checks with basedpyright (a dependency or a CI step)."""
        for path in repo.files:
            if DEPENDENCY_FILES.search(path) and "basedpyright" in (repo.source(path).text or ""):
                return True
        model = ci_model(repo)
        return bool(model.find(BASEDPYRIGHT, model.steps + model.hooks))


def _default_mode(checker: str) -> str:
    """The mode a checker runs in when the config names none."""
    return "recommended" if checker == "basedpyright" else "standard"
