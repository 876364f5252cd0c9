"""The new-user walkthrough (scripts/try-as-new-user.sh) covers every command the pages show.

The walkthrough itself runs in .ci/run (it builds a fresh venv); here only its bookkeeping is
checked, so that a command added to a page without a step fails the suite at once.
"""

from __future__ import annotations

import importlib.util
import sys

from helpers import ROOT

SCRIPT = ROOT / "scripts" / "try_as_new_user.py"
spec = importlib.util.spec_from_file_location("try_as_new_user", SCRIPT)
assert spec and spec.loader
walk = importlib.util.module_from_spec(spec)
sys.modules["try_as_new_user"] = walk
spec.loader.exec_module(walk)


def test_every_documented_command_has_a_step_and_every_step_a_page():
    commands = walk.doc_commands()
    assert walk.check_coverage(commands) == []
    pages = {c.page for c in commands}
    assert {"README.md", "docs/ci.md", "docs/agent-profiles.md", "docs/custom-policies.md"} <= pages


def test_the_readme_commands_come_first_and_verbatim():
    first = [c.command for c in walk.doc_commands()[:2]]
    assert first == [
        "pip install -e . && charter audit sample_repos/compliant-service",
        "pip install -e '.[test]' && pytest",
    ]


def test_a_new_command_on_a_page_is_reported():
    extra = walk.DocCommand("docs/ci.md", 1, "charter audit . --frobnicate")
    problems = walk.check_coverage([*walk.doc_commands(), extra])
    assert problems == [
        "docs/ci.md:1: `charter audit . --frobnicate` has no step in try_as_new_user.py"
    ]


def test_a_step_whose_command_left_every_page_is_reported():
    commands = [c for c in walk.doc_commands() if walk.key(c.command) != "charter profiles"]
    assert walk.check_coverage(commands) == [
        "step `charter profiles` is on no page any more: remove it from STEPS"
    ]


def test_trailing_comments_and_spacing_do_not_change_the_key():
    assert (
        walk.key("charter audit .   --ref HEAD~1    # a commit") == "charter audit . --ref HEAD~1"
    )
