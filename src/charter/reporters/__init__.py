"""Reporters turn a :class:`~charter.models.Report` into one output format.

An explicit registry: ``REPORTERS[name](report, policies) -> str``.
"""

from __future__ import annotations

from collections.abc import Callable

from charter.models import Report
from charter.policy import PolicySet
from charter.reporters import json_report, text

Reporter = Callable[[Report, PolicySet], str]

REPORTERS: dict[str, Reporter] = {
    "text": text.render,
    "json": json_report.render,
}
