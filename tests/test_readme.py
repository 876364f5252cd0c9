"""The README's two commands and its rule table stay true."""

from __future__ import annotations

import re
from pathlib import Path

from charter.catalog import rules_markdown
from charter.policy import load_policies

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_fresh_machine_commands():
    blocks = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    assert blocks[:2] == [
        "pip install -e . && charter audit sample_repos/compliant-service",
        "pip install -e '.[test]' && pytest",
    ]
    assert README.index(blocks[0]) < README.index("## ")


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -e '.[test]' && pytest" in ci.splitlines()


def test_readme_rule_table_is_current():
    start, end = "<!-- rules-table:start -->\n", "<!-- rules-table:end -->"
    table = README[README.index(start) + len(start) : README.index(end)]
    assert table == rules_markdown(load_policies()), (
        "regenerate with: charter rules --format markdown"
    )
