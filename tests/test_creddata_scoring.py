"""The pure parts of benchmarks/secrets_creddata.py: CredData ids, label parsing, line scoring.

The benchmark itself needs mirrors of public repositories and is never run here; these tests
use made-up labels and paths only."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "secrets_creddata.py"
_SPEC = importlib.util.spec_from_file_location("secrets_creddata", _PATH)
assert _SPEC is not None and _SPEC.loader is not None
bench = importlib.util.module_from_spec(_SPEC)
sys.modules["secrets_creddata"] = bench
_SPEC.loader.exec_module(bench)

META = """\
Id,FileID,Domain,RepoName,FilePath,LineStart,LineEnd,GroundTruth,ValueStart,ValueEnd,CryptographyKey,PredefinedPattern,Category
1,935426a2,GitHub,d98acb08,data/d98acb08/src/935426a2.py,3,3,T,12,30,,,Password
2,935426a2,GitHub,d98acb08,data/d98acb08/src/935426a2.py,7,7,F,10,14,,,Password
3,935426a2,GitHub,d98acb08,data/d98acb08/src/935426a2.py,10,14,T,,,,,PEM Private Key
4,935426a2,GitHub,d98acb08,data/d98acb08/src/935426a2.py,20,20,X,,,,,Token
5,935426a2,GitHub,d98acb08,data/d98acb08/src/935426a2.py,3,3,T,40,52,,,Key
"""


def test_file_id_is_the_sha256_prefix_of_the_repository_path() -> None:
    assert bench.file_id("config/settings.py") == "935426a2"
    assert bench.file_id("config/settings.py") != bench.file_id("./config/settings.py")


def test_meta_id_is_the_crc32_of_the_snapshot_key() -> None:
    assert bench.meta_id("ab" * 32) == "d98acb08"


def test_extension_is_lower_case_and_empty_for_dot_files() -> None:
    assert bench.extension("a/B.YML") == ".yml"
    assert bench.extension("deploy/.env") == ""
    assert bench.extension("x.tar.gz") == ".gz"


def test_parse_meta_reads_ranges_truth_category_and_extension() -> None:
    rows = bench.parse_meta(META)
    assert [(r.start, r.end, r.truth, r.category) for r in rows] == [
        (3, 3, "T", "Password"),
        (7, 7, "F", "Password"),
        (10, 14, "T", "PEM Private Key"),
        (20, 20, "X", "Token"),
        (3, 3, "T", "Key"),
    ]
    assert {r.ext for r in rows} == {".py"}


def test_score_counts_lines_inside_t_labels_as_true_and_the_rest_as_false() -> None:
    key = ("d98acb08", "config/settings.py")
    labels = {key: bench.parse_meta(META)}
    reported = [
        (key, 3),   # T (two T rows on one line: one label, one true line)
        (key, 3),   # the same line twice counts once
        (key, 7),   # F
        (key, 12),  # inside the T range 10..14
        (key, 20),  # X
        (key, 25),  # unlabelled
        (("d98acb08", "other.py"), 1),  # a file without labels
    ]
    s = bench.score(labels, reported)
    assert (s.reported, s.tp, s.fp) == (6, 2, 4)
    assert (s.detected, s.t_labels) == (2, 2)
    assert s.missed == []
    reasons = sorted((line, truth) for _k, line, truth, _c in s.false_lines)
    assert reasons == [(1, "unlabelled"), (7, "F"), (20, "X"), (25, "unlabelled")]
    assert s.precision == pytest.approx(2 / 6)
    assert s.recall == 1.0
    assert s.f1 == pytest.approx(2 * (2 / 6) / (2 / 6 + 1))


def test_score_reports_each_t_label_without_a_line_as_a_miss() -> None:
    key = ("d98acb08", "config/settings.py")
    s = bench.score({key: bench.parse_meta(META)}, [(key, 9), (key, 15)])
    assert (s.tp, s.fp, s.detected, s.t_labels) == (0, 2, 0, 2)
    assert sorted((line, cat) for _k, line, cat in s.missed) == [
        (3, "Password"), (10, "PEM Private Key"),
    ]
    assert (s.precision, s.recall, s.f1) == (0.0, 0.0, 0.0)


def test_nothing_reported_and_nothing_labelled_scores_zero_without_dividing_by_zero() -> None:
    s = bench.score({}, [])
    assert (s.precision, s.recall, s.f1) == (0.0, 0.0, 0.0)


def test_mask_shows_at_most_three_characters_and_a_fifth_of_the_value() -> None:
    made_up = "zq" * 20
    assert bench.mask(made_up) == "zqz…(40 chars)"
    assert bench.mask("pizza") == "p…(5 chars)"
    assert bench.mask("abc") == "…(3 chars)"


def test_split_reported_maps_relative_and_absolute_paths_to_repository_and_path() -> None:
    root = Path("/scratch/creddata")
    assert bench.split_reported(root, "./d98acb08/src/a.py") == ("d98acb08", "src/a.py")
    assert bench.split_reported(root, "/scratch/creddata/d98acb08/a.py") == ("d98acb08", "a.py")
    assert bench.split_reported(root, "/elsewhere/x/a.py") is None
    assert bench.split_reported(root, "top-level.txt") is None


def test_languages_and_file_groups_come_from_the_extension() -> None:
    assert bench.repo_languages([".py", ".py", ".go", ".md"]) == ["Python", "Go"]
    assert bench.file_group(".tfstate") == "config"
    assert bench.file_group(".rst") == "docs"
    assert bench.file_group(".mjs") == "code"
    assert bench.file_group(".pem") == "other"


def test_ml_delta_scores_only_the_lines_the_ml_stage_adds_and_names_their_categories() -> None:
    key = ("d98acb08", "src/app.py")
    labels = {key: [bench.Label("x", 1, 1, "T", "Password", ".py"),
                    bench.Label("x", 5, 5, "T", "UUID", ".py")]}
    alone, with_ml = bench.ToolRun("charter"), bench.ToolRun("charter+ML")
    alone.lines = {(key, 1)}
    with_ml.lines = {(key, 1), (key, 5), (key, 9)}
    scores = {"charter": bench.score(labels, alone.lines),
              "charter+ML": bench.score(labels, with_ml.lines)}
    text = "\n".join(bench.ml_delta([alone, with_ml], scores, labels))
    assert "adds 2 lines to charter's: 1 inside a T label, 1 not (0.50 precision)" in text
    assert "in-sample" in text
    assert "| UUID | 1 |" in text and "Password" not in text


def test_ml_policies_override_only_the_rules_ml_parameter(tmp_path: Path) -> None:
    import yaml

    folder = bench.ml_policies(tmp_path / "policies")
    rule = yaml.safe_load((folder / "rules" / "no-hardcoded-secrets.yaml").read_text())
    assert rule["params"] == {
        "outside_source": "issued",
        "outside_source_severity": "low",
        "ml_validator": True,
    }
    assert rule["id"] == "no-hardcoded-secrets" and rule["examples"]["failing"]


def test_the_sweep_variant_overrides_only_outside_source(tmp_path: Path) -> None:
    import yaml

    folder = bench.override_policies(tmp_path / "policies", {"outside_source": "all"})
    rule = yaml.safe_load((folder / "rules" / "no-hardcoded-secrets.yaml").read_text())
    assert rule["params"] == {
        "outside_source": "all",
        "outside_source_severity": "low",
        "ml_validator": False,
    }
