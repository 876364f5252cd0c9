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
import pytest
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


# --- issue 16: the inputs for policies, repo profiles, exclude, select/ignore; paths from the
# workspace; the composite steps run as the runner runs them ---


def test_policies_input_loads_a_policy_folder_without_the_repositorys_settings(tmp_path: Path):
    repo = write_tree(tmp_path / "repo", {"app.py": "def f(a):\n    return a\n"})
    proc, _, output = run_action(
        tmp_path, repo, CHARTER_PROFILES="ci-test", CHARTER_REPO_CONFIG="false",
        CHARTER_POLICIES=f"{DATA / 'policies'}\n",
    )
    assert proc.returncode == 1, proc.stderr  # before: exit 2, unknown profile 'ci-test'
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert json.loads(outputs["scores"]) == {"ci-test": 40.0}


def test_exclude_input_adds_to_the_configurations_excludes(tmp_path: Path):
    repo = write_tree(
        tmp_path / "repo",
        {"app.py": "def f(a):\n    return a\n", "gen/client.py": "def g(a):\n    return a\n"},
    )
    base = {"CHARTER_PROFILES": "ci-test", "CHARTER_POLICIES": str(DATA / "policies")}
    proc, _, _ = run_action(tmp_path, repo, **base, CHARTER_EXCLUDE="app.py")
    assert proc.returncode == 1 and "file=gen/client.py" in proc.stdout
    assert "file=app.py" not in proc.stdout
    proc, _, output = run_action(tmp_path, repo, **base, CHARTER_EXCLUDE="app.py,\ngen/ ")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "findings=0" in output.read_text()


def test_select_and_ignore_inputs_filter_rules_by_id_or_whole_word_prefix(tmp_path: Path):
    repo = write_tree(tmp_path / "repo", {"app.py": "def f(a):\n    return a\n"})
    base = {"CHARTER_PROFILES": "ci-test", "CHARTER_POLICIES": str(DATA / "policies")}

    def outputs(**inputs: str) -> tuple[int, dict[str, str], str]:
        proc, _, output = run_action(tmp_path, repo, **base, **inputs)
        lines = output.read_text(encoding="utf-8").splitlines()
        output.unlink()
        return proc.returncode, dict(line.split("=", 1) for line in lines), proc.stdout

    code, out, stdout = outputs(CHARTER_IGNORE="type")  # every type-* rule
    assert code == 0 and out["findings"] == "0" and "type-hints" not in stdout
    assert json.loads(out["scores"]) == {"ci-test": 100.0}  # parse-error alone
    code, out, _ = outputs(CHARTER_SELECT="parse-error")
    assert code == 0 and json.loads(out["scores"]) == {"ci-test": 100.0}
    code, out, stdout = outputs(CHARTER_SELECT="type-hints, parse-error", CHARTER_IGNORE="")
    assert code == 1 and "charter type-hints" in stdout
    # not a whole word: no rule, which stops the step as --select stops the command
    proc, _, _ = run_action(tmp_path, repo, **base, CHARTER_SELECT="typ")
    assert proc.returncode == 2 and "'typ' matches no rule" in proc.stderr


def test_repo_profiles_input_scores_the_repositorys_own_profiles(tmp_path: Path):
    repo = write_tree(
        tmp_path / "repo",
        {
            "CLAUDE.md": "- Use type hints for all function signatures\n",
            "app.py": "def f(a):\n    return a\n",
        },
    )
    base = {"CHARTER_PROFILES": "ci-test", "CHARTER_POLICIES": str(DATA / "policies")}
    proc, _, output = run_action(tmp_path, repo, **base, CHARTER_REPO_PROFILES="true")
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    scores = json.loads(outputs["scores"])
    assert set(scores) == {"ci-test", "claude"}, proc.stderr  # custom and repository profiles
    assert outputs["score-claude"] == f"{scores['claude']:.1f}"
    proc, _, _ = run_action(tmp_path, repo, **base, CHARTER_REPO_PROFILES="yes")
    assert proc.returncode == 2
    assert proc.stdout.startswith("::error title=charter::input 'repo-profiles': 'yes'")


@pytest.mark.parametrize("in_git", [False, True], ids=["folder", "git"])
def test_a_subfolder_audit_writes_paths_from_the_workspace(tmp_path: Path, in_git: bool):
    workspace = write_tree(
        tmp_path / "w",
        {
            "svc/api/app.py": "def f(a):\n    return a\n",
            "svc/.charter.yml": "policies: [pol]\nexclude: [old/]\n",
            "svc/old/x.py": "def g(a):\n    return a\n",
        },
    )
    shutil.copytree(DATA / "policies", workspace / "svc" / "pol")
    if in_git:  # SARIF also knows the git prefix: the path must not get it twice
        from test_hostile_git import git

        git(workspace, "init", "-q")
        git(workspace, "add", ".")
        git(workspace, "commit", "-q", "-m", "one")
    env = {
        **os.environ,
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_OUTPUT": str(tmp_path / "output.txt"),
        "CHARTER_PATH": "svc",
        "CHARTER_PROFILES": "ci-test",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "charter.action"], env=env, capture_output=True, text=True,
        cwd=workspace, timeout=300,
    )
    assert proc.returncode == 1, proc.stderr
    assert "::error file=svc/api/app.py,line=1,col=1," in proc.stdout  # before: api/app.py
    assert "::notice file=svc/.charter.yml," in proc.stdout
    log = json.loads((workspace / "charter.sarif").read_text(encoding="utf-8"))
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for result in log["runs"][0]["results"]
        for loc in result["locations"]
    }
    assert uris == {"svc/api/app.py"}
    assert all((workspace / uri).is_file() for uri in uris)
    assert "svc/api/app.py" in (tmp_path / "summary.md").read_text(encoding="utf-8")
    # the workspace itself, or a folder outside it: paths unchanged
    for root, path in ((workspace / "svc", "."), (tmp_path / "elsewhere", str(workspace / "svc"))):
        root.mkdir(exist_ok=True)
        proc = subprocess.run(
            [sys.executable, "-m", "charter.action"],
            env={**env, "GITHUB_WORKSPACE": str(root), "CHARTER_PATH": path},
            capture_output=True, text=True, cwd=root, timeout=300,
        )
        assert "::error file=api/app.py,line=1," in proc.stdout, proc.stderr


_EXPR = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


def _step_outputs(path: Path) -> dict[str, str]:
    """``name=value`` lines, and ``name<<DELIM`` ... ``DELIM`` blocks, as the runner reads."""
    out: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            out[name] = "\n".join(iter(lambda: next(lines), delim))
        elif "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
    return out


def run_composite(
    workspace: Path, tmp_path: Path, **inputs: str
) -> tuple[dict[str, str], dict[str, dict[str, str]], list[subprocess.CompletedProcess[str]]]:
    """Every step of action.yml in order, as the runner runs it: ``${{ }}`` substituted,
    ``bash --noprofile --norc -eo pipefail`` on the step's script in its working directory,
    a fresh ``$GITHUB_OUTPUT`` per step (its lines become ``steps.<id>.outputs``), and
    ``$GITHUB_ENV`` applied to later steps. ``uses:`` steps (setup-python, cache) and the pip
    install are skipped: this interpreter stands for setup-python's, and CHARTER_PYTHON runs
    this work tree's charter, isolated (-I) as the installed one is.
    Returns the action's outputs, every step's outputs and each step's process."""
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    temp = tmp_path / "runner-temp"
    temp.mkdir(exist_ok=True)
    wrapper = temp / "charter-python"
    wrapper.write_text(
        "#!/bin/sh\n"
        '[ "$1" = "-I" ] && [ "$2" = "-m" ] || exit 97\n'
        f'exec "{sys.executable}" -I -c "import runpy, sys; sys.path.insert(0, '
        f"'{ROOT / 'src'}'); runpy.run_module('$3', run_name='__main__', alter_sys=True)\"\n",
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    github_env = tmp_path / "github-env"
    github_env.write_text("", encoding="utf-8")
    context = {
        "github.action_path": str(ROOT),
        "github.workspace": str(workspace),
        "runner.temp": str(temp),
        "runner.os": "Linux",
    }
    given = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    assert set(inputs) <= set(given), set(inputs) - set(given)
    given.update(inputs)
    steps: dict[str, dict[str, str]] = {
        "python": {"python-path": sys.executable, "python-version": "3"}
    }

    def value(expr: str) -> str:
        parts = expr.split(".")
        if parts[0] == "inputs":
            return given[expr.removeprefix("inputs.")]
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return steps.get(parts[1], {}).get(parts[3], "")
        return context[expr]  # any other expression: this harness must learn it first

    def sub(text: str) -> str:
        return _EXPR.sub(lambda m: value(m[1]), text)

    base = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CHARTER_"))}
    base.update(
        GITHUB_ENV=str(github_env),
        GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"),
        GITHUB_WORKSPACE=str(workspace),
        RUNNER_TEMP=str(temp),
        RUNNER_OS="Linux",
        CHARTER_PYTHON=str(wrapper),  # what the skipped install step writes to GITHUB_ENV
    )
    procs = []
    for n, step in enumerate(action["runs"]["steps"]):
        if "uses" in step or step.get("name") == "Install charter":
            continue
        assert step["shell"] == "bash"
        output = tmp_path / f"output-{n}"
        output.write_text("", encoding="utf-8")
        script = tmp_path / f"step-{n}.sh"
        script.write_text(sub(step["run"]), encoding="utf-8")
        env = {
            **base,
            **_step_outputs(github_env),
            **{k: sub(str(v)) for k, v in step.get("env", {}).items()},
            "GITHUB_OUTPUT": str(output),
        }
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=sub(step.get("working-directory", str(workspace))), env=env,
            capture_output=True, text=True, timeout=300,
        )
        procs.append(proc)
        if "id" in step:
            steps[step["id"]] = _step_outputs(output)
        if proc.returncode != 0:
            break
    outputs = {name: sub(spec["value"]) for name, spec in action["outputs"].items()}
    return outputs, steps, procs


def test_the_composite_steps_run_in_order_and_set_the_actions_outputs(tmp_path: Path):
    workspace = write_tree(
        tmp_path / "w",
        {
            "svc/app.py": "def f(a):\n    return a\n",
            "svc/s.py": f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n',
            "charter/__init__.py": "raise SystemExit('the workspace was imported')\n",
        },
    )
    outputs, steps, procs = run_composite(
        workspace, tmp_path, path="svc", profiles="backend-polyglot, ci-test",
        policies=str(DATA / "policies"), **{"sarif-file": "out/charter.sarif"},
    )
    prepare, run = procs
    assert prepare.returncode == 0, prepare.stderr
    key = steps["prepare"]["key"]
    assert re.fullmatch(r"charter-Linux-CPython-[\d.]+-[0-9a-f]{24}", key), key
    assert steps["prepare"]["restore"] == key.rsplit("-", 1)[0] + "-"
    assert steps["prepare"]["cache-dir"] == str(tmp_path / "runner-temp" / "charter-pip")
    assert run.returncode == 1, run.stderr  # the committed key fails the gate
    assert "::error file=svc/s.py,line=1," in run.stdout
    assert outputs["gate"] == "fail" and int(outputs["findings"]) >= 2
    scores = json.loads(outputs["scores"])
    assert set(scores) == {"backend-polyglot", "ci-test"}  # a custom profile's score too
    assert outputs["score-backend-polyglot"] == f"{scores['backend-polyglot']:.1f}"
    assert outputs["sarif-file"] == "out/charter.sarif"
    log = json.loads((workspace / "out" / "charter.sarif").read_text(encoding="utf-8"))
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert {"svc/app.py", "svc/s.py"} <= uris
    assert (tmp_path / "summary.md").read_text(encoding="utf-8").startswith("## charter: svc")


def test_the_version_input_is_the_cache_key_and_is_checked(tmp_path: Path):
    workspace = write_tree(tmp_path / "w", {"app.py": "X = 1\n"})
    _, steps, procs = run_composite(workspace, tmp_path, version="0.2.0", profiles="ci-test")
    assert procs[0].returncode == 0, procs[0].stderr
    source_key = run_composite(workspace, tmp_path, profiles="ci-test")[1]["prepare"]["key"]
    assert steps["prepare"]["key"] != source_key
    assert steps["prepare"]["key"].startswith("charter-Linux-CPython-")
    for bad in ("latest", "1.0 --index-url http://evil", "1.0;x", "-1"):
        _, _, procs = run_composite(workspace, tmp_path, version=bad)
        assert len(procs) == 1 and procs[0].returncode == 2, bad
        assert procs[0].stdout.startswith("::error title=charter::input 'version'")


def test_the_install_step_installs_the_version_or_the_cached_wheel():
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    python = next(s for s in action["runs"]["steps"] if s.get("id") == "python")
    assert python["with"]["update-environment"] is False  # the caller's Python is untouched
    steps = action["runs"]["steps"]
    install = next(s for s in steps if s.get("name") == "Install charter")
    # restored before the install and saved right after it: also when the gate then fails
    restore, save = steps[steps.index(install) - 1], steps[steps.index(install) + 1]
    assert restore["uses"].startswith("actions/cache/restore@") and restore["id"] == "restore"
    assert save["uses"].startswith("actions/cache/save@")
    assert save["if"] == "steps.restore.outputs.cache-hit != 'true'"
    for step in (restore, save):
        assert step["with"]["path"] == "${{ steps.prepare.outputs.cache-dir }}"
        assert step["with"]["key"] == "${{ steps.prepare.outputs.key }}"
    run = install["run"]
    assert '"${CHARTER_BASE_PYTHON:-python}" -I -m venv "$RUNNER_TEMP/charter-venv"' in run
    assert '--cache-dir "$CHARTER_PIP_CACHE" "charter==$CHARTER_VERSION"' in run
    assert "pip wheel" in run and '"$CHARTER_WHEELS"/charter-*.whl' in run
    names = list(action["inputs"])
    for name in ("policies", "repo-profiles", "exclude", "select", "ignore", "strict"):
        assert name in names
        step = next(s for s in action["runs"]["steps"] if s.get("id") == "charter")
        assert step["env"]["CHARTER_" + name.upper().replace("-", "_")] == (
            f"${{{{ inputs.{name} }}}}"
        )


def _workflow(name: str) -> dict:
    data = yaml.safe_load((ROOT / "examples" / "workflows" / name).read_text(encoding="utf-8"))
    data["on"] = data.pop(True)  # YAML 1.1 reads the key `on` as true
    return data


def _charter_step(steps: list[dict]) -> dict:
    (step,) = [s for s in steps if s.get("uses", "").startswith("OWNER/charter@")]
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert set(step.get("with", {})) <= set(action["inputs"])  # only inputs that exist
    return step


def _outputs_used(step: dict) -> set[str]:
    text = json.dumps(step)
    return set(re.findall(r"steps\.charter\.outputs\.([\w-]+)", text))


def test_example_workflow_uploads_the_sarif_log_to_code_scanning():
    flow = _workflow("charter-code-scanning.yml")
    assert flow["permissions"]["security-events"] == "write"
    (job,) = flow["jobs"].values()
    steps = job["steps"]
    charter = _charter_step(steps)
    assert charter["id"] == "charter"
    upload = steps[steps.index(charter) + 1]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["if"] == "always()"  # also when the gate fails
    assert upload["with"]["sarif_file"].startswith("${{ steps.charter.outputs.sarif-file")
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert _outputs_used(upload) <= set(action["outputs"])
    for step in steps:  # third-party actions pinned by commit
        if "uses" in step and step is not charter:
            assert re.fullmatch(r"[\w./-]+@[0-9a-f]{40}", step["uses"]), step["uses"]


def test_example_workflow_comments_the_markdown_report_on_the_pull_request():
    flow = _workflow("charter-pr-comment.yml")
    assert list(flow["on"]) == ["pull_request"]  # never pull_request_target
    assert flow["permissions"] == {"contents": "read", "pull-requests": "write"}
    (job,) = flow["jobs"].values()
    steps = job["steps"]
    charter = _charter_step(steps)
    assert charter["with"]["markdown-file"]
    comment = steps[steps.index(charter) + 1]
    assert comment["if"].startswith("always()")
    # a fork's pull request has a read-only token: skipped there
    assert "github.event.pull_request.head.repo.full_name == github.repository" in comment["if"]
    assert comment["env"]["BODY"] == "${{ steps.charter.outputs.markdown-file }}"
    assert "gh pr comment" in comment["run"] and '--body-file "$BODY"' in comment["run"]
    assert "${{" not in comment["run"]  # values reach the script through env, never inline
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert _outputs_used(comment) <= set(action["outputs"])


def test_the_markdown_file_input_writes_the_summary_for_a_comment(tmp_path: Path):
    repo = write_tree(tmp_path / "repo", {"app.py": "def f(a):\n    return a\n"})
    proc, summary, output = run_action(
        tmp_path, repo, CHARTER_PROFILES="ci-test", CHARTER_POLICIES=str(DATA / "policies"),
        CHARTER_MARKDOWN_FILE="report/charter.md",
    )
    assert proc.returncode == 1, proc.stderr
    body = (tmp_path / "report" / "charter.md").read_text(encoding="utf-8")
    assert body.startswith("## charter: ") and "❌ gate fails" in body
    assert summary.read_text(encoding="utf-8") == "# earlier step\n" + body
    assert "markdown-file=report/charter.md\n" in output.read_text(encoding="utf-8")
