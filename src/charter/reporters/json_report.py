"""JSON: the machine contract. Keys other tools rely on are documented in the README.

Values are exact (a file name is the file's name); control characters are JSON escapes, never
raw bytes (:mod:`charter.reporters.escape`)."""

from __future__ import annotations

import json

from pydantic_core import PydanticSerializationError

from charter.models import Report
from charter.policy import PolicySet
from charter.reporters.escape import json_safe


def render(report: Report, policies: PolicySet) -> str:
    try:
        text = report.model_dump_json(indent=2)
    except PydanticSerializationError:  # a lone surrogate, which UTF-8 cannot carry
        text = json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False)
    return json_safe(text) + "\n"
