"""charter audits itself: its own repository holds the gate of every built-in profile."""

from __future__ import annotations

import json
from pathlib import Path

from charter.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_charter_holds_its_own_gate_on_every_profile(tmp_path: Path) -> None:
    out = tmp_path / "self.json"
    code = main(["audit", str(ROOT), "--format", "json", "--output", str(out), "--no-cache"])
    report = json.loads(out.read_text(encoding="utf-8"))
    blocking = [
        f"{f['path']}:{f['line']} {f['rule']} ({f['severity']})"
        for f in report["findings"]
        if f["severity"] in ("critical", "high") and not (f["suppressed"] or f["baselined"])
    ]
    assert blocking == []
    assert code == 0
    errors = [r["id"] for r in report["rules"] if r["status"] == "error"]
    assert errors == []
    strictest = max(report["profiles"], key=lambda p: len(p["rules"]))
    assert strictest["id"] == "backend-polyglot"
    assert strictest["score"] >= 90


def test_charter_holds_its_own_gate_even_when_every_rule_gates(tmp_path: Path) -> None:
    """--strict: advisory rules (medium or low measured precision) gate too."""
    out = tmp_path / "strict.json"
    args = ["audit", str(ROOT), "--strict", "--format", "json", "--output", str(out)]
    assert main([*args, "--no-cache"]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert not any(f["advisory"] for f in report["findings"])
