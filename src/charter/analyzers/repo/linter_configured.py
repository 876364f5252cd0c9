"""linter-configured: a linter configuration for each language the repository is written in."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import ClassVar

from charter.analyzers.base import Analyzer, Emitter, path_matches
from charter.analyzers.repo.project import config_paths, ini_parse, is_test_path, pyproject_tools
from charter.analyzers.repo.ruff_configured import ruff_config
from charter.repo import RepoIndex
from charter.sources import basename

GOLANGCI = (".golangci.yml", ".golangci.yaml", ".golangci.toml", ".golangci.json")
CLIPPY = ("clippy.toml", ".clippy.toml")
ESLINT = re.compile(
    r"^(\.eslintrc(\.(js|cjs|mjs|json|ya?ml))?|eslint\.config\.(js|cjs|mjs|ts|mts|cts)|"
    r"biome\.jsonc?|\.oxlintrc\.json|deno\.jsonc?)$"
)
JS_CONFIG_FILE = re.compile(r"(^|/)[\w.\-]*\.config\.(js|cjs|mjs|ts)$|(^|/)\.[\w\-]+rc\.(js|cjs)$")
#: code that is not the project's own: documentation extras, vendored and minified files
NOT_PROJECT_CODE = ("docs/**", "doc/**", "site/**", "**/vendor/**", "**/*.min.js", "**/dist/**")
CLIPPY_ATTR = re.compile(r"#!\[(warn|deny|forbid)\([^)]*clippy::")


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


class LinterConfiguredAnalyzer(Analyzer):
    """For each language with non-test code: Python → ruff/flake8/pylint config; Go →
    ``.golangci.yml``; Rust → ``clippy.toml``, ``[lints.clippy]`` or crate-level clippy
    attributes; TypeScript/JavaScript → ESLint (``eslint.config.js``, ``.eslintrc*``,
    ``eslintConfig``), Biome or oxlint. JS files that are only tool configs
    (``*.config.js``) do not make a repository a JavaScript one."""

    name: ClassVar[str] = "linter-configured"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        checked = 0
        for language, (kinds, manifests, finder, suggestion) in LANGUAGES.items():
            code = [
                p
                for p in repo.of_kind(*kinds)
                if not is_test_path(p)
                and not JS_CONFIG_FILE.search(p)
                and not path_matches(p, NOT_PROJECT_CODE)
            ]
            if not code:
                continue
            checked += 1
            found = finder(repo)
            if found:
                out.evidence(f"{language}: {found}")
                continue
            # the linter config goes next to the language's manifest: the root one, else the
            # shallowest (a front end in web/ of a Python repository)
            out.report_at(
                next(iter(config_paths(repo, *manifests)), None),
                f"{language} code has no linter configuration: add {suggestion}",
            )
        if not checked:
            out.not_applicable("no Python, Go, Rust, TypeScript or JavaScript code")
