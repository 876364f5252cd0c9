"""Markdown summary: profile table, top findings, failing rules per profile."""

from __future__ import annotations

from pathlib import Path

from helpers import write_tree

from charter import api
from charter.reporters import markdown

DATA = Path(__file__).parent / "data"


def test_table_top_findings_and_failing_rules(tmp_path: Path):
    src = (
        "def f(a):\n    return a\n\n\n"
        "def g(b):  # charter: ignore[type-hints] -- frozen\n    return b\n"
    )
    root = write_tree(tmp_path, {"app.py": src})
    result = api.run(root, api.Options(profiles=("ci-test",), policy_dirs=(DATA / "policies",)))
    text = markdown.render(result.report, result.policies)
    assert "| Profile | Score | Applicable | Passed | Failed | N/A | Not impl. | Errors |" in text
    assert "| ci-test | 40.0 (provisional) | 2 of 2 | 1 | 1 | 0 | 0 | 0 |" in text
    assert "**1 finding(s)**: 1 high (1 suppressed not counted)" in text
    assert "| 🟠 high | `type-hints` | `app.py:1` | function `f` is missing" in text
    assert "`app.py:5`" not in text  # suppressed findings are not listed
    assert "<summary>ci-test: 1 failing rule(s)</summary>" in text
    assert "- `type-hints` (high, 1 finding(s))" in text


def test_cells_escape_pipes_newlines_and_html():
    assert markdown.cell("a | b\n<c>") == "a \\| b &lt;c&gt;"
