"""agent-build-plan: the ``.project/`` workspace files the agent reads and updates."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from charter.analyzers.base import Analyzer, Emitter
from charter.repo import RepoIndex


class AgentBuildPlanParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    files: tuple[str, ...] = Field(
        default=(
            ".project/build-plan.md",
            ".project/changelog.md",
            ".project/issues/ISSUE_TEMPLATE.md",
        ),
        min_length=1,
    )


class AgentBuildPlanAnalyzer(Analyzer):
    """Every file of ``files`` exists and is not blank; each missing or blank one is a finding
    at its own path."""

    name: ClassVar[str] = "agent-build-plan"
    Params = AgentBuildPlanParams
    params: AgentBuildPlanParams

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        for path in self.params.files:
            if not repo.has(path):
                out.report_repository(
                    f"{path} is missing: create it (the agent reads and updates it)"
                )
            elif not (repo.source(path).text or "").strip():
                out.report_file(path, f"{path} is empty")
            else:
                out.evidence(path)
