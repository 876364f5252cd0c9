"""SARIF output: valid against the official 2.1.0 schema, with rules, locations and states."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from helpers import write_tree

from charter import api
from charter.reporters import sarif

DATA = Path(__file__).parent / "data"
SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
OPTIONS = api.Options(profiles=("ci-test",), policy_dirs=(DATA / "policies",))
SRC = (
    "def f(a):\n"
    "    return a\n"
    "\n"
    "\n"
    "def g(b):  # charter: ignore[type-hints] -- frozen v1 API\n"
    "    return b\n"
    "\n"
    "\n"
    "def h(c):\n"
    "    return c\n"
)


@pytest.fixture
def log(tmp_path: Path) -> dict:
    root = write_tree(tmp_path / "repo", {"app.py": SRC})
    result = api.run(root, OPTIONS)
    baseline = tmp_path / "baseline.json"
    api.write_baseline(root, baseline, OPTIONS)
    write_tree(root, {"app.py": SRC + "\n\ndef k(d):\n    return d\n"})
    result = api.run(root, api.replace(OPTIONS, baseline=baseline))
    return json.loads(sarif.render(result.report, result.policies))


def test_valid_against_the_schema(log: dict):
    jsonschema.validate(log, SCHEMA)
    assert log["version"] == "2.1.0"


def test_one_descriptor_per_rule_with_docs_and_sources(log: dict):
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert ids == sorted(set(ids))
    hints = rules[ids.index("type-hints")]
    assert hints["shortDescription"]["text"]
    assert "### Why is this bad?" in hints["help"]["markdown"]
    assert hints["helpUri"].startswith("https://")
    assert hints["defaultConfiguration"]["level"] == "error"
    assert hints["properties"]["profiles"] == ["ci-test"]
    assert {"profile", "quote"} <= set(hints["properties"]["sources"][0])


def test_results_have_regions_fingerprints_and_states(log: dict):
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = [r for r in run["results"] if r["ruleId"] == "type-hints"]
    by_line = {
        r["locations"][0]["physicalLocation"]["region"]["startLine"]: r for r in results
    }
    assert sorted(by_line) == [1, 5, 9, 13]
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == "type-hints"
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"] == {"uri": "app.py", "uriBaseId": "%SRCROOT%"}
        assert len(r["partialFingerprints"]["charter/v1"]) == 20
    assert by_line[5]["suppressions"] == [
        {"kind": "inSource", "status": "accepted", "justification": "frozen v1 API"}
    ]
    assert by_line[1]["baselineState"] == "unchanged"
    assert by_line[9]["baselineState"] == "unchanged"
    assert by_line[13]["baselineState"] == "new"
    assert "suppressions" not in by_line[13]


def test_repo_level_finding_is_anchored_on_its_proof_file(tmp_path: Path):
    root = write_tree(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'x'\n",
            "orders/__init__.py": "",
            "orders/api.py": "",
        },
    )
    result = api.run(root, api.Options(profiles=("backend-polyglot",)))
    log = sarif.build(result.report, result.policies)
    jsonschema.validate(log, SCHEMA)
    layout = [r for r in log["runs"][0]["results"] if r["ruleId"] == "src-layout"]
    assert [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in layout
    ] == ["orders/__init__.py"]


def test_cli_writes_sarif_to_output(tmp_path: Path, capsys):
    from charter.cli import main

    root = write_tree(tmp_path / "repo", {"app.py": SRC})
    out = tmp_path / "reports" / "charter.sarif"
    args = ["audit", str(root), "-p", "ci-test", "--policies", str(DATA / "policies")]
    assert main([*args, "--format", "sarif", "--output", str(out)]) == 1
    assert capsys.readouterr().err.startswith("charter: gate fails: 2 finding(s) at or above high")
    jsonschema.validate(json.loads(out.read_text(encoding="utf-8")), SCHEMA)
