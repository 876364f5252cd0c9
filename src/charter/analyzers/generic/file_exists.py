"""file-exists: a file matching a glob exists (optionally containing a pattern), or must not."""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from charter.analyzers.base import Analyzer, Emitter, path_matches
from charter.analyzers.generic.common import one_or_many, valid_regex
from charter.repo import RepoIndex

WILDCARDS = re.compile(r"[*?\[]")


class FileExistsParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: glob(s) of the file, POSIX, relative to the repository root (``**/`` matches any depth)
    glob: tuple[str, ...] = Field(min_length=1)
    #: a regex the file's text must contain (searched line by line)
    contains: str | None = None
    #: with ``contains``: ``any`` file containing it passes, or ``all`` matching files must
    match: Literal["any", "all"] = "any"
    #: ``true`` turns the rule around: every matching file is a finding
    forbidden: bool = False
    #: the rule only applies when a file matches one of these globs (e.g. ``["**/*.py"]``)
    only_if: tuple[str, ...] = ()
    #: the file to create, where a "missing" finding is reported; without it the finding is
    #: about the repository
    report_at: str | None = None
    #: shown in each finding; the default says what is missing
    message: str | None = None

    _globs = field_validator("glob", "only_if", mode="before")(one_or_many)
    _regex = field_validator("contains")(valid_regex)


class FileExistsAnalyzer(Analyzer):
    """Pass when a file matches ``glob`` (and, with ``contains``, its text matches)."""

    name: ClassVar[str] = "file-exists"
    Params = FileExistsParams
    params: FileExistsParams

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        p = self.params
        if p.only_if and not any(path_matches(f, p.only_if) for f in repo.files):
            out.not_applicable(f"no file matches {', '.join(p.only_if)}")
            return
        matched = [f for f in repo.files if path_matches(f, p.glob)]
        if p.forbidden:
            self._forbidden(repo, matched, out)
            return
        if not matched:
            # a file to create: on the path the rule names, else on the repository
            out.report_at(p.report_at, p.message or f"no file matches {' or '.join(p.glob)}")
            return
        if p.contains is None:
            for path in matched[:5]:
                out.evidence(path)
            return
        regex = re.compile(p.contains)
        hits: dict[str, int] = {}
        for path in matched:
            line = _first_match(repo, path, regex)
            if line:
                hits[path] = line
        missing = [path for path in matched if path not in hits]
        for path, line in hits.items():
            out.evidence(f"{path}:{line} matches /{p.contains}/")
        if p.match == "any" and hits:
            return
        for path in missing if p.match == "all" else matched:
            out.report_file(path, p.message or f"{path} does not contain /{p.contains}/")

    def _forbidden(self, repo: RepoIndex, matched: list[str], out: Emitter) -> None:
        p = self.params
        regex = re.compile(p.contains) if p.contains else None
        for path in matched:
            line = 1
            if regex is not None:
                line = _first_match(repo, path, regex)
                if not line:
                    continue
            out.report(line, p.message or f"{path} must not exist", path=path)


def _first_match(repo: RepoIndex, path: str, regex: re.Pattern[str]) -> int:
    for number, line in enumerate(repo.source(path).lines, start=1):
        if regex.search(line):
            return number
    return 0
