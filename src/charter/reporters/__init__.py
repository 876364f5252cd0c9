"""Reporters turn a :class:`~charter.models.Report` into one output format.

An explicit registry: ``REPORTERS[name](report, policies) -> str``. Each reporter's module is
imported when it is first looked up, so an audit pays only for the format it prints (the text
reporter's rich costs ~25 ms to import).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping

from charter.models import ConfigChange, Report
from charter.policy import PolicySet
from charter.reporters.escape import visible

Reporter = Callable[[Report, PolicySet], str]

#: format name -> module in this package with its ``render(report, policies)``
MODULES: dict[str, str] = {
    "text": "text",
    "json": "json_report",
    "sarif": "sarif",
    "markdown": "markdown",
    "junit": "junit",
    "github": "github",
    "html": "html",
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


#: the heading every format gives the audited repository's own configuration
CONFIG_HEADING = "Configuration from the repository"
#: what a reader should know about it, next to that heading
CONFIG_HINT = (
    "the audited repository's own .charter.yml / [tool.charter] and policy folders changed "
    "this audit; for untrusted code, audit with --no-repo-config"
)


def config_line(change: ConfigChange) -> str:
    """One change the repository's configuration made, on one printable line:
    ``rule no-hardcoded-secrets: disabled (.charter.yml)``."""
    return visible(f"{change.kind} {change.name}: {change.change} ({change.source})")
