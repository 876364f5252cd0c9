"""SECURITY.md and the tests that prove it match one to one: every test it names exists, and
every test of the hostile-input suites is named there."""

from __future__ import annotations

import re

from helpers import ROOT

HOSTILE_SUITES = (
    "test_hostile_git.py",
    "test_fork_safety.py",
    "test_hostile_discovery.py",
    "test_hostile_limits.py",
    "test_unscanned.py",
)


def _defined() -> dict[str, str]:
    out: dict[str, str] = {}
    for path in (ROOT / "tests").glob("test_*.py"):
        for match in re.finditer(r"^def (test_\w+)", path.read_text(encoding="utf-8"), re.M):
            out[match.group(1)] = path.name
    return out


def test_every_test_security_md_names_exists() -> None:
    named = set(re.findall(r"`(test_\w+)", (ROOT / "SECURITY.md").read_text(encoding="utf-8")))
    assert named
    assert sorted(named - set(_defined())) == []


def test_every_hostile_input_test_is_a_promise_in_security_md() -> None:
    doc = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    unnamed = [
        f"{suite}::{name}"
        for name, suite in _defined().items()
        if suite in HOSTILE_SUITES and f"`{name}" not in doc
    ]
    assert unnamed == []
