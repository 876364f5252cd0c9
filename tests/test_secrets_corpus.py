"""The labelled secrets corpus: recall and false positives at exact ``path:line``, and no output
format ever contains a planted value.

The corpus (tests/corpus/secrets, written by generate.py) holds FAKE credentials in real formats
and look-alikes that must stay quiet; labels.yaml lists each planted line.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest
import yaml
from helpers import audit_rule

from charter.models import Report
from charter.policy import PolicySet
from charter.reporters import REPORTERS

CORPUS = Path(__file__).resolve().parent / "corpus" / "secrets"
LABELS = yaml.safe_load((CORPUS / "labels.yaml").read_text(encoding="utf-8"))["labels"]
SECRETS = [x for x in LABELS if x["label"] == "secret"]
LOOKALIKES = [x for x in LABELS if x["label"] == "lookalike"]
RULE = "no-hardcoded-secrets"


@pytest.fixture(scope="module")
def report(policies: PolicySet) -> Report:
    # the sweep: the corpus labels every planted credential a secret, its development
    # configuration's too (the default reports only issued formats outside the source), and
    # its look-alikes must stay quiet in every place
    return audit_rule(policies, CORPUS / "files", RULE, {"outside_source": "all"})


def _reported(report: Report) -> set[tuple[str, int]]:
    return {(f.path, f.line) for f in report.findings if f.rule == RULE}


def test_corpus_is_as_large_and_varied_as_promised() -> None:
    suffixes = {PurePosixPath(x["path"]).suffix or PurePosixPath(x["path"]).name for x in SECRETS}
    assert len(SECRETS) >= 100
    assert len({x["kind"] for x in SECRETS}) >= 15
    assert len(suffixes) >= 8, suffixes
    assert len(LOOKALIKES) >= 100


def test_recall_is_at_least_98_percent(report: Report) -> None:
    found = _reported(report)
    missed = [f"{x['path']}:{x['line']} ({x['kind']})" for x in SECRETS
              if (x["path"], x["line"]) not in found]
    assert len(missed) <= 0.02 * len(SECRETS), missed


def test_lookalikes_stay_quiet(report: Report) -> None:
    found = _reported(report)
    noisy = [f"{x['path']}:{x['line']} ({x['kind']})" for x in LOOKALIKES
             if (x["path"], x["line"]) in found]
    assert len(noisy) <= 0.02 * len(LOOKALIKES), noisy


def test_nothing_is_reported_on_an_unlabelled_line(report: Report) -> None:
    labelled = {(x["path"], x["line"]) for x in LABELS}
    assert sorted(_reported(report) - labelled) == []


def test_every_finding_is_critical_and_redacted(report: Report) -> None:
    """Critical in the project's source and for an issued key anywhere; low in a test, a
    fixture, an example or a doc (``outside_source_severity``)."""
    findings = [f for f in report.findings if f.rule == RULE]
    assert findings
    outside = (" in a test", " in a test fixture", " in an example", " in documentation",
               " in a development, CI or test configuration")
    for f in findings:
        lowered = not f.certain and any(f"{place};" in f.message for place in outside)
        assert f.severity.value == ("low" if lowered else "critical"), f.where
    assert all("chars)" in f.message for f in findings)


@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_no_output_format_contains_a_planted_secret(
    report: Report, policies: PolicySet, fmt: str
) -> None:
    output = REPORTERS[fmt](report, policies)
    assert RULE in output or "hardcoded" in output  # the findings are really in this output
    leaked = []
    for label in SECRETS:
        for value in label["values"]:
            # the value itself, and any 10-character slice of it (messages show 4 at most)
            windows = {value[i : i + 10] for i in range(0, max(len(value) - 9, 1))}
            if value in output or any(w in output for w in windows if len(w) == 10):
                leaked.append(f"{label['path']}:{label['line']}")
    assert leaked == []
