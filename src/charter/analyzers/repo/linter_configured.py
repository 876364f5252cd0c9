"""linter-configured: a linter configuration for each language the repository is written in."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import ClassVar

from charter.analyzers.base import Analyzer, Emitter, path_matches
from charter.analyzers.ci.model import CiModel, ci_model, tools
from charter.analyzers.repo.project import config_paths, ini_parse, is_test_path, pyproject_tools
from charter.analyzers.repo.ruff_configured import ruff_config
from charter.repo import RepoIndex
from charter.sources import basename

GOLANGCI = (".golangci.yml", ".golangci.yaml", ".golangci.toml", ".golangci.json")
CLIPPY = ("clippy.toml", ".clippy.toml")
ESLINT = re.compile(
    r"^(\.eslintrc(\.(js|cjs|mjs|json|ya?ml))?|eslint\.config\.(js|cjs|mjs|ts|mts|cts)|"
    r"biome\.jsonc?|\.oxlintrc\.json|deno\.jsonc?|tslint\.(json|ya?ml)|\.jshintrc)$"
)
JS_CONFIG_FILE = re.compile(r"(^|/)[\w.\-]*\.config\.(js|cjs|mjs|ts)$|(^|/)\.[\w\-]+rc\.(js|cjs)$")
#: code that is not the project's own: documentation extras, vendored and minified files
NOT_PROJECT_CODE = ("docs/**", "doc/**", "site/**", "**/vendor/**", "**/*.min.js", "**/dist/**")
CLIPPY_ATTR = re.compile(r"#!\[(warn|deny|forbid)\([^)]*clippy::")
#: a language that is not the repository's main one and has fewer non-blank lines of code than
#: this is a few helper scripts or fixtures, not a code base to configure a linter for
MIN_LINES = 1000
#: the kinds of code, to find the repository's main language (the one with most files)
CODE_KINDS = {
    "Python": ("python",),
    "Go": ("go",),
    "Rust": ("rust",),
    "TypeScript/JavaScript": ("typescript", "javascript"),
    "shell": ("shell",),
    "Java/Kotlin": ("java", "kotlin"),
    "Ruby": ("ruby",),
    "PHP": ("php",),
    "C#": ("csharp",),
}
#: linters that need no configuration file, run by CI or a pre-commit hook: their defaults are
#: the project's lint rules (``go vet``, ``cargo clippy -- -D warnings``, ``ruff check``)
LINTERS_RUN = {
    "Python": tools(
        ("ruff", r"\bruff\b(?![\s-]+format)"), ("flake8", r"\bflake8\b"), ("pylint", r"\bpylint\b")
    ),
    "Go": tools(
        ("golangci-lint", r"golangci-lint"),
        ("go vet", r"\bgo[\s-]vet\b"),
        ("staticcheck", r"\bstaticcheck\b"),
        ("revive", r"\brevive\b"),
    ),
    "Rust": tools(("clippy", r"\bclippy\b")),
    "TypeScript/JavaScript": tools(
        ("eslint", r"\beslint\b"), ("biome", r"\bbiome\b|\boxlint\b"), ("tslint", r"\btslint\b")
    ),
}


def _python(repo: RepoIndex) -> str | None:
    config = ruff_config(repo)
    if config is not None:
        return f"ruff in {config[0]}"
    for path in config_paths(repo, ".flake8", ".pylintrc", "pylintrc"):
        return f"{'flake8' if path.endswith('.flake8') else 'pylint'} in {path}"
    for path, tool in pyproject_tools(repo):
        for key in ("pylint", "flake8"):
            if key in tool:
                return f"{key} in {path}"
    for path in config_paths(repo, "setup.cfg", "tox.ini"):
        parser = ini_parse(repo.source(path))
        if parser is not None and parser.has_section("flake8"):
            return f"flake8 in {path}"
    return None


def _go(repo: RepoIndex) -> str | None:
    found = [p for p in repo.files if basename(p) in GOLANGCI]
    return f"golangci-lint in {found[0]}" if found else None


def _rust(repo: RepoIndex) -> str | None:
    found = [p for p in repo.files if basename(p) in CLIPPY]
    if found:
        return f"clippy in {found[0]}"
    for path in repo.named("Cargo.toml"):
        data = repo.source(path).toml or {}
        lints = data.get("lints", {}) or data.get("workspace", {}).get("lints", {})
        if isinstance(lints, dict) and "clippy" in lints:
            return f"[lints.clippy] in {path}"
    for path in repo.of_kind("rust"):
        if basename(path) in ("lib.rs", "main.rs"):
            text = repo.source(path).text or ""
            if CLIPPY_ATTR.search(text):
                return f"clippy lint attributes in {path}"
    return None


def _javascript(repo: RepoIndex) -> str | None:
    found = [p for p in repo.files if ESLINT.match(basename(p))]
    if found:
        return f"{found[0]}"
    for path in repo.named("package.json"):
        data = repo.source(path).json
        if isinstance(data, dict) and "eslintConfig" in data:
            return f"eslintConfig in {path}"
    return None


#: language -> (file kinds, manifests to anchor on, config finder, linter to suggest)
LANGUAGES: dict[
    str, tuple[tuple[str, ...], tuple[str, ...], Callable[[RepoIndex], str | None], str]
] = {
    "Python": (
        ("python",),
        ("pyproject.toml", "setup.cfg", "setup.py"),
        _python,
        "[tool.ruff] in pyproject.toml",
    ),
    "Go": (("go",), ("go.mod",), _go, ".golangci.yml"),
    "Rust": (("rust",), ("Cargo.toml",), _rust, "[lints.clippy] in Cargo.toml"),
    "TypeScript/JavaScript": (
        ("typescript", "javascript"),
        ("package.json", "tsconfig.json"),
        _javascript,
        "eslint.config.js",
    ),
}


def _code(repo: RepoIndex, kinds: tuple[str, ...]) -> list[str]:
    return [
        p
        for p in repo.of_kind(*kinds)
        if not is_test_path(p)
        and not JS_CONFIG_FILE.search(p)
        and not path_matches(p, NOT_PROJECT_CODE)
    ]


def _lines(repo: RepoIndex, paths: list[str], enough: int) -> int:
    """Non-blank lines in ``paths``, counted until ``enough``."""
    total = 0
    for path in paths:
        total += sum(1 for raw in repo.source(path).lines if raw.strip())
        if total >= enough:
            break
    return total


def _main_languages(repo: RepoIndex) -> set[str]:
    """The language with the most files of code (all of them on a tie)."""
    sizes = {name: len(_code(repo, kinds)) for name, kinds in CODE_KINDS.items()}
    most = max(sizes.values())
    return {name for name, size in sizes.items() if size == most}


def _linter_run(model: CiModel, language: str) -> str | None:
    """A linter of ``language`` that CI or a pre-commit hook runs (without a config file)."""
    hits = model.find(LINTERS_RUN[language], model.steps + model.hooks)
    if not hits:
        return None
    label, step = hits[0]
    return f"{label} run at {step.where()} (its defaults apply)"


class LinterConfiguredAnalyzer(Analyzer):
    """For each language with non-test code: Python → ruff/flake8/pylint config; Go →
    ``.golangci.yml``; Rust → ``clippy.toml``, ``[lints.clippy]`` or crate-level clippy
    attributes; TypeScript/JavaScript → ESLint (``eslint.config.js``, ``.eslintrc*``,
    ``eslintConfig``), TSLint, JSHint, Biome or oxlint. A linter that needs no configuration
    and that CI or a pre-commit hook runs (``go vet``, staticcheck, ``cargo clippy``, ``ruff
    check``, ESLint) counts too. JS files that are only tool configs (``*.config.js``) do not
    make a repository a JavaScript one, and a language that is not the main one and has fewer
    than :data:`MIN_LINES` lines (a few helper scripts or fixtures) is not judged."""

    name: ClassVar[str] = "linter-configured"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        checked = 0
        small: list[str] = []
        main = _main_languages(repo)
        model: CiModel | None = None
        for language, (kinds, manifests, finder, suggestion) in LANGUAGES.items():
            code = _code(repo, kinds)
            if not code:
                continue
            if language not in main and (size := _lines(repo, code, MIN_LINES)) < MIN_LINES:
                small.append(f"{language} ({size} lines in {len(code)} files)")
                continue
            checked += 1
            found = finder(repo)
            if found is None:
                model = model or ci_model(repo)
                found = _linter_run(model, language)
            if found:
                out.evidence(f"{language}: {found}")
                continue
            # the linter config goes next to the language's manifest: the root one, else the
            # shallowest (a front end in web/ of a Python repository)
            out.report_at(
                next(iter(config_paths(repo, *manifests)), None),
                f"{language} code has no linter configuration: add {suggestion}",
            )
        if small:
            out.evidence(
                f"not judged, not a main language and under {MIN_LINES} lines of code (helper "
                f"scripts): {', '.join(small)}"
            )
        if not checked and small:
            out.not_applicable(
                f"the repository's Python, Go, Rust, TypeScript or JavaScript code is a few "
                f"helper scripts: {', '.join(small)}"
            )
        elif not checked:
            out.not_applicable("no Python, Go, Rust, TypeScript or JavaScript code")
