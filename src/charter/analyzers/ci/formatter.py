"""formatter-enforced: for each main language, CI checks the formatting (ruff format / black,
gofmt / goimports / gofumpt, cargo fmt, Prettier / Biome / dprint), directly, through a
followed make target or script, or through pre-commit hooks that CI runs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, ClassVar

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.ci.model import CiModel, ci_model, tools
from charter.analyzers.ci.rules import GOLANGCI_FILES, _anchor_file, _short
from charter.analyzers.repo.project import is_main_language, is_python_project
from charter.repo import RepoIndex
from charter.sources import basename

Tools = tuple[tuple[str, re.Pattern[str]], ...]

PYTHON = tools(
    ("ruff format", r"\bruff[\s-]format\b|\bruff\b.*\bformat\b"),
    ("black", r"\bblack\b"),
    ("hatch fmt", r"\bhatch\s+fmt\b"),
    ("yapf", r"\byapf\b"),
)
GO = tools(
    ("gofmt", r"\bgofmt\b|\bgo\s+fmt\b|\bgoimports\b|\bgofumpt\b|\bgolines\b|\bgci\b"),
    # pre-commit-golang hooks: ``go-fmt``, ``go-imports-repo``, ``go-fumpt``
    ("gofmt hook", r"(?:^|\s)go-(?:fmt|imports|fumpt)(?:-repo)?\b"),
)
RUST = tools(("cargo fmt", r"\bcargo\s+(?:\+\S+\s+)?fmt\b|\brustfmt\b"))
JAVASCRIPT = tools(
    ("prettier", r"\bprettier\b"),
    ("biome", r"\bbiome\s+(?:check|ci|format)\b|biomejs/setup-biome"),
    ("dprint", r"\bdprint\b"),
    ("deno fmt", r"\bdeno\s+fmt\b"),
)
#: the formatters golangci-lint can run (v1 as linters, v2 under ``formatters:``)
GOLANGCI_FORMATTERS = frozenset({"gofmt", "gofumpt", "goimports", "gci", "golines"})


def _golangci_formats(repo: RepoIndex, model: CiModel) -> str | None:
    """golangci-lint run by CI with a formatter enabled: v2 ``formatters.enable``, v1
    ``linters.enable`` (or ``enable-all`` without disabling them all)."""
    if not model.find(tools(("golangci-lint", r"golangci-lint"))):
        return None
    for path in repo.files:
        if basename(path) not in GOLANGCI_FILES or path.endswith((".toml", ".json")):
            continue
        docs = repo.source(path).yaml_documents or []
        data = docs[0] if docs and isinstance(docs[0], dict) else {}
        for section in ("formatters", "linters"):
            table = data.get(section)
            if not isinstance(table, dict):
                continue
            enabled = {str(x) for x in table.get("enable") or [] if isinstance(x, str)}
            disabled = {str(x) for x in table.get("disable") or [] if isinstance(x, str)}
            on = enabled & GOLANGCI_FORMATTERS
            if table.get("enable-all") is True:
                on = set(GOLANGCI_FORMATTERS - disabled)
            if on:
                return f"golangci-lint runs {', '.join(sorted(on))}, enabled in {path}"
    return None


def _eslint_prettier(repo: RepoIndex, model: CiModel) -> str | None:
    """ESLint run by CI with eslint-plugin-prettier (it reports unformatted code)."""
    if not model.find(tools(("eslint", r"\beslint\b|\b(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?lint\b"))):
        return None
    for path in repo.named("package.json"):
        try:
            data: Any = json.loads(repo.source(path).text or "")
        except ValueError:
            continue
        if not isinstance(data, dict):
            continue
        deps = {**(data.get("dependencies") or {}), **(data.get("devDependencies") or {})}
        if "eslint-plugin-prettier" in deps:
            return f"ESLint with eslint-plugin-prettier ({path})"
    return None


Extra = Callable[[RepoIndex, CiModel], str | None]
#: (language, file kinds, formatter table, other evidence, what to add)
LANGUAGES: tuple[tuple[str, tuple[str, ...], Tools, Extra | None, str], ...] = (
    ("Python", ("python",), PYTHON, None, "`ruff format --check .`"),
    ("Go", ("go",), GO, _golangci_formats, "`test -z \"$(gofmt -l .)\"`"),
    ("Rust", ("rust",), RUST, None, "`cargo fmt --all --check`"),
    (
        "TypeScript/JavaScript",
        ("typescript", "javascript"),
        JAVASCRIPT,
        _eslint_prettier,
        "`npx prettier --check .` or `npx biome ci .`",
    ),
)


class FormatterEnforcedAnalyzer(Analyzer):
    name: ClassVar[str] = "formatter-enforced"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        judged = []
        for language, kinds, table, extra, hint in LANGUAGES:
            if language == "Python":
                if not is_python_project(repo):
                    continue
            else:
                sources = [p for p in repo.of_kind(*kinds) if repo.path_class(p) == "source"]
                if not sources or not is_main_language(repo, *kinds):
                    continue
            judged.append((language, table, extra, hint))
        if not judged:
            out.not_applicable(
                "none of Python, Go, Rust, TypeScript or JavaScript is one of the repository's "
                "main languages"
            )
            return
        model = ci_model(repo)
        for language, table, extra, hint in judged:
            hits = model.find(table)
            if hits:
                label, step = hits[0]
                out.evidence(f"{language}: {label} `{_short(step)}` at {step.where()}")
                continue
            found = extra(repo, model) if extra else None
            if found:
                out.evidence(f"{language}: {found}")
                continue
            local = [] if model.hooks_in_ci else model.find(table, model.hooks)
            where = (
                f"; {local[0][1].path} runs {local[0][0]} as a local hook, which CI does not run"
                if local
                else ""
            )
            message = f"no CI step checks the {language} formatting{where}; add {hint}"
            if not model.ci_files:
                out.report_repository(
                    f"no CI configuration, so nothing checks the {language} formatting; add a "
                    f"workflow step such as {hint}",
                    key=f"formatter-enforced:{language}",
                )
                continue
            out.report_file(_anchor_file(model), message, key=f"formatter-enforced:{language}")
