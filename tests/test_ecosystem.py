"""The ecosystem check's own machinery (benchmarks/ecosystem/ecosystem.py), on snapshots and
labels written for the test: the diff a reviewer reads, the fixed-seed sample, label matching
and the precision classes that decide the default gate."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks" / "ecosystem"))
import ecosystem as eco


def snapshot(repo: str, findings: list[list[object]], exit_code: int = 1) -> dict[str, object]:
    return {
        "repo": repo,
        "commit": "0" * 40,
        "charter": "test",
        "exit_code": exit_code,
        "gate": "",
        "files": 3,
        "scores": {},
        "rules": {},
        "findings": findings,
    }


def write(folder: Path, *snaps: dict[str, object]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for snap in snaps:
        name = str(snap["repo"]).replace("/", "+")
        (folder / f"{name}.json").write_text(eco.dump_snapshot(snap), encoding="utf-8")
    return folder


def test_snapshots_round_trip_one_finding_per_line(tmp_path: Path) -> None:
    snap = snapshot("a/b", [["type-hints", "app.py", 3, "high", True, "function `f` ..."]])
    folder = write(tmp_path, snap)
    text = (folder / "a+b.json").read_text(encoding="utf-8")
    assert '  ["type-hints", "app.py", 3, "high", true, "function `f` ..."]\n' in text
    assert eco.load_snapshots(folder) == {"a/b": json.loads(text)}


def test_diff_shows_added_removed_and_changed_findings_per_repository(tmp_path: Path) -> None:
    old = write(
        tmp_path / "old",
        snapshot(
            "a/b",
            [
                ["type-hints", "app.py", 3, "high", True, "missing return"],
                ["docstrings", "app.py", 1, "low", False, "no docstring"],
                ["f-strings", "util.py", 9, "low", False, "use an f-string"],
            ],
        ),
    )
    new = write(
        tmp_path / "new",
        snapshot(
            "a/b",
            [
                ["type-hints", "app.py", 3, "high", True, "missing parameter and return"],
                ["docstrings", "app.py", 1, "low", True, "no docstring"],
                ["pathlib-over-os-path", "util.py", 4, "low", False, "use Path"],
            ],
            exit_code=0,
        ),
    )
    text = eco.diff(eco.load_snapshots(old), eco.load_snapshots(new))
    assert text.startswith("# ecosystem diff: +1 -1 ~2 over 1 repositories")
    assert "## a/b: +1 -1 ~2 (exit 1 -> 0)" in text
    assert "+ util.py:4 pathlib-over-os-path [low, advisory] use Path" in text
    assert "- util.py:9 f-strings [low, advisory] use an f-string" in text
    assert "~ app.py:3 type-hints [high, gating] missing return" in text
    assert "  -> app.py:3 type-hints [high, gating] missing parameter and return" in text
    assert "~ app.py:1 docstrings [low, advisory] no docstring" in text  # now gating
    assert "| f-strings | 0 | 1 | 0 |" in text


def test_unchanged_snapshots_diff_to_nothing(tmp_path: Path) -> None:
    snap = snapshot("a/b", [["type-hints", "app.py", 3, "high", True, "x"]])
    folder = write(tmp_path, snap)
    assert eco.diff(eco.load_snapshots(folder), eco.load_snapshots(folder)).startswith(
        "# ecosystem diff: +0 -0 ~0 over 1 repositories\n"
    )


def current(rule: str, n: int, repo: str = "a/b") -> list[eco.Current]:
    return [eco.Current(repo, rule, f"m{i}.py", i + 1, "high", True, "msg") for i in range(n)]


def test_the_sample_is_fixed_and_a_new_finding_takes_its_place_by_hash() -> None:
    found = current("type-hints", 40) + current("docstrings", 3)
    first = eco.sample(found)
    assert len(first["type-hints"]) == eco.PER_RULE
    assert len(first["docstrings"]) == 3  # all of them where fewer exist
    assert eco.sample(list(reversed(found))) == first  # order of the input does not matter
    grown = eco.sample([*found, *current("type-hints", 60, repo="c/d")])
    kept = set(first["type-hints"]) & set(grown["type-hints"])
    assert kept and len(grown["type-hints"]) == eco.PER_RULE


def test_labels_match_by_place_and_message_and_flag_a_changed_message() -> None:
    labels = [
        eco.Label("a/b", "type-hints", "m0.py", 1, "tp", "real", "msg"),
        eco.Label("a/b", "type-hints", "m1.py", 2, "noise", "trivial", "old message"),
    ]
    found = current("type-hints", 3)
    matched, stale = eco.match_labels(found, labels)
    assert {f.path: lb.label for f, lb in matched.items()} == {"m0.py": "tp", "m1.py": "noise"}
    assert [f.path for f in stale] == ["m1.py"]


@pytest.mark.parametrize(
    ("precision", "labelled", "cls"),
    [
        (1.0, 15, "very-high"),
        (0.95, 20, "very-high"),
        (0.9, 10, "high"),
        (0.85, 20, "high"),
        (0.7, 10, "medium"),
        (0.2, 15, "low"),
        (1.0, 4, "unmeasured"),
        (None, 0, "unmeasured"),
    ],
)
def test_precision_classes(precision: float | None, labelled: int, cls: str) -> None:
    assert eco.precision_class(precision, labelled) == cls


def test_totals_count_noise_as_wrong_and_gating_apart() -> None:
    snaps = {
        "a/b": snapshot(
            "a/b",
            [
                ["type-hints", "m0.py", 1, "high", True, "msg"],
                ["type-hints", "m1.py", 2, "high", True, "msg"],
                ["docstrings", "m2.py", 3, "low", False, "msg"],
                ["docstrings", "m3.py", 4, "low", False, "msg"],
            ],
        )
    }
    labels = [
        eco.Label("a/b", "type-hints", "m0.py", 1, "tp", "r", "msg"),
        eco.Label("a/b", "type-hints", "m1.py", 2, "tp", "r", "msg"),
        eco.Label("a/b", "docstrings", "m2.py", 3, "noise", "r", "msg"),
        eco.Label("a/b", "docstrings", "m3.py", 4, "tp", "r", "msg"),
    ]
    t = eco.totals(snaps, labels)
    assert (t["gating_labelled"], t["gating_precision"]) == (2, 1.0)
    assert (t["all_labelled"], t["all_precision"]) == (4, 0.75)
    doc = eco.precision_markdown(snaps, labels)
    assert "| docstrings | 2 | 0 | 2 | 1 | 0 | 1 | 50% |" in doc


def test_before_after_judges_every_version_by_the_same_labels() -> None:
    old = {
        "a/b": snapshot(
            "a/b",
            [
                ["docstrings", "m2.py", 3, "low", False, "msg"],
                ["docstrings", "m3.py", 4, "low", False, "msg"],
            ],
        )
    }
    new = {"a/b": snapshot("a/b", [["docstrings", "m3.py", 4, "low", False, "msg"]], 0)}
    labels = [
        eco.Label("a/b", "docstrings", "m2.py", 3, "noise", "r", "msg"),
        eco.Label("a/b", "docstrings", "m3.py", 4, "tp", "r", "msg"),
    ]
    doc = eco.before_after_markdown([("old", old), ("new", new)], labels)
    assert "| | old | new |" in doc
    assert "| repositories failing the default gate | 1 of 1 | 0 of 1 |" in doc
    assert "| precision, all labelled findings | 50% (n=2) | 100% (n=1) |" in doc
    assert "| docstrings | 2 | 50% (n=2) | 1 | 100% (n=1) | low |" in doc


def test_the_set_avoids_the_reserved_repositories() -> None:
    repos = eco.load_manifest()
    assert len(repos) >= 30
    assert all(len(r.commit) == 40 for r in repos)
    assert not {r.repo.lower() for r in repos} & eco._reserved()


def test_no_shipped_rule_gates_by_default_below_85_percent() -> None:
    """The default gate holds only rules measured high or very-high on the set (or right by
    construction, basis "exact"); every shipped rule says where its class comes from."""
    from charter.policy import load_policies

    rules = load_policies().rules.values()
    assert all(r.precision.basis != "declared by the policy's author" for r in rules)
    for rule in rules:
        if rule.precision.gates:
            if rule.precision.basis.startswith("exact"):
                continue
            assert rule.precision.measured is not None and rule.precision.measured >= 0.85, rule.id
            assert rule.precision.labelled >= eco.MIN_LABELLED, rule.id


def test_write_rule_precision_keeps_an_exact_rule_with_no_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    exact = 'precision:\n  class: very-high\n  measured: null\n  labelled: 0\n  basis: "exact: x"\n'
    (rules / "exact-rule.yaml").write_text(f"id: exact-rule\nseverity: low\n{exact}")
    (rules / "quiet-rule.yaml").write_text("id: quiet-rule\nseverity: low\n")
    monkeypatch.setattr(eco, "RULES_DIR", rules)
    eco.write_rule_precision({})
    assert exact in (rules / "exact-rule.yaml").read_text()
    quiet = (rules / "quiet-rule.yaml").read_text()
    assert "class: unmeasured" in quiet and "no finding on the set" in quiet


def test_rules_no_profile_states_are_audited_and_kept_out_of_the_scores(tmp_path: Path) -> None:
    """A rule no seed sentence states (imported profiles map to it) is in no built-in profile;
    the ecosystem check still measures it, through one extra profile whose score it keeps out
    of the snapshot."""
    here = Path(__file__).resolve().parents[1]
    catalog = eco.catalog_rules(here)
    assert "dockerfile-multi-stage" in catalog and "profile-drift" not in catalog
    assert "type-hints" not in catalog
    (tmp_path / "Dockerfile").write_text(
        "FROM golang:1.22\nCOPY . /src\nRUN go build -o /app /src\nCMD [\"/app\"]\n",
        encoding="utf-8",
    )
    (tmp_path / "main.go").write_text("package main\n\nfunc main() {}\n", encoding="utf-8")
    report = eco.audit_repo(tmp_path, here)
    snap = eco.snapshot_of(eco.Repo("a/b", "0" * 40, ""), report)
    assert [f[1:3] for f in snap["findings"] if f[0] == "dockerfile-multi-stage"] == [
        ["Dockerfile", 1]
    ]
    assert eco.CATALOG_PROFILE not in snap["scores"]
    assert "backend-polyglot" in snap["scores"]
