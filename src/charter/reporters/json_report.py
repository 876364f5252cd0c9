"""JSON: the machine contract. Keys other tools rely on are documented in the README."""

from __future__ import annotations

from charter.models import Report
from charter.policy import PolicySet


def render(report: Report, policies: PolicySet) -> str:
    return report.model_dump_json(indent=2) + "\n"
