"""Reporters turn a :class:`~charter.models.Report` into one output format.

An explicit registry: ``REPORTERS[name](report, policies) -> str``.
"""

from __future__ import annotations

from collections.abc import Callable

from charter.models import Report
from charter.policy import PolicySet
from charter.reporters import github, json_report, junit, markdown, sarif, text

Reporter = Callable[[Report, PolicySet], str]

REPORTERS: dict[str, Reporter] = {
    "text": text.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "markdown": markdown.render,
    "junit": junit.render,
    "github": github.render,
}
