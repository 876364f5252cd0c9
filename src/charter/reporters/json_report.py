"""JSON: the machine contract. Keys other tools rely on are documented in the README.

Values are exact (a file name is the file's name); control characters are JSON escapes, never
raw bytes (:mod:`charter.reporters.escape`)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from pydantic import BaseModel
from pydantic_core import PydanticSerializationError

from charter.models import Report
from charter.policy import PolicySet
from charter.reporters.escape import json_safe


def render(report: Report, policies: PolicySet) -> str:
    return "".join(chunks(report, policies))


def chunks(report: Report, policies: PolicySet) -> Iterator[str]:
    """The report's JSON text in pieces, a finding at a time: written as it is made, a report
    of 400,000 findings is never one string (nor its encoded bytes) in memory. The pieces
    join to the text the whole report serialises to."""
    head = _dump(report.model_copy(update={"findings": ()}))
    before, found, after = head.partition(_EMPTY)
    if not found:  # no place for the findings in the serialised form: serialise it whole
        yield _dump(report) + "\n"
        return
    yield before + '\n  "findings": ['
    for i, finding in enumerate(report.findings):
        body = _dump(finding).replace("\n", "\n    ")  # JSON strings hold no raw newline
        yield ("," if i else "") + "\n    " + body
    yield ("\n  ]" if report.findings else "]") + after + "\n"


#: where the findings go in a report serialised without them
_EMPTY = '\n  "findings": []'


def _dump(model: BaseModel) -> str:
    try:
        text = model.model_dump_json(indent=2)
    except PydanticSerializationError:  # a lone surrogate, which UTF-8 cannot carry
        text = json.dumps(model.model_dump(mode="json"), indent=2, ensure_ascii=False)
    return json_safe(text)
