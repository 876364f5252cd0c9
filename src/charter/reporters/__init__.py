"""Reporters turn a :class:`~charter.models.Report` into one output format.

An explicit registry: ``REPORTERS[name](report, policies) -> str``. Each reporter's module is
imported when it is first looked up, so an audit pays only for the format it prints (the text
reporter's rich costs ~25 ms to import).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping

from charter.models import Report
from charter.policy import PolicySet

Reporter = Callable[[Report, PolicySet], str]

#: format name -> module in this package with its ``render(report, policies)``
MODULES: dict[str, str] = {
    "text": "text",
    "json": "json_report",
    "sarif": "sarif",
    "markdown": "markdown",
    "junit": "junit",
    "github": "github",
}


class _Registry(Mapping[str, Reporter]):
    def __getitem__(self, name: str) -> Reporter:
        module = importlib.import_module(f"{__name__}.{MODULES[name]}")
        render: Reporter = module.render
        return render

    def __iter__(self) -> Iterator[str]:
        return iter(MODULES)

    def __len__(self) -> int:
        return len(MODULES)


REPORTERS: Mapping[str, Reporter] = _Registry()
