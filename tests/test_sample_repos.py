"""Every sample repo under sample_repos/ is audited and compared with its expected.yaml.

``rules`` gives the expected status of each named rule; ``findings`` is the exact set of
(rule, path, line) for every rule named under ``rules``; ``exit_code`` is what
``charter audit`` returns with the default gate.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from charter.cli import main

SAMPLES = Path(__file__).resolve().parents[1] / "sample_repos"
CASES = sorted(p.parent for p in SAMPLES.glob("*/expected.yaml"))


def test_samples_exist():
    names = {p.name for p in CASES}
    assert {"compliant-service", "legacy-service"} <= names


@pytest.mark.parametrize("sample", CASES, ids=[p.name for p in CASES])
def test_sample_repo(sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    expected = yaml.safe_load((sample / "expected.yaml").read_text(encoding="utf-8"))
    out = tmp_path / "report.json"
    args = ["audit", str(sample), "--format", "json", "--output", str(out)]
    for profile in expected.get("profiles", []):
        args += ["--profile", profile]
    code = main(args)
    capsys.readouterr()
    report = json.loads(out.read_text(encoding="utf-8"))
    statuses = {r["id"]: r["status"] for r in report["rules"]}
    wanted_status = expected.get("rules", {})
    assert {k: statuses.get(k) for k in wanted_status} == wanted_status
    got = sorted(
        (f["rule"], f["path"], f["line"])
        for f in report["findings"]
        if f["rule"] in wanted_status
    )
    want = sorted((f["rule"], f["path"], f["line"]) for f in expected.get("findings") or [])
    assert got == want
    assert code == expected["exit_code"]
