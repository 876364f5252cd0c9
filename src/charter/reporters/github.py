"""GitHub Actions workflow commands: one annotation per active finding.

``::error file=app.py,line=3,col=5,endLine=3,title=…::message``; critical and high findings are
errors, medium ones warnings, low ones notices, and advisory findings (rules of medium or low
measured precision, which do not fail the default gate) are notices whatever their severity.
Values are escaped as the Actions runner expects: ``%``, CR and LF in the message;
additionally ``:`` and ``,`` in properties.
"""

from __future__ import annotations

from charter.models import Finding, Report, Severity
from charter.policy import PolicySet

COMMANDS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding, title: str | None = None) -> str:
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
    return f"::{command} {','.join(props)}::{escape_data(finding.message)}"


def render(report: Report, policies: PolicySet) -> str:
    lines = []
    for f in report.active_findings():
        rule = policies.rules.get(f.rule)
        lines.append(annotation(f, rule.title if rule is not None else None))
    return "".join(line + "\n" for line in lines)
