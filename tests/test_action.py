"""The GitHub Action's script, run locally with the runner's files pointing at temp files."""

from __future__ import annotations

import json
import os
import re
import shutil
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
    shutil.copytree(DATA / "policies", repo / "pol")  # a repository's policies are inside it
    (repo / ".charter.yml").write_text(
        "policies: [pol]\n", encoding="utf-8"
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
    shutil.copytree(DATA / "policies", repo / "pol")  # a repository's policies are inside it
    (repo / ".charter.yml").write_text("policies: [pol]\n", encoding="utf-8")
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
    shutil.copytree(DATA / "policies", repo / "pol")  # a repository's policies are inside it
    (repo / ".charter.yml").write_text(
        "policies: [pol]\nfail-on: none\n", encoding="utf-8"
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
    # isolated mode, from the venv the install step made outside the workspace
    assert step["run"] == '"$CHARTER_PYTHON" -I -m charter.action'
    uses = [s["uses"] for s in action["runs"]["steps"] if "uses" in s]
    assert uses and all(re.fullmatch(r"[\w./-]+@[0-9a-f]{40}", u) for u in uses), uses
    install = next(s for s in action["runs"]["steps"] if s.get("name") == "Install charter")
    assert install["working-directory"] == "${{ runner.temp }}"
    assert " -I -m pip install" in install["run"]
    for name in (
        "path", "profiles", "fail-on", "min-score", "baseline", "sarif-file", "repo-config"
    ):
        assert name in action["inputs"]
        var = "CHARTER_" + name.upper().replace("-", "_")
        assert step["env"][var] == f"${{{{ inputs.{name} }}}}"
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    # the default hook: the staged files, file-level rules (tests/test_precommit.py)
    assert hooks[0]["entry"] == "charter hook" and hooks[0]["pass_filenames"] is True


# --- a fork's pull request: nothing of the workspace runs, its settings don't weaken its gate ---

AWS_KEY = "AKIAQYLPMN5HHHFPZAM2"  # charter: ignore[no-hardcoded-secrets] -- planted test key


def run_step(workspace: Path, tmp_path: Path, **inputs: str) -> subprocess.CompletedProcess[str]:
    """The Action's run step exactly as action.yml writes it, in the workspace."""
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "charter")
    env = {
        **os.environ,
        "CHARTER_PYTHON": sys.executable,
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_OUTPUT": str(tmp_path / "output.txt"),
        "CHARTER_PATH": ".",
        "X": str(tmp_path),
        **inputs,
    }
    return subprocess.run(
        ["bash", "-c", step["run"]], env=env, cwd=workspace, capture_output=True, text=True,
        timeout=300,
    )


def test_a_charter_package_in_the_workspace_is_not_imported(tmp_path: Path):
    workspace = write_tree(
        tmp_path / "w",
        {
            "s.py": f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n',
            "charter/__init__.py": 'import os; open(os.environ["X"] + "/PWNED", "w")\n',
            "charter/action.py": "raise SystemExit(0)\n",
            "pip/__init__.py": 'import os; open(os.environ["X"] + "/PWNED-pip", "w")\n',
        },
    )
    proc = run_step(workspace, tmp_path)
    assert not (tmp_path / "PWNED").exists()
    assert proc.returncode == 1, proc.stderr
    assert "gate=fail" in (tmp_path / "output.txt").read_text(encoding="utf-8")


def _event(tmp_path: Path, head: str, base: str = "acme/shop") -> Path:
    event = tmp_path / "event.json"
    repo = lambda name: {"full_name": name, "fork": name != base}  # noqa: E731
    event.write_text(
        json.dumps({"pull_request": {"head": {"repo": repo(head)}, "base": {"repo": repo(base)}}}),
        encoding="utf-8",
    )
    return event


def test_a_forks_pull_request_cannot_switch_off_its_own_gate(tmp_path: Path):
    workspace = write_tree(
        tmp_path / "w",
        {
            "s.py": f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n',
            ".charter.yml": "rules:\n  no-hardcoded-secrets: {disable: true}\n",
        },
    )
    pr = {"GITHUB_EVENT_NAME": "pull_request"}
    fork = {**pr, "GITHUB_EVENT_PATH": str(_event(tmp_path, "eve/shop"))}
    assert run_step(workspace, tmp_path, **fork).returncode == 1
    # the workflow can opt in to the fork's settings; a branch of the same repository is trusted
    assert run_step(workspace, tmp_path, **fork, CHARTER_REPO_CONFIG="true").returncode == 0
    same = {**pr, "GITHUB_EVENT_PATH": str(_event(tmp_path, "acme/shop"))}
    assert run_step(workspace, tmp_path, **same).returncode == 0
    # an event file that cannot be read is treated as a fork's
    broken = {**pr, "GITHUB_EVENT_PATH": str(tmp_path / "none.json")}
    assert run_step(workspace, tmp_path, **broken).returncode == 1


def test_the_sarif_file_is_not_written_through_a_planted_link(tmp_path: Path):
    target = tmp_path / "runner-file"
    target.write_text("keep\n", encoding="utf-8")
    workspace = write_tree(tmp_path / "w", {"app.py": "X = 1\n"})
    (workspace / "charter.sarif").symlink_to(target)
    run_step(workspace, tmp_path, CHARTER_SARIF_FILE="charter.sarif")
    assert target.read_text(encoding="utf-8") == "keep\n"
    sarif_file = workspace / "charter.sarif"
    assert not sarif_file.is_symlink() and json.loads(sarif_file.read_text())["version"] == "2.1.0"
