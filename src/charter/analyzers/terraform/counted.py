"""Terraform rules that report in the file phase and count what they looked at, so the repo
phase can say "not applicable" when a repository declares none of it."""

from __future__ import annotations

from typing import ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.terraform.common import TerraformAnalyzer
from charter.repo import RepoIndex


class CountedTerraformAnalyzer(TerraformAnalyzer):
    """The file phase calls ``out.fact(n)`` with the number of declarations it checked."""

    #: what the rule checks, plural ("security groups, firewall rules or subnets")
    subject: ClassVar[str]

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        checked = sum(int(n) for facts in repo.facts(self).values() for n in facts)
        if checked == 0:
            out.not_applicable(f"no {self.subject} in Terraform")
        else:
            out.evidence(f"{checked} declaration(s) of {self.subject} checked")
