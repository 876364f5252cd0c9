"""charter fleet: many repositories (local git repositories made here, no network) into
per-repository reports and summary tables, on the process pool and on a Dask LocalCluster."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from helpers import write_tree
from test_diff import git

from charter.cli import main
from charter.fleet import read_repos

DATA = Path(__file__).parent / "data"
POLICY = ["--policies", str(DATA / "policies"), "--profile", "ci-test"]
#: each test in a forked child: pyarrow and duckdb start native thread pools, and a test process
#: that forks audit workers afterwards (the hostile-input tests do) must not carry them
pytestmark = pytest.mark.forked

UNTYPED = "def one(a):\n    return a\n"
TYPED = "def one(a: int) -> int:\n    return a\n"


def make_repo(root: Path, files: dict[str, str], tag: str | None = None) -> Path:
    write_tree(root, files)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    if tag:
        git(root, "tag", tag)
    return root


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    """Three repositories and one that cannot be cloned; returns the list's path."""
    make_repo(tmp_path / "untyped", {"app.py": UNTYPED})
    make_repo(tmp_path / "typed", {"app.py": TYPED})
    make_repo(tmp_path / "tagged", {"svc/app.py": UNTYPED + TYPED.replace("one", "two")}, "v1")
    repos = tmp_path / "repos.txt"
    repos.write_text(
        f"# source  ref  profiles\nuntyped\ntyped   -\ntagged  v1\nfile://{tmp_path}/nowhere.git\n",
        encoding="utf-8",
    )
    return repos


def run(repos: Path, out: Path, *extra: str) -> int:
    return main(["fleet", "audit", str(repos), "--out", str(out), "-q", "--no-cache", *POLICY,
                 *extra])  # fmt: skip


def ids(repos: Path) -> dict[str, str]:
    return {e.source.rsplit("/", 1)[-1]: e.id for e in read_repos(repos)}


def without_timing(text: str) -> str:
    return re.sub(r'\n  "timing": \{[^}]*\},?', "", text)


def test_reports_records_and_tables(fleet, tmp_path, capsys):
    out = tmp_path / "out"
    assert run(fleet, out) == 1  # one repository failed: recorded, and the run went on
    rid = ids(fleet)
    # the per-repository report is the normal JSON report of `charter audit`
    report = json.loads((out / "reports" / f"{rid['untyped']}.json").read_text())
    assert main(["audit", str(tmp_path / "untyped"), "--format", "json", "-o",
                 str(tmp_path / "a.json"), "-q", "--no-cache", *POLICY]) == 1  # fmt: skip
    alone = json.loads((tmp_path / "a.json").read_text())
    for key in ("profiles", "rules", "findings", "files_scanned", "tool"):
        assert report[key] == alone[key]
    assert [(f["rule"], f["path"], f["line"]) for f in report["findings"]] == [
        ("type-hints", "app.py", 1)
    ]
    assert report["target"] == "untyped"  # as listed, not the file:// URL it was cloned from
    assert report["extra"]["git"]["ref"] is None
    tagged = json.loads((out / "reports" / f"{rid['tagged']}.json").read_text())
    assert tagged["extra"]["git"]["ref"] == "v1"

    failed = json.loads((out / "records" / f"{rid['nowhere.git']}.json").read_text())
    assert failed["status"] == "error"
    assert "cannot clone" in failed["error"]
    assert failed["report"] is None
    assert not (out / "reports" / f"{rid['nowhere.git']}.json").exists()

    db = duckdb.connect(str(out / "fleet.duckdb"), read_only=True)
    statuses = db.execute("select id, status, error is null from repos order by id").fetchall()
    assert sorted(statuses) == sorted(
        [
            (rid["untyped"], "ok", True),
            (rid["typed"], "ok", True),
            (rid["tagged"], "ok", True),
            (rid["nowhere.git"], "error", False),
        ]
    )
    scores = dict(db.execute("select id, score from profiles where profile = 'ci-test'").fetchall())
    assert scores[rid["typed"]] == 100.0
    assert scores[rid["untyped"]] == report["profiles"][0]["score"] < 100.0
    assert rid["nowhere.git"] not in scores  # a failed repository has no score rows
    hints = db.execute(
        "select id, status, active from rules where rule = 'type-hints' order by id"
    ).fetchall()
    assert sorted(hints) == sorted(
        [(rid["untyped"], "fail", 1), (rid["typed"], "pass", 0), (rid["tagged"], "fail", 1)]
    )
    # the Parquet files hold the same rows
    parquet = db.execute(
        f"select count(*) from read_parquet('{out / 'rules.parquet'}') where status = 'fail'"
    ).fetchone()
    assert parquet == db.execute("select count(*) from rules where status = 'fail'").fetchone()
    manifest = json.loads((out / "fleet.json").read_text())
    assert manifest["counts"] == {"ok": 3, "error": 1, "skipped": 0}
    assert manifest["repos"] == list(rid.values())


def test_rerun_skips_unchanged_and_audits_what_moved(fleet, tmp_path, capsys):
    out = tmp_path / "out"
    assert run(fleet, out) == 1
    rid = ids(fleet)
    before = {k: json.loads((out / "records" / f"{v}.json").read_text()) for k, v in rid.items()}
    assert run(fleet, out) == 1
    manifest = json.loads((out / "fleet.json").read_text())
    assert manifest["counts"] == {"ok": 0, "error": 1, "skipped": 3}  # the failure is retried
    again = {k: json.loads((out / "records" / f"{v}.json").read_text()) for k, v in rid.items()}
    assert again["typed"] == before["typed"]  # not audited again: same record, same time

    # a new commit on the default branch of one repository: only that one is audited again
    write_tree(tmp_path / "typed", {"more.py": UNTYPED})
    git(tmp_path / "typed", "add", ".")
    git(tmp_path / "typed", "commit", "-q", "-m", "second")
    assert run(fleet, out) == 1
    manifest = json.loads((out / "fleet.json").read_text())
    assert manifest["counts"] == {"ok": 1, "error": 1, "skipped": 2}
    db = duckdb.connect(str(out / "fleet.duckdb"), read_only=True)
    row = db.execute(
        f"select status from rules where id = '{rid['typed']}' and rule = 'type-hints'"
    )
    assert row.fetchone() == ("fail",)
    # other settings are another audit: nothing is skipped
    assert run(fleet, out, "--strict") == 1
    assert json.loads((out / "fleet.json").read_text())["counts"]["skipped"] == 0


def test_dask_local_cluster_equals_the_process_pool(fleet, tmp_path):
    pool, dask = tmp_path / "pool", tmp_path / "dask"
    assert run(fleet, pool, "--jobs", "2") == 1
    # the Dask cluster runs in a process of its own, as a user's command would: its scheduler
    # thread and worker processes must not outlive the test inside pytest's process
    command = [sys.executable, "-m", "charter", "fleet", "audit", str(fleet), "--out", str(dask)]
    command += ["-q", "--no-cache", *POLICY, "--engine", "dask", "--jobs", "2"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 1, done.stderr
    names = sorted(p.name for p in (pool / "reports").iterdir())
    assert names == sorted(p.name for p in (dask / "reports").iterdir())
    assert len(names) == 3
    for name in names:  # byte for byte, apart from the timing object
        a = (pool / "reports" / name).read_text()
        b = (dask / "reports" / name).read_text()
        assert without_timing(a) == without_timing(b)
    for rec in (pool / "records").iterdir():
        a = json.loads(rec.read_text())
        b = json.loads((dask / "records" / rec.name).read_text())
        for timing in ("audited_at", "duration_s"):
            a.pop(timing), b.pop(timing)
        assert a == b
    query = (
        "select * exclude (audited_at, duration_s) from repos order by id",
        "select * from profiles order by id, profile",
        "select * from rules order by id, rule",
    )
    one = duckdb.connect(str(pool / "fleet.duckdb"), read_only=True)
    two = duckdb.connect(str(dask / "fleet.duckdb"), read_only=True)
    for q in query:
        assert one.execute(q).fetchall() == two.execute(q).fetchall()


def test_merge_of_matrix_jobs_and_plain_reports(fleet, tmp_path):
    lines = fleet.read_text().splitlines()
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("\n".join(lines[:3]) + "\n")  # untyped, typed
    second.write_text(lines[4] + "\n")  # the unreachable one
    assert run(first, tmp_path / "job-a") == 0
    assert run(second, tmp_path / "job-b") == 1
    report = tmp_path / "tagged.json"
    assert main(["audit", f"file://{tmp_path}/tagged", "--ref", "v1", "--format", "json",
                 "-o", str(report), "-q", "--no-cache", *POLICY]) == 1  # fmt: skip
    merged = tmp_path / "merged"
    code = main(["fleet", "merge", str(tmp_path / "job-a"), str(tmp_path / "job-b"),
                 str(report), "--out", str(merged)])  # fmt: skip
    assert code == 1  # a merged repository had failed
    db = duckdb.connect(str(merged / "fleet.duckdb"), read_only=True)
    rows = db.execute("select source, status, ref from repos order by source").fetchall()
    assert rows == [
        (f"file://{tmp_path}/nowhere.git", "error", None),
        (f"file://{tmp_path}/tagged", "ok", "v1"),
        ("typed", "ok", None),
        ("untyped", "ok", None),
    ]
    fails = db.execute("select source from rules where rule = 'type-hints' and status = 'fail'")
    assert sorted(r[0] for r in fails.fetchall()) == [f"file://{tmp_path}/tagged", "untyped"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a\nb main no-such-profile\n", "repos.txt:2: unknown profile 'no-such-profile'"),
        ("a main ci-test extra\n", "repos.txt:1: 4 words; write SOURCE [REF [PROFILE,PROFILE]]"),
        ("a --upload-pack=x\n", "repos.txt:1: ref: '--upload-pack=x' must not start with '-'"),
        ("# nothing\n", "repos.txt: no repository listed"),
    ],
)
def test_a_bad_list_stops_before_any_clone(tmp_path, capsys, text, message):
    repos = tmp_path / "repos.txt"
    repos.write_text(text)
    assert run(repos, tmp_path / "out") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("charter: error: ")
    assert message in err[0]
    assert not (tmp_path / "out").exists()


def test_yaml_list(tmp_path):
    repos = tmp_path / "repos.yaml"
    repos.write_text(
        "repos:\n"
        "  - repo: ../svc\n"
        "    ref: v2\n"
        "    profiles: [ci-test]\n"
        "  - https://example.com/org/api.git\n"
    )
    one, two = read_repos(repos, ["ci-test"])
    assert (one.url, one.ref, one.profiles) == (f"file://{tmp_path.parent}/svc", "v2", ("ci-test",))
    assert (two.url, two.ref, two.profiles) == ("https://example.com/org/api.git", None, ())
    assert two.id.startswith("example.com-org-api-")
    repos.write_text("- repo: a\n  branch: main\n")
    with pytest.raises(Exception, match=r"entry 1: unknown field 'branch'; use repo, ref"):
        read_repos(repos)


def test_every_fleet_option_says_its_default(capsys):
    import typer.main

    from charter.cli import app

    group = typer.main.get_command(app).commands["fleet"]
    missing = []
    for command in group.commands.values():
        for param in command.params:
            if param.param_type_name != "option" or param.is_flag or param.required:
                continue
            said = "[default:" in (param.help or "")
            if not (said or (param.show_default and param.default is not None)):
                missing.append(f"fleet {command.name} {param.opts[0]}")
    assert missing == []
    assert main(["fleet", "audit", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--scheduler ADDRESS" in out
    assert "[default: CPU count]" in out
