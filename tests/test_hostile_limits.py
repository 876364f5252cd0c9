"""A file that would make a parser take gigabytes is a contained skip, in a worker process
and on the serial path alike: the rest of the audit and its report are unharmed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import write_tree

#: an 80 KB ``import b.b.b...`` takes about 2 GB in CPython's parser
DOTTED = "import " + ".".join(["b"] * 40000) + "\n"


@pytest.mark.parametrize("files", [1, 70], ids=["serial", "pool"])
def test_a_file_that_exhausts_memory_is_a_contained_skip(tmp_path: Path, files: int) -> None:
    tree = {"bomb.py": DOTTED, "app.py": "def f(a):\n    return a\n"}
    tree.update({f"pkg/m{i}.py": f"X{i} = {i}\n" for i in range(files)})
    root = write_tree(tmp_path / "repo", tree)
    out = tmp_path / "report.json"
    env = {**os.environ, "CHARTER_WORKER_MEMORY_MB": "300"}
    proc = subprocess.run(
        [sys.executable, "-m", "charter", "audit", str(root), "--no-cache", "--no-repo-config",
         "--jobs", "2", "--fail-on", "none", "--format", "json", "--output", str(out)],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert not [r["id"] for r in report["rules"] if r["status"] == "error"]
    bomb = [f for f in report["findings"] if f["path"] == "bomb.py"]
    assert [f["rule"] for f in bomb] == ["parse-error"]
    hints = [(f["path"], f["line"]) for f in report["findings"] if f["rule"] == "type-hints"]
    assert ("app.py", 1) in hints


def test_equal_per_file_values_are_shared_and_results_unchanged(tmp_path: Path) -> None:
    """What keeps memory flat on 100k files: equal values of file results are one object, and
    the report is the same as without sharing."""
    from collections import Counter

    from charter.compact import Interner
    from charter.engine import FileResult

    interner = Interner()
    a = FileResult("a.py", counters={"r": Counter(x=1)}, facts={"r": [{"routes": []}]})
    a.applicable = {"r", "s"}
    b = FileResult("b.py", counters={"r": Counter(x=1)}, facts={"r": [{"routes": []}]})
    b.applicable = {"s", "r"}
    a, b = interner.result(a), interner.result(b)
    assert a.applicable is b.applicable and a.applicable == {"r", "s"}
    assert a.counters["r"] is b.counters["r"] and a.facts["r"] is b.facts["r"]
    c = interner.result(FileResult("c.py", counters={"r": Counter(x=2)}))
    assert c.counters["r"] == Counter(x=2) and c.counters["r"] is not a.counters["r"]
