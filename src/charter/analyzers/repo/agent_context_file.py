"""agent-context-file: the agent's project context file (``CLAUDE.md``) is committed."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from charter.analyzers.base import Analyzer, Emitter
from charter.repo import RepoIndex


class AgentContextFileParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: accepted locations, first one preferred (and named in the finding)
    paths: tuple[str, ...] = Field(default=("CLAUDE.md", ".claude/CLAUDE.md"), min_length=1)


class AgentContextFileAnalyzer(Analyzer):
    """Pass when one of ``paths`` exists and is not blank; the finding sits at the preferred
    path (the file to create) or at the blank file."""

    name: ClassVar[str] = "agent-context-file"
    Params = AgentContextFileParams
    params: AgentContextFileParams

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        blank: list[str] = []
        for path in self.params.paths:
            target = path if repo.has(path) else repo.link_target(path)
            if target is not None:
                text = repo.source(target).text or ""
                if text.strip():
                    via = f" (a link to {target})" if target != path else ""
                    out.evidence(f"{path}{via} ({len(text.splitlines())} lines)")
                    return
                blank.append(path)
        if blank:
            out.report_file(
                blank[0],
                f"{blank[0]} is empty: describe the project's conventions, stack, commands and "
                "coding standards for the agent",
            )
            return
        others = " or ".join(self.params.paths[1:])
        also = f" (or {others})" if others else ""
        out.report_repository(
            f"no agent context file: create {self.params.paths[0]}{also} with the project's "
            "conventions, technology stack, commands and coding standards"
        )
