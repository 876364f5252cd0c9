"""JSON: the machine contract. Keys other tools rely on are documented in the README."""

from __future__ import annotations

import json

from charter.models import Report
from charter.policy import PolicySet


def render(report: Report, policies: PolicySet) -> str:
    data = report.model_dump(mode="json")
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
