"""Reporters turn a :class:`~charter.models.Report` into one output format.

An explicit registry: ``REPORTERS[name](report, policies) -> str``. Each reporter's module is
imported when it is first looked up, so an audit pays only for the format it prints (the text
reporter's rich costs ~25 ms to import).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping

from charter.models import Applicability, ConfigChange, Finding, Report
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


def fix_summary(findings: Iterable[Finding]) -> str | None:
    """How many of the active ``findings`` ``charter fix`` removes, as ruff says it:
    ``[*] 3 fixable with `charter fix` (2 hidden fixes can be enabled with `charter fix
    --unsafe-fixes`)``; None when no finding has a fix."""
    active = [f for f in findings if not (f.suppressed or f.baselined)]
    safe = sum(f.fix is Applicability.SAFE for f in active)
    unsafe = sum(f.fix is Applicability.UNSAFE for f in active)
    if not safe and not unsafe:
        return None
    head = f"[*] {safe} fixable with `charter fix`" if safe else "No fixes available"
    if unsafe:
        noun = "fix" if unsafe == 1 else "fixes"
        head += f" ({unsafe} hidden {noun} can be enabled with `charter fix --unsafe-fixes`)"
    return head + "."


def fence(text: str) -> str:
    """A Markdown code fence longer than any backtick run in ``text`` (at least three)."""
    longest = 0
    run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    return "`" * max(3, longest + 1)
