"""profile-drift: an agent profile in the repository names files or commands it does not have.

The repository's own agent profiles (``.claude/agents/*.md``, ``AGENTS.md``, ``CLAUDE.md``) tell
the agent to read ``.project/build-plan.md`` or run ``make lint``; when the file or the Makefile
target is missing, the agent works without the context its profile promises. Each such reference
is a finding at the profile's line, so the fix (create the file, or correct the profile) is one
click away.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import pathspec
from pydantic import BaseModel, ConfigDict, Field

from charter.analyzers.base import Analyzer, Emitter
from charter.discovery import gitignore_spec, gitignored
from charter.profile_import import (
    DEFAULT_GLOBS,
    SKIP_DIRS,
    ProfileImportError,
    Reference,
    command_defined,
    command_folders,
    find_drift,
    glob_match,
    parse_document,
)
from charter.repo import RepoIndex


class ProfileDriftParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: the agent profile documents to check (globs relative to the repository root)
    documents: tuple[str, ...] = Field(default=DEFAULT_GLOBS, min_length=1)


class ProfileDriftAnalyzer(Analyzer):
    """Each file path or ``make``/``npm run``/``just`` command that a directive statement of an
    agent profile names, and that the repository lacks, is a finding at that statement."""

    name: ClassVar[str] = "profile-drift"
    Params = ProfileDriftParams
    params: ProfileDriftParams

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        documents = [
            p
            for p in repo.files
            if any(glob_match(p, g) for g in self.params.documents)
            and not SKIP_DIRS.intersection(p.split("/")[:-1])
        ]
        if not documents:
            out.not_applicable(
                "no agent profile in the repository (" + ", ".join(self.params.documents) + ")"
            )
            return
        # existence is judged on every discovered file, whatever its class: `tests/setup.ts`
        # and `docs/ARCH.md` exist although this rule judges no test or docs file
        files = sorted({*repo.files, *repo.classes})
        folders = {p.rsplit("/", 1)[0] for p in files if "/" in p}
        prefixes = {
            "/".join(parts[: i + 1])
            for parts in (f.split("/") for f in folders)
            for i in range(len(parts))
        }
        ignored = _ignored_by(repo, files)

        tails: set[str] = set()

        def exists(rel: str) -> bool:
            rel = rel.removeprefix("./")
            if repo.listed(rel) or rel in prefixes or repo.exists(rel):
                return True
            # a build output or local file the repository ignores (`dist/cli.js`, `.env`):
            # the profile names what the build or the developer makes, not a missing file
            if ignored(rel):
                return True
            # a path relative to a folder the profile does not name ("models in `db/models/`"
            # of src/py/app/db/models; "the relevant `Chart.yaml`" of each chart): it is there
            if not tails:
                for path in (*files, *prefixes):
                    parts = path.split("/")
                    tails.update("/".join(parts[i:]) for i in range(1, len(parts)))
            return rel in tails

        def read(rel: str) -> str | None:
            return repo.source(rel).text if repo.listed(rel) else None

        checked = 0
        for path in documents:
            nested = "/" in path and not path.startswith(".claude/")
            folder = path.rsplit("/", 1)[0] if nested else ""

            def has_command(ref: Reference, folder: str = folder) -> bool | None:
                return command_defined(ref, read, command_folders(ref, folder))

            text = repo.source(path).text
            if text is None:
                continue
            try:
                document = parse_document(text, path)
            except ProfileImportError as exc:
                out.report(1, str(exc).removeprefix(f"{path}: "), path=path)
                continue
            checked += 1
            # a nested AGENTS.md speaks about its folder: its paths and commands are looked up
            # there first (then in the folder a sentence names, then at the root)
            for drift in find_drift(document, exists, has_command, folder):
                out.report(
                    drift.statement.line,
                    drift.message,
                    path=path,
                    column=_column(document.lines, drift.statement.line, drift.reference.token),
                    key=drift.reference.token,
                )
        if checked:
            out.evidence(f"{checked} agent profile(s) checked: {', '.join(documents)}")


def _ignored_by(repo: RepoIndex, files: list[str]) -> Callable[[str], bool]:
    """Whether the repository's ``.gitignore`` files ignore a path, as discovery decides it for
    a plain folder (:func:`charter.discovery.gitignored`)."""
    specs: list[tuple[str, pathspec.GitIgnoreSpec]] = []
    for rel in files:
        if rel == ".gitignore" or rel.endswith("/.gitignore"):
            text = repo.source(rel).text
            if text:
                specs.append((rel.rpartition("/")[0], gitignore_spec(text.splitlines())))
    specs.sort(key=lambda spec: spec[0].count("/") + bool(spec[0]))  # outermost first

    def ignored(rel: str) -> bool:
        mine = [(f, s) for f, s in specs if not f or rel.startswith(f + "/")]
        return gitignored(rel, False, mine) or gitignored(rel, True, mine)

    return ignored


def _column(lines: tuple[str, ...], line: int, token: str) -> int:
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    found = text.find(token)
    return found + 1 if found >= 0 else 1
