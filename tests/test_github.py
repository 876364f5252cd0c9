"""GitHub workflow-command annotations."""

from __future__ import annotations

from pathlib import Path

from helpers import write_tree

from charter import api
from charter.models import Finding, Severity
from charter.reporters import github

DATA = Path(__file__).parent / "data"
OPTIONS = api.Options(profiles=("ci-test",), policy_dirs=(DATA / "policies",))


def test_error_annotation_for_an_active_finding_only(tmp_path: Path):
    src = (
        "X = 1\n\n"
        "def f(a):\n    return a\n\n\n"
        "def g(b):  # charter: ignore[type-hints] -- frozen\n    return b\n"
    )
    root = write_tree(tmp_path, {"app.py": src})
    result = api.run(root, OPTIONS)
    lines = github.render(result.report, result.policies).splitlines()
    hints = [line for line in lines if "type-hints" in line]
    assert len(hints) == 1
    assert hints[0].startswith("::error file=app.py,line=3,col=1,")
    assert "title=charter type-hints (high)%3A " in hints[0]
    assert hints[0].endswith("::function `f` is missing type annotations for parameter `a` "
                             "and the return type")


def _finding(severity: Severity, path: str = "a,b:c%.py", message: str = "50%\nnext") -> Finding:
    return Finding(
        rule="r", severity=severity, path=path, line=7, column=2, message=message,
        fingerprint="f" * 20,
    )


def test_severity_maps_to_command_and_values_are_escaped():
    assert github.annotation(_finding(Severity.CRITICAL)) == (
        "::error file=a%2Cb%3Ac%25.py,line=7,col=2,title=charter r (critical)::50%25%0Anext"
    )
    assert github.annotation(_finding(Severity.MEDIUM)).startswith("::warning ")
    assert github.annotation(_finding(Severity.LOW)).startswith("::notice ")


def test_finding_without_a_path_has_no_file_property():
    assert github.annotation(_finding(Severity.HIGH, path="", message="m")) == (
        "::error title=charter r (high)::m"
    )
