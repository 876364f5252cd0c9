"""``charter history``: one audit per interval along the first parents, the score series, the
rules that changed status, the cache shared by content, and nothing of the repository runs."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from helpers import write_tree

from charter import cli

DATA = Path(__file__).parent / "data"
POLICIES = ["-p", "ci-test", "--policies", str(DATA / "policies")]
DAY = 86400
#: 2026-01-01T00:00:00Z
EPOCH = 1767225600


def git(root: Path, *args: str, when: int | None = None) -> str:
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "HOME": str(root),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"@{when} +0000"
    out = subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)
    return out.stdout.decode().strip()


def commit(root: Path, files: dict[str, str], day: float, message: str) -> str:
    write_tree(root, files)
    git(root, "add", "-A")
    git(root, "commit", "-qm", message, when=EPOCH + int(day * DAY))
    return git(root, "rev-parse", "HEAD")


FILLER = {f"pkg/m{i}.py": f"def f{i}(a: int) -> int:\n    return a + {i}\n" for i in range(6)}


def keep_reports(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """Each point's whole report (a history keeps only its scores and counts), by commit."""
    from charter import history as hist

    reports: dict[str, object] = {}
    audit_commit = hist._audit_commit

    def keep(tree: object, sha: str, options: object, scope: str) -> object:
        reports[sha] = report = audit_commit(tree, sha, options, scope)  # type: ignore[arg-type]
        return report

    monkeypatch.setattr(hist, "_audit_commit", keep)
    return reports


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """Six weeks of history: an unannotated function on day 0, more commits in the first two
    weeks, the annotations on day 20, a docs change on day 34 and day 40."""
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    shas = {
        "d0": commit(
            root, {**FILLER, "app.py": "def total(a, b):\n    return a + b\n"}, 0, "start"
        ),
        "d3": commit(root, {"README.md": "# r\n"}, 3, "readme"),
        "d10": commit(root, {"README.md": "# r\n\nmore\n"}, 10, "more readme"),
        "d20": commit(
            root, {"app.py": "def total(a: int, b: int) -> int:\n    return a + b\n"}, 20, "hints"
        ),
        "d34": commit(root, {"README.md": "# r\n\nmore\nagain\n"}, 34, "docs"),
        "d40": commit(root, {"README.md": "# r\n"}, 40, "docs again"),
    }
    return root, shas


def history(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["history", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_one_commit_per_interval_with_scores_and_the_flip(
    repo: tuple[Path, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    root, shas = repo
    code, out, err = history(
        capsys, str(root), "--since", "6w", "--every", "2w", "-f", "json", *POLICIES
    )
    assert code == 0, err
    doc = json.loads(out)
    # intervals back from day 40: (26, 40] -> d40, (12, 26] -> d20, (-2, 12] -> d10; oldest first
    assert [p["commit"] for p in doc["points"]] == [shas["d10"], shas["d20"], shas["d40"]]
    series = {p["id"]: p["scores"] for p in doc["profiles"]}
    assert series["ci-test"][0] < 100 and series["ci-test"][1:] == [100.0, 100.0]
    assert [(f["rule"], f["from"], f["to"], f["commit"]) for f in doc["flips"]] == [
        ("type-hints", "fail", "pass", shas["d20"])
    ]


def test_unchanged_files_are_not_analysed_again(
    repo: tuple[Path, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = repo
    code, out, err = history(
        capsys, str(root), "--since", "6w", "--every", "2w", "-f", "json", "--no-cache", *POLICIES
    )
    assert code == 0, err
    points = json.loads(out)["points"]
    # the first point analyses every file; the next ones only the file that changed since
    assert points[0]["cache_hits"] == 0 and points[0]["cache_misses"] == len(FILLER) + 2
    assert [p["cache_misses"] for p in points[1:]] == [1, 1]  # app.py, then README.md


def test_text_table_names_the_flip(
    repo: tuple[Path, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    root, shas = repo
    code, out, err = history(capsys, str(root), "--since", "6w", "--every", "2w", *POLICIES)
    assert code == 0, err
    row = next(line for line in out.splitlines() if line.startswith("2026-01-21"))
    assert shas["d20"][:10] in row and "100.0" in row and "type-hints fail→pass" in row
    assert "P1  ci-test" in out


def test_since_a_date_and_html(
    repo: tuple[Path, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    root, shas = repo
    code, out, err = history(
        capsys, str(root), "--since", "2026-01-15", "--every", "1w", "-f", "html", *POLICIES
    )
    assert code == 0, err
    # weeks back from day 40 to day 14: (33, 40] -> d40 (d34 is older in it), (19, 26] -> d20
    assert out.count('<g class="flip"') == 0  # no rule changes status after day 14
    assert shas["d20"][:10] in out and shas["d40"][:10] in out and shas["d10"][:10] not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--every", "2x"], "--every: '2x' is not a duration"),
        (["--since", "0d"], "--since: '0d' is not a duration"),
        (["--ref", "nope"], "--ref: 'nope' is not a commit, branch or tag"),
        (["--ref", "-x"], "--ref: '-x' must not start with '-'"),
    ],
)
def test_bad_values_stop_with_one_line(
    repo: tuple[Path, dict[str, str]],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    root, _ = repo
    code, _, err = history(capsys, str(root), *args, *POLICIES)
    assert code == 2
    assert err.startswith(f"charter: error: {message}") and err.count("\n") == 1


def test_not_a_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = history(capsys, str(tmp_path), *POLICIES)
    assert code == 2 and "history needs a git repository" in err


def test_the_repositorys_filters_and_hooks_never_run(
    repo: tuple[Path, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = repo
    markers = tmp_path / "m"
    markers.mkdir()
    commit(root, {".gitattributes": "* filter=x diff=x\n"}, 41, "attributes")
    git(root, "config", "filter.x.smudge", f'sh -c "touch {markers}/smudge; cat"')
    git(root, "config", "filter.x.clean", f'sh -c "touch {markers}/clean; cat"')
    git(root, "config", "diff.x.textconv", f"sh -c 'touch {markers}/textconv; cat \"$0\"'")
    git(root, "config", "core.fsmonitor", f"sh -c 'touch {markers}/fsmonitor'")
    hooks = root / ".git" / "evil-hooks"
    hooks.mkdir()
    for name in ("post-checkout", "post-index-change", "reference-transaction"):
        (hooks / name).write_text(f"#!/bin/sh\ntouch '{markers}/hook-{name}'\n")
        (hooks / name).chmod(0o755)
    git(root, "config", "core.hooksPath", str(hooks))
    code, _, err = history(capsys, str(root), "--since", "6w", "--every", "2w", *POLICIES)
    assert code == 0, err
    assert sorted(p.name for p in markers.iterdir()) == []


def test_a_second_history_reuses_each_commits_report(
    repo: tuple[Path, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = repo
    # a file over the size cap is known to the cache by its size and time: the same content
    # must keep the same time in every tree charter writes for it
    commit(root, {".charter.yml": "max-file-bytes: 100\n", "big.txt": "x" * 500}, 40.5, "big")
    args = [str(root), "--since", "6w", "--every", "2w", "-f", "json", "--cache-dir"]
    code, out, err = history(capsys, *args, str(tmp_path / "cache"), *POLICIES)
    assert code == 0, err
    first = json.loads(out)
    assert not any(p["report_reused"] for p in first["points"])
    commit(root, {"README.md": "# r\n\nnew\n"}, 41, "one more")
    code, out, err = history(capsys, *args, str(tmp_path / "cache"), *POLICIES)
    assert code == 0, err
    again = json.loads(out)
    # the commits of the last run are not audited again; the new one reuses the file results
    assert [p["report_reused"] for p in again["points"]] == [True, True, False]
    assert again["points"][-1]["cache_misses"] == 1
    assert [p["scores"] for p in again["points"][:2]] == [p["scores"] for p in first["points"][:2]]
    assert again["flips"] == first["flips"]


def _listing(root: Path) -> dict[str, object]:
    out: dict[str, object] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            out[rel] = ("link", str(path.readlink()))
        elif path.is_dir():
            out[rel] = "folder"
        else:
            out[rel] = (path.read_bytes(), os.access(path, os.X_OK))
    return out


def test_the_tree_moved_from_commit_to_commit_equals_a_fresh_one(tmp_path: Path) -> None:
    """Deleted files and the folders they leave, a file where a folder was, a changed mode, a
    link: the tree written file by file is the tree gitops.materialise writes."""
    from charter import gitops
    from charter.history import _Tree

    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    files = {"a.py": "a = 1\n", "d/x.py": "x\n", "d/e/y.py": "y\n", "run.sh": "echo\n"}
    shas = [commit(root, files, 0, "a")]
    git(root, "update-index", "--chmod=+x", "run.sh")
    git(root, "commit", "-qm", "x")
    shas.append(git(root, "rev-parse", "HEAD"))
    git(root, "rm", "-q", "-r", "d")
    git(root, "update-index", "--chmod=-x", "run.sh")
    shas.append(commit(root, {"d": "now a file\n", "a.py": "a = 2\n", "n/z.py": "z\n"}, 2, "b"))
    git(root, "rm", "-q", "d")
    (root / "link.py").symlink_to("a.py")
    shas.append(commit(root, {"d/e/y.py": "y again\n"}, 3, "c"))
    shas.append(commit(root, {"n/z.py": "z2\n"}, 4, "d"))
    tree = _Tree(root)
    try:
        for i, sha in enumerate([*shas, shas[0], shas[2]]):
            tree.move_to(sha)
            fresh = tmp_path / f"fresh{i}"
            fresh.mkdir()
            gitops.materialise(root, sha, "", fresh)
            assert _listing(tree.root) == _listing(fresh), sha
    finally:
        tree.close()
    assert not tree.root.exists()


WORKFLOW = """name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pytest
"""


def test_each_point_reports_what_audit_ref_reports(tmp_path: Path) -> None:
    """A point's report (findings and statuses) is the report of ``charter audit --ref`` on its
    commit, although repo rules' cached results pass from point to point: files added that no
    rule looks up, a ruff configuration added then removed, the CI workflow changed."""
    from charter import api
    from charter import history as hist

    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    base = {
        **FILLER,
        "app.py": "def total(a, b):\n    return a + b\n",
        "pyproject.toml": '[project]\nname = "r"\nversion = "1"\n',
        ".github/workflows/ci.yml": WORKFLOW,
    }
    commit(root, base, 0, "start")
    commit(root, {"docs/guide.md": "# guide\n", "pkg/extra.py": "X = 1\n"}, 14, "more files")
    commit(root, {"pyproject.toml": base["pyproject.toml"] + "[tool.ruff]\nline-length = 99\n"},
           28, "ruff")  # fmt: skip
    commit(root, {".github/workflows/ci.yml": WORKFLOW + "      - run: ruff check .\n"}, 42, "lint")
    commit(root, {"pyproject.toml": base["pyproject.toml"], "notes.txt": "n\n"}, 56, "no ruff")

    with pytest.MonkeyPatch.context() as mp:
        reports = keep_reports(mp)
        doc = hist.run(root, api.Options(jobs=1), since="9w", every="2w")
    assert len(doc["points"]) == 5
    assert sum(p["report_reused"] for p in doc["points"]) == 0
    for sha, got in reports.items():
        want = api.audit(root, api.Options(ref=sha, jobs=1))
        assert [(r.id, r.status, r.findings, r.message) for r in got.rules] == [  # type: ignore[attr-defined]
            (r.id, r.status, r.findings, r.message) for r in want.rules
        ], sha
        assert [
            (f.rule, f.path, f.line, f.message, f.fingerprint) for f in got.findings  # type: ignore[attr-defined]
        ] == [(f.rule, f.path, f.line, f.message, f.fingerprint) for f in want.findings], sha
        assert [p.score for p in got.profiles] == [p.score for p in want.profiles]  # type: ignore[attr-defined]
    statuses = {
        sha: {r.id: r.status.value for r in rep.rules}  # type: ignore[attr-defined]
        for sha, rep in reports.items()
    }
    # the ruff configuration came and went: ruff-configured followed it
    assert [s["ruff-configured"] for s in statuses.values()] == ["fail", "fail", "fail", "pass",
                                                                  "fail"]  # fmt: skip


def test_stretches_side_by_side_give_the_serial_history(
    repo: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With --jobs 2 the points are cut into two stretches audited in two processes, after
    the second stretch's first point: the same points, scores, findings and flips as one
    process; the next history seeds its new commit from the newest stretch's file results and
    reuses every earlier report."""
    from charter import api
    from charter import history as hist

    root, _ = repo
    policies = (DATA / "policies",)
    serial = hist.run(
        root, api.Options(jobs=1, profiles=("ci-test",), policy_dirs=policies),
        since="6w", every="1w",
    )  # fmt: skip
    monkeypatch.setattr(hist, "MIN_STRETCH", 2)
    seen: list[int] = []
    options = api.Options(
        jobs=2, profiles=("ci-test",), policy_dirs=policies, use_cache=True,
        cache_dir=tmp_path / "cache",
    )  # fmt: skip
    both = hist.run(root, options, since="6w", every="1w", progress=lambda i, n, c: seen.append(i))
    assert len(both["points"]) >= 4
    assert len(hist._stretches([object()] * len(both["points"]), 2)) == 2  # type: ignore[list-item]
    keys = ("commit", "scores", "findings", "report_reused")
    assert [{k: p[k] for k in keys} for p in both["points"]] == [
        {k: p[k] for k in keys} for p in serial["points"]
    ]
    assert both["flips"] == serial["flips"] and both["profiles"] == serial["profiles"]
    assert sorted(seen) == list(range(len(both["points"])))
    # the last stretch's first point was audited first, cold; every other point took the
    # unchanged files' results from the point before it, the first stretch's first point from
    # that point's (the cut by cost moves with the clock: which points fall in the window)
    chosen = [
        hist.Commit(p["commit"], datetime.fromisoformat(p["date"]), "") for p in both["points"]
    ]
    stretches = hist._stretches(chosen, 2, hist._estimated_costs(root, chosen))
    assert len(stretches) == 2
    cold = len(stretches[0])
    # (both stretches write their first cache file at once: neither write may be lost)
    assert [p["cache_hits"] == 0 for p in both["points"]] == [
        i == cold for i in range(len(both["points"]))
    ]
    # ... so the first point analysed only its files that point did not have
    assert 0 < both["points"][0]["cache_misses"] < serial["points"][0]["cache_misses"]
    commit(root, {"README.md": "# r\n\nnew\n"}, 41, "one more")
    again = hist.run(root, options, since="6w", every="1w")
    before = {p["commit"] for p in both["points"]}
    assert [p["report_reused"] for p in again["points"]] == [
        p["commit"] in before for p in again["points"]
    ]
    # the new commits (in the newest stretch) start from the last history's file results:
    # only README.md changed since
    new = [p for p in again["points"] if p["commit"] not in before]
    assert new and [p["cache_misses"] for p in new] == [1] * len(new)


def test_a_file_over_the_size_cap_is_streamed_once_while_it_does_not_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The streaming secret scan of a file over the size cap is not repeated at the points
    where the file did not change, and each point still reports its key, as ``audit --ref``
    does; when the file changes it is streamed again."""
    from charter import api
    from charter import history as hist
    from charter.analyzers.secrets.analyzer import SecretsAnalyzer

    key = "AKIA" + "Q7FAKE2TESTQ7Z3M"  # built, so the literal is no key in this file
    big = "# " + "a" * 3000 + f'\nAWS_ACCESS_KEY_ID = "{key}"\n'
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    commit(root, {".charter.yml": "max-file-bytes: 2000\n", "conf/big.py": big, **FILLER}, 0, "a")
    commit(root, {"README.md": "# r\n"}, 14, "b")
    commit(root, {"conf/big.py": "x = 1\n" + big}, 28, "c")
    commit(root, {"README.md": "# r\n\nmore\n"}, 42, "d")
    streamed: list[str] = []
    check_unread = SecretsAnalyzer.check_unread

    def counted(self: SecretsAnalyzer, file: object, out: object, deadline: object) -> object:
        streamed.append(file.path)  # type: ignore[attr-defined]
        return check_unread(self, file, out, deadline)  # type: ignore[arg-type]

    monkeypatch.setattr(SecretsAnalyzer, "check_unread", counted)
    reports = keep_reports(monkeypatch)
    doc = hist.run(root, api.Options(jobs=1), since="7w", every="2w")
    assert len(doc["points"]) == 4 and not any(p.get("error") for p in doc["points"])
    # streamed at the first point and where it changed (the third), not at the others
    assert streamed == ["conf/big.py", "conf/big.py"]
    monkeypatch.setattr(SecretsAnalyzer, "check_unread", check_unread)
    for sha, got in reports.items():
        want = api.audit(root, api.Options(ref=sha, jobs=1))
        found = [(f.rule, f.path, f.line, f.fingerprint) for f in got.findings]  # type: ignore[attr-defined]
        assert found == [(f.rule, f.path, f.line, f.fingerprint) for f in want.findings], sha
        assert ("no-hardcoded-secrets", "conf/big.py") in {(f[0], f[1]) for f in found}


def test_a_stretch_that_fails_stops_the_history_with_one_error(
    repo: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that fails is reported as an error naming what failed, not a hang or a
    partial history."""
    from charter import api
    from charter import history as hist
    from charter.errors import CharterError

    root, _ = repo

    def broken(*args: object, **kwargs: object) -> list[object]:
        raise RuntimeError("disk full")

    monkeypatch.setattr(hist, "MIN_STRETCH", 2)
    monkeypatch.setattr(hist, "_points", broken)
    with pytest.raises(CharterError, match=r"RuntimeError: disk full.*--jobs 1"):
        hist.run(root, api.Options(jobs=2), since="6w", every="1w")


@pytest.mark.parametrize("which", ["first", "last"])
def test_a_stretch_forked_after_the_first_point_that_fails_stops_the_history(
    repo: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch, which: str
) -> None:
    """The point audited first succeeds; a stretch forked after it (the one started early,
    or the one that goes on from it) fails: one error naming what failed, and no worker
    left running."""
    import multiprocessing

    from charter import api
    from charter import history as hist
    from charter.errors import CharterError

    root, _ = repo
    stretch = hist._stretch
    parent = os.getpid()

    def broken(*args: object, **kwargs: object) -> list[object]:
        last = args[-1] is not None  # only the last stretch is handed the first point's tree
        if os.getpid() != parent and last == (which == "last"):
            raise RuntimeError(f"the {which} stretch broke")
        return stretch(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(hist, "MIN_STRETCH", 2)
    monkeypatch.setattr(hist, "_stretch", broken)
    with pytest.raises(CharterError, match=rf"RuntimeError: the {which} stretch broke"):
        hist.run(root, api.Options(jobs=2), since="6w", every="1w")
    assert multiprocessing.active_children() == []


def test_points_whose_configuration_is_broken_keep_their_error_side_by_side(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the point audited first cannot be audited (its own ``.charter.yml`` is broken, so
    no file phase starts the other stretches), the other stretches still run: every point is
    in the history, each broken one with its error, as ``--jobs 1`` gives them."""
    from charter import api
    from charter import history as hist

    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    commit(root, {**FILLER, ".charter.yml": "max-file-bytes: lots\n"}, 0, "a")
    for day in (7, 14, 21, 28):
        commit(root, {"README.md": f"# r {day}\n"}, day, f"day {day}")
    monkeypatch.setattr(hist, "MIN_STRETCH", 2)
    serial = hist.run(root, api.Options(jobs=1), since="5w", every="1w")
    both = hist.run(root, api.Options(jobs=2), since="5w", every="1w")
    assert len(both["points"]) == len(serial["points"]) >= 4
    assert [p.get("error") for p in both["points"]] == [p.get("error") for p in serial["points"]]
    # named as the repository's file, not as the temporary tree's
    assert all(
        (p.get("error") or "").startswith(".charter.yml: field 'max-file-bytes'")
        for p in both["points"]
    )


def test_stretches_are_cut_where_their_costs_even_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stretches are cut so that they end together. The last stretch's first point is
    audited first (its files in the pool, on both workers); then the first stretch analyses
    only the files that point does not have, and the last one goes on from it."""
    from charter import history as hist

    monkeypatch.setattr(hist, "_COST_PER_NEW_FILE", 1.0)
    monkeypatch.setattr(hist, "_COST_PER_BYTE", 0.0)
    monkeypatch.setattr(hist, "_COST_PYTHON_CHANGED", 0.0)
    common = {f"c{j}": (0, False) for j in range(10)}
    # points 0-11 change one file each, points 12-23 five files each
    trees = [{**common, f"a{i}": (0, False)} for i in range(12)]
    trees += [
        {**common, "a11": (0, False), **{f"b{i}-{j}": (0, False) for j in range(5)}}
        for i in range(12, 24)
    ]
    new = [{k: v for k, v in t.items() if k not in (trees[i - 1] if i else {})}
           for i, t in enumerate(trees)]  # fmt: skip
    costs = hist._Costs(
        after=[float(len(n)) for n in new],
        cold=[float(len(t)) for t in trees],
        base=[0.0] * 24,
        blobs=trees,
        new=new,
    )
    # point 16 first: 16 / 2 = 8 on both workers; then points 0-15: a0 (the only file of
    # point 0 not in point 16's tree) + 10 * 1 (a1-a10) + 0 (a11 is in it) + 4 * 5 = 31,
    # and points 17-23: 7 * 5 = 35. One point earlier: 8 + max(26, 40); one later: 8 + 36
    assert hist._plan(costs, 2, 2) == [(0, 16), (16, 24)]
    points = [object()] * 24
    assert [len(s) for s in hist._stretches(points, 2, costs)] == [16, 8]  # type: ignore[arg-type]
    # with the pool of one worker, point 16's own cost weighs twice as much, the same cut
    assert hist._plan(costs, 2, 1) == [(0, 16), (16, 24)]
    # the cut of the earlier points: costliest stretch least, then the sum
    assert hist._balanced([1.0] * 12 + [5.0] * 12, [10.0] * 24, 2) == [(0, 16), (16, 24)]
    assert hist._balanced([1.0] * 4, [1.0, 100.0, 100.0, 100.0], 2) == [(0, 4)]
    # without costs: equal lengths
    assert [len(s) for s in hist._stretches(points, 2)] == [12, 12]  # type: ignore[arg-type]


def test_a_yaml_text_parsed_before_is_not_parsed_again_and_never_shared_for_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a history, a YAML file unchanged from one point to the next is parsed once; each
    point's files get their own copy of the documents, so that what one point does with them
    cannot change the next point's."""
    from charter import sources

    parsed: list[str] = []
    load = sources._load_documents

    def counted(text: str) -> list[object]:
        parsed.append(text)
        return load(text)

    monkeypatch.setattr(sources, "_load_documents", counted)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    text = "name: ci\njobs:\n  test:\n    steps: [{run: pytest}]\n"
    for folder in ("a", "b"):
        (tmp_path / folder / "ci.yml").write_text(text, encoding="utf-8")
    (tmp_path / "a" / "bad.yml").write_text("a: [1\n", encoding="utf-8")
    with sources.yaml_memoised():
        first = sources.SourceFile(tmp_path / "a", "ci.yml").yaml_documents
        assert first is not None
        first[0]["jobs"].clear()  # a rule that changes what it was given
        second = sources.SourceFile(tmp_path / "b", "ci.yml").yaml_documents
        nodes = [sources.SourceFile(tmp_path / d, "ci.yml").yaml_nodes for d in "ab"]
        bad = [sources.SourceFile(tmp_path / "a", "bad.yml") for _ in range(2)]
        assert [f.yaml_documents for f in bad] == [None, None]
        assert all(f.problems for f in bad)  # a failing parse is reported at every point
    assert second == [{"name": "ci", "jobs": {"test": {"steps": [{"run": "pytest"}]}}}]
    assert parsed.count(text) == 1
    assert nodes[0] is nodes[1]
    # outside a history nothing is kept
    assert sources.SourceFile(tmp_path / "b", "ci.yml").yaml_documents == second
    assert parsed.count(text) == 2


def test_a_file_back_at_an_earlier_content_is_not_analysed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A point's cache keeps one result per path (that point's version); a file that returns
    to a content an earlier point of the same history had is not analysed again, and the point
    still reports what ``audit --ref`` reports."""
    from charter import api
    from charter import history as hist

    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    loose = "def total(a, b):\n    return a + b\n"
    typed = "def total(a: int, b: int) -> int:\n    return a + b\n"
    commit(root, {**FILLER, "app.py": loose}, 0, "a")
    commit(root, {"app.py": typed}, 14, "b")
    last = commit(root, {"app.py": loose}, 28, "c")
    reports = keep_reports(monkeypatch)
    doc = hist.run(root, api.Options(jobs=1), since="5w", every="2w")
    assert [p["cache_misses"] for p in doc["points"]] == [len(FILLER) + 1, 1, 0]
    # the result taken again is the one audit --ref gives: the same findings, in place
    want = api.audit(root, api.Options(ref=last, jobs=1))
    places = [(f.rule, f.path, f.line, f.fingerprint) for f in want.active_findings()]
    got = reports[last].active_findings()  # type: ignore[attr-defined]
    assert [(f.rule, f.path, f.line, f.fingerprint) for f in got] == places
    assert ("type-hints", "app.py", 1) in {p[:3] for p in places}
    assert doc["points"][0]["scores"] == doc["points"][-1]["scores"]


def test_the_ci_model_is_built_again_only_when_what_it_read_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rule that runs again at a point (a file was added) takes the CI model an earlier
    point built when the workflows it read did not change; a changed workflow builds it
    again. Every point still reports what ``audit --ref`` reports."""
    from charter import api
    from charter import history as hist
    from charter.analyzers.ci import model

    builds: list[int] = []
    build = model._build

    def counted(repo: object) -> object:
        builds.append(1)
        return build(repo)  # type: ignore[arg-type]

    monkeypatch.setattr(model, "_build", counted)
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    flow = "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: {}\n"
    project = '[project]\nname = "r"\n\n[tool.ruff]\nline-length = 100\n'
    commit(root, {**FILLER, "pyproject.toml": project,
                  ".github/workflows/ci.yml": flow.format("pytest")}, 0, "a")  # fmt: skip
    commit(root, {"pkg/extra.py": "def g(a: int) -> int:\n    return a\n"}, 14, "b")
    commit(root, {".github/workflows/ci.yml": flow.format("ruff check .")}, 28, "c")
    reports = keep_reports(monkeypatch)
    doc = hist.run(root, api.Options(jobs=1), since="5w", every="2w")
    assert len(doc["points"]) == 3 and doc["points"][1]["repo_cache_misses"] > 0
    assert len(builds) == 2  # the first workflow's model, then the second's
    # ruff configured, and run from the second workflow on
    flips = [
        (f["point"], f["from"], f["to"]) for f in doc["flips"] if f["rule"] == "ruff-configured"
    ]
    assert flips == [(2, "fail", "pass")]
    assert [p["commit"] for p in doc["points"]] == list(reports)
    for sha, got in reports.items():  # each point's findings, in place, as audit --ref
        want = api.audit(root, api.Options(ref=sha, jobs=1))
        assert [
            (f.rule, f.path, f.line, f.fingerprint)
            for f in got.active_findings()  # type: ignore[attr-defined]
        ] == [(f.rule, f.path, f.line, f.fingerprint) for f in want.active_findings()], sha
