"""GitHub Actions workflow commands: one annotation per active finding.

``::error file=app.py,line=3,col=5,endLine=3,title=…::message``; critical and high findings are
errors, medium ones warnings, low ones notices, and advisory findings (rules of medium or low
measured precision, which do not fail the default gate) are notices whatever their severity.
Values are escaped as the Actions runner expects: ``%``, CR and LF in the message;
additionally ``:`` and ``,`` in properties. Every other control character (an ESC in a file
name, say) is shown as an escape (:func:`charter.reporters.escape.visible`), and so is a line
break in a property, so that no text of the audited repository can start a line with a
workflow command of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from charter.models import Finding, Report, Severity
from charter.policy import PolicySet
from charter.reporters import CONFIG_HEADING, CONFIG_HINT, config_line, fence
from charter.reporters.escape import visible

COMMANDS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
}


def escape_data(text: str) -> str:
    """A message: line breaks kept (the runner turns ``%0A`` back into one), every other
    control character shown as an escape."""
    text = visible(text, keep="\n")
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(visible(text)).replace(":", "%3A").replace(",", "%2C")


def annotation(
    finding: Finding, title: str | None = None, patches: Sequence[Any] = ()
) -> str:
    """One workflow command; ``patches`` (the finding's fixes) follow the message as
    ``suggestion`` blocks."""
    props = []
    if finding.path:
        props.append(f"file={escape_property(finding.path)}")
        if finding.line:
            props.append(f"line={finding.line}")
            props.append(f"col={finding.column}")
            if finding.end_line is not None and finding.end_line >= finding.line:
                props.append(f"endLine={finding.end_line}")
    kind = f"{finding.severity.value}, advisory" if finding.advisory else finding.severity.value
    head = f"charter {finding.rule} ({kind})"
    props.append(f"title={escape_property(head if title is None else f'{head}: {title}')}")
    command = "notice" if finding.advisory else COMMANDS[finding.severity]
    message = finding.message
    for patch in patches:
        body = "\n".join(visible(line) for line in patch.new)
        mark = fence(body)
        message += (
            f"\n\ncharter fix ({patch.applicability} fix), lines {patch.start}-{patch.end}: "
            f"{patch.description}\n{mark}suggestion\n{body}\n{mark}"
        )
    return f"::{command} {','.join(props)}::{escape_data(message)}"


def config_annotation(report: Report) -> str | None:
    """One notice listing what the audited repository's own configuration changed (None when
    it changed nothing), on the settings file when there is one."""
    if not report.repo_config:
        return None
    files = (".charter.yml", ".charter.yaml", "pyproject.toml")
    # by file name: the Action writes paths from the workspace (``svc/.charter.yml``)
    settings = next(
        (c.source for c in report.repo_config if c.source.rsplit("/", 1)[-1] in files), None
    )
    where = f"file={escape_property(settings)}," if settings else ""
    title = escape_property(f"charter: {CONFIG_HEADING.lower()}")
    body = "\n".join([f"{CONFIG_HINT}:", *(config_line(c) for c in report.repo_config)])
    return f"::notice {where}title={title}::{escape_data(body)}"


def render(
    report: Report, policies: PolicySet, suggestions: Mapping[str, Sequence[Any]] | None = None
) -> str:
    """The workflow commands. ``suggestions``: finding fingerprint -> its patches
    (:func:`charter.fixes.suggest.suggestions`)."""
    suggestions = suggestions or {}
    lines = []
    notice = config_annotation(report)
    if notice is not None:
        lines.append(notice)
    for f in report.active_findings():
        rule = policies.rules.get(f.rule)
        title = rule.title if rule is not None else None
        lines.append(annotation(f, title, suggestions.get(f.fingerprint, ())))
    return "".join(line + "\n" for line in lines)
