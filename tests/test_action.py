"""The GitHub Action's script, run locally with the runner's files pointing at temp files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import yaml
from helpers import ROOT, write_tree

DATA = Path(__file__).parent / "data"


def run_action(tmp_path: Path, repo: Path, **inputs: str):
    summary = tmp_path / "summary.md"
    output = tmp_path / "output.txt"
    summary.write_text("# earlier step\n", encoding="utf-8")
    env = {
        **os.environ,
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(output),
        "CHARTER_PATH": str(repo),
        **inputs,
    }
    proc = subprocess.run(
        [sys.executable, "-m", "charter.action"], env=env, capture_output=True, text=True,
        cwd=tmp_path, timeout=300,
    )
    return proc, summary, output


def test_action_writes_summary_annotations_sarif_and_scores(tmp_path: Path):
    repo = write_tree(tmp_path / "repo", {"app.py": "def f(a):\n    return a\n"})
    (repo / ".charter.yml").write_text(
        f"policies: [{DATA / 'policies'}]\n", encoding="utf-8"
    )
    proc, summary, output = run_action(
        tmp_path, repo, CHARTER_PROFILES="ci-test", CHARTER_SARIF_FILE="out/charter.sarif",
        CHARTER_MIN_SCORE="50",
    )
    assert proc.returncode == 1, proc.stderr
    assert "::error file=app.py,line=1,col=1," in proc.stdout
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# earlier step\n## charter: ")  # appended, not overwritten
    assert "| ci-test | 40.0 (provisional) | 2 of 2 |" in text
    assert "❌ gate fails" in text and "profile ci-test scores 40.0, below 50" in text
    outputs = dict(
        line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines()
    )
    assert outputs["score-ci-test"] == "40.0"
    assert json.loads(outputs["scores"]) == {"ci-test": 40.0}
    assert outputs["gate"] == "fail" and outputs["findings"] == "1"
    sarif = tmp_path / "out" / "charter.sarif"
    assert outputs["sarif-file"] == "out/charter.sarif"
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(sarif.read_text(encoding="utf-8")), schema)


def test_action_passes_with_fail_on_none(tmp_path: Path):
    repo = write_tree(tmp_path / "repo", {"app.py": "def f(a):\n    return a\n"})
    (repo / ".charter.yml").write_text(f"policies: [{DATA / 'policies'}]\n", encoding="utf-8")
    proc, summary, output = run_action(
        tmp_path, repo, CHARTER_PROFILES="ci-test", CHARTER_FAIL_ON="none"
    )
    assert proc.returncode == 0, proc.stderr
    assert "gate=pass" in output.read_text(encoding="utf-8")
    assert "✅ gate holds" in summary.read_text(encoding="utf-8")
    assert (tmp_path / "charter.sarif").is_file()


def test_bad_input_is_an_error_annotation_and_exit_2(tmp_path: Path):
    repo = write_tree(tmp_path / "repo", {"app.py": "X = 1\n"})
    proc, _, _ = run_action(tmp_path, repo, CHARTER_FAIL_ON="severe")
    assert proc.returncode == 2
    assert proc.stdout.startswith("::error title=charter::input 'fail-on': 'severe'")
    log = json.loads((tmp_path / "charter.sarif").read_text(encoding="utf-8"))
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.validate(log, schema)
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert "input 'fail-on'" in invocation["toolExecutionNotifications"][0]["message"]["text"]


def test_repo_config_false_ignores_the_repositorys_settings(tmp_path: Path):
    repo = write_tree(tmp_path / "repo", {"app.py": "def f(a):\n    return a\n"})
    (repo / ".charter.yml").write_text(
        f"policies: [{DATA / 'policies'}]\nfail-on: none\n", encoding="utf-8"
    )
    proc, _, output = run_action(tmp_path, repo, CHARTER_PROFILES="ci-test")
    assert proc.returncode == 0, proc.stderr  # the repository's fail-on: none holds
    assert "gate=pass" in output.read_text(encoding="utf-8")
    # its settings ignored: the policy folder it named is not loaded either
    proc, _, _ = run_action(tmp_path, repo, CHARTER_PROFILES="ci-test",
                            CHARTER_REPO_CONFIG="false")
    assert proc.returncode == 2
    assert "unknown profile 'ci-test'" in proc.stdout + proc.stderr
    proc, _, _ = run_action(tmp_path, repo, CHARTER_REPO_CONFIG="maybe")
    assert proc.returncode == 2
    assert proc.stdout.startswith("::error title=charter::input 'repo-config': 'maybe'")


def test_action_yml_maps_every_input_to_the_script():
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "charter")
    assert step["run"] == "python -m charter.action"
    for name in (
        "path", "profiles", "fail-on", "min-score", "baseline", "sarif-file", "repo-config"
    ):
        assert name in action["inputs"]
        var = "CHARTER_" + name.upper().replace("-", "_")
        assert step["env"][var] == f"${{{{ inputs.{name} }}}}"
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hooks[0]["entry"] == "charter audit" and hooks[0]["pass_filenames"] is False
