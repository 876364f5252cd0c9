"""profile-drift: an agent profile in the repository names files or commands it does not have.

The repository's own agent profiles (``.claude/agents/*.md``, ``AGENTS.md``, ``CLAUDE.md``) tell
the agent to read ``.project/build-plan.md`` or run ``make lint``; when the file or the Makefile
target is missing, the agent works without the context its profile promises. Each such reference
is a finding at the profile's line, so the fix (create the file, or correct the profile) is one
click away.
"""

from __future__ import annotations

import fnmatch
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from charter.analyzers.base import Analyzer, Emitter
from charter.profile_import import (
    DEFAULT_GLOBS,
    ProfileImportError,
    Reference,
    command_defined,
    find_drift,
    parse_document,
)
from charter.repo import RepoIndex


class ProfileDriftParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: the agent profile documents to check (globs relative to the repository root)
    documents: tuple[str, ...] = Field(default=DEFAULT_GLOBS, min_length=1)


def _glob_match(path: str, pattern: str) -> bool:
    """``*`` stays within one folder; ``**`` crosses folders."""
    if "**" not in pattern and path.count("/") != pattern.count("/"):
        return False
    return fnmatch.fnmatchcase(path, pattern)


class ProfileDriftAnalyzer(Analyzer):
    """Each file path or ``make``/``npm run``/``just`` command that a directive statement of an
    agent profile names, and that the repository lacks, is a finding at that statement."""

    name: ClassVar[str] = "profile-drift"
    Params = ProfileDriftParams
    params: ProfileDriftParams

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        documents = [p for p in repo.files if any(_glob_match(p, g) for g in self.params.documents)]
        if not documents:
            out.not_applicable(
                "no agent profile in the repository (" + ", ".join(self.params.documents) + ")"
            )
            return
        files = repo.files
        folders = {p.rsplit("/", 1)[0] for p in files if "/" in p}
        prefixes = {f.split("/", i + 1)[0] for f in folders for i in range(f.count("/") + 1)}

        def exists(rel: str) -> bool:
            rel = rel.removeprefix("./")
            return repo.has(rel) or rel in prefixes or repo.exists(rel)

        def read(rel: str) -> str | None:
            return repo.source(rel).text if repo.has(rel) else None

        def has_command(ref: Reference) -> bool | None:
            return command_defined(ref, read)

        checked = 0
        for path in documents:
            text = repo.source(path).text
            if text is None:
                continue
            try:
                document = parse_document(text, path)
            except ProfileImportError as exc:
                out.report(1, str(exc).removeprefix(f"{path}: "), path=path)
                continue
            checked += 1
            for drift in find_drift(document, exists, has_command):
                out.report(
                    drift.statement.line,
                    drift.message,
                    path=path,
                    column=_column(document.lines, drift.statement.line, drift.reference.token),
                    key=drift.reference.token,
                )
        if checked:
            out.evidence(f"{checked} agent profile(s) checked: {', '.join(documents)}")


def _column(lines: tuple[str, ...], line: int, token: str) -> int:
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    found = text.find(token)
    return found + 1 if found >= 0 else 1
