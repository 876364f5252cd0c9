"""pre-commit-configured: the repository configures git hooks that run its checks before a
commit (pre-commit or prek, husky, lefthook, overcommit, simple-git-hooks, a ``.githooks/``
folder)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.ci.model import PRECOMMIT_FILES
from charter.analyzers.ci.rules import code_files
from charter.repo import RepoIndex

LEFTHOOK_FILES = (
    "lefthook.yml",
    "lefthook.yaml",
    ".lefthook.yml",
    ".lefthook.yaml",
    "lefthook.toml",
    "lefthook.json",
)
HOOK_NAMES = frozenset({"pre-commit", "pre-push", "commit-msg"})


def _present(repo: RepoIndex, rel: str) -> bool:
    return repo.has(rel) or rel in repo.classes


def _hook_files(repo: RepoIndex, folder: str) -> list[str]:
    prefix = f"{folder}/"
    return sorted(
        p for p in repo.classes if p.startswith(prefix) and p[len(prefix) :] in HOOK_NAMES
    )


def _package_hooks(repo: RepoIndex) -> str | None:
    """``simple-git-hooks`` or husky v4's ``husky.hooks`` in the root package.json."""
    if not _present(repo, "package.json"):
        return None
    try:
        data: Any = json.loads(repo.source("package.json").text or "")
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("simple-git-hooks"), dict) and data["simple-git-hooks"]:
        return "simple-git-hooks in package.json"
    husky = data.get("husky")
    if isinstance(husky, dict) and isinstance(husky.get("hooks"), dict) and husky["hooks"]:
        return "husky hooks in package.json"
    return None


def _precommit_hooks(repo: RepoIndex, path: str) -> int | None:
    """How many hooks a pre-commit config lists (None when it does not parse)."""
    docs = repo.source(path).yaml_documents
    if docs is None:
        return None
    doc = docs[0] if docs and isinstance(docs[0], dict) else {}
    repos = doc.get("repos")
    count = 0
    for entry in repos if isinstance(repos, list) else []:
        hooks = entry.get("hooks") if isinstance(entry, dict) else None
        count += len(hooks) if isinstance(hooks, list) else 0
    return count


class PreCommitConfiguredAnalyzer(Analyzer):
    name: ClassVar[str] = "pre-commit-configured"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        if not code_files(repo):
            out.not_applicable("the repository has no source code")
            return
        empty: str | None = None
        for path in PRECOMMIT_FILES:
            if not _present(repo, path):
                continue
            count = _precommit_hooks(repo, path)
            if count is None or count > 0:
                out.evidence(f"{path} configures {count if count else 'its'} hook(s)")
                return
            empty = path
        found = [p for p in LEFTHOOK_FILES if _present(repo, p)]
        found += _hook_files(repo, ".husky") + _hook_files(repo, ".githooks")
        if _present(repo, ".overcommit.yml"):
            found.append(".overcommit.yml")
        package = _package_hooks(repo)
        if found or package:
            out.evidence(f"git hooks configured: {', '.join(found) or package}")
            return
        if empty:
            out.report_file(
                empty,
                f"{empty} lists no hook: add the formatter, linter and secret scan the "
                "project uses (ruff, gofmt, cargo fmt, prettier, gitleaks …)",
            )
            return
        out.report_file(
            ".pre-commit-config.yaml",
            "no git hooks are configured (no .pre-commit-config.yaml, husky, lefthook or "
            ".githooks/): formatters, linters and secret scans run only in CI, after the "
            "commit; add a .pre-commit-config.yaml with the project's checks "
            "(`pre-commit install` once per clone)",
        )
