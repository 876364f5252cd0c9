"""JUnit XML for CI test-report viewers: a testsuite per profile, a testcase per rule.

A failing rule is a ``<failure>`` listing its active findings; a rule in error is an
``<error>``; a rule that is not applicable or not implemented is ``<skipped>``, and so is a
failing rule whose findings are all advisory (its measured precision is too low to gate), with
its findings in ``<system-out>``.

Every name and message goes through :func:`charter.reporters.escape.visible`, which shows the
characters XML 1.0 forbids (C0 controls, lone surrogates, U+FFFE/U+FFFF) as escapes, so the
file stays well-formed whatever the audited repository names its files.

``time`` (seconds) is the audit's wall time (``report.timing["total_s"]``) on ``<testsuites>``
and on each ``<testsuite>``: one pass over the files serves every profile at once, so each
suite took the whole audit. Rules are not timed one by one (each file is parsed once for all
of them), so each ``<testcase>`` says ``time="0"`` rather than a made-up share. Like the JSON
report's ``timing``, these attributes are the only part that differs between two runs.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter

from charter.models import ConfigChange, Finding, ProfileReport, Report, Status
from charter.policy import PolicySet
from charter.reporters import config_line
from charter.reporters.escape import visible


def _seconds(report: Report) -> str:
    total = report.timing.get("total_s", 0.0)
    return f"{max(float(total), 0.0):.3f}"


def _suite(
    profile: ProfileReport,
    findings: dict[str, list[Finding]],
    changes: tuple[ConfigChange, ...],
    seconds: str,
) -> ET.Element:
    counts = Counter(r.status for r in profile.rules)
    advisory = sum(
        1
        for r in profile.rules
        if r.status is Status.FAIL
        and findings.get(r.id)
        and all(f.advisory for f in findings[r.id])
    )
    suite = ET.Element(
        "testsuite",
        {
            "name": visible(profile.id),
            "tests": str(len(profile.rules)),
            "failures": str(counts[Status.FAIL] - advisory),
            "errors": str(counts[Status.ERROR]),
            "skipped": str(
                counts[Status.NOT_APPLICABLE] + counts[Status.NOT_IMPLEMENTED] + advisory
            ),
            "time": seconds,
        },
    )
    props = ET.SubElement(suite, "properties")
    score = "n/a" if profile.score is None else f"{profile.score:.1f}"
    ET.SubElement(props, "property", {"name": "score", "value": score})
    for change in changes:  # what the audited repository's own configuration changed
        ET.SubElement(props, "property", {"name": "repo-config", "value": config_line(change)})
    for row in profile.rules:
        case = ET.SubElement(
            suite,
            "testcase",
            {"classname": visible(f"charter.{profile.id}"), "name": visible(row.id), "time": "0"},
        )
        found = findings.get(row.id, [])
        listing = "\n".join(visible(f"{f.where}:{f.column}: {f.message}") for f in found)
        title = visible(row.title)
        if row.status is Status.FAIL and found and all(f.advisory for f in found):
            ET.SubElement(
                case,
                "skipped",
                {"message": f"advisory: {row.findings} finding(s): {title}"},
            )
            ET.SubElement(case, "system-out").text = listing
        elif row.status is Status.FAIL:
            failure = ET.SubElement(
                case,
                "failure",
                {"message": f"{row.findings} finding(s): {title}", "type": row.severity.value},
            )
            failure.text = listing or visible(row.message)
        elif row.status is Status.ERROR:
            ET.SubElement(case, "error", {"message": visible(row.message) or "analyzer error"})
        elif row.status in (Status.NOT_APPLICABLE, Status.NOT_IMPLEMENTED):
            message = f"{row.status.value}: {visible(row.message)}"
            ET.SubElement(case, "skipped", {"message": message})
    return suite


def render(report: Report, policies: PolicySet) -> str:
    findings: dict[str, list[Finding]] = {}
    for f in report.active_findings():
        findings.setdefault(f.rule, []).append(f)
    root = ET.Element("testsuites", {"name": visible(f"charter {report.target}")})
    seconds = _seconds(report)
    suites = [_suite(p, findings, report.repo_config, seconds) for p in report.profiles]
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(s.get(key, "0")) for s in suites)))
    root.set("time", seconds)
    root.extend(suites)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
