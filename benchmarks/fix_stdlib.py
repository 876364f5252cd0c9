"""`charter fix` on the standard library (issue 18), with ruff's ANN fixes beside it.

Method (rerun with ``python benchmarks/fix_stdlib.py``):

1. Two copies of this interpreter's standard library, tests left out (as
   ``benchmarks/type_hints_vs_ruff.py`` makes them), one for charter and one for ruff.
2. charter: audit with the `type-hints` rule alone (through the API), then ``api.fix`` with safe
   fixes only; re-audit. Reported: findings before and after, the share removed, files changed,
   files refused (compile failures and ast-equivalence failures, each must be 0), then a
   second ``fix`` that must change nothing (idempotence). Independently of charter's own
   checks, every changed file is compiled again and compared with the original by ``ast.dump``
   with annotations stripped.
3. The same with ``--unsafe-fixes`` on top (the decorated functions).
4. ruff: ``ruff check --isolated --select ANN --fix --unsafe-fixes`` on its copy, timed; then
   the ANN20x (return) diagnostics before and after, and the same compile and ast checks.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from type_hints_vs_ruff import copy_stdlib

from charter import api
from charter.fixes import ast_without_annotations

RETURN_CODES = "ANN201,ANN202,ANN204,ANN205,ANN206"


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*.py")}


def verify(before: dict[str, bytes], root: Path) -> tuple[int, int, int]:
    """(files changed, compile failures, ast-equivalence failures) against ``before``."""
    changed = compile_fail = ast_fail = 0
    for rel, old in before.items():
        new = (root / rel).read_bytes()
        if new == old:
            continue
        changed += 1
        try:
            compile(new, rel, "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            compile_fail += 1
            continue
        if ast_without_annotations(old) != ast_without_annotations(new):
            ast_fail += 1
    return changed, compile_fail, ast_fail


def charter_side(tree: Path, unsafe: bool) -> dict[str, object]:
    options = api.Options(select=("type-hints",), profiles=("backend-polyglot",))
    before = snapshot(tree)
    start = time.perf_counter()
    run = api.fix(tree, options, unsafe=unsafe)
    seconds = time.perf_counter() - start
    assert run.remaining is not None
    changed, compile_fail, ast_fail = verify(before, tree)
    second = api.fix(tree, options, unsafe=unsafe, write=False)
    return {
        "findings before": len(run.found),
        "findings after": len(run.remaining),
        "removed": len(run.found) - len(run.remaining),
        "return annotations added": sum(len(f.applied) for f in run.files if f.changed),
        "fixes withheld (unsafe)": sum(len(f.withheld) for f in run.files),
        "files changed": changed,
        "refused by charter": sum(1 for f in run.files if f.problem),
        "compile failures": compile_fail,
        "ast-equivalence failures": ast_fail,
        "second run changes": sum(1 for f in second.files if f.changed),
        "seconds (fix, with audit and re-audit)": round(seconds, 2),
    }


def ruff_returns(tree: Path) -> int:
    out = subprocess.run(
        ["ruff", "check", "--isolated", "--select", RETURN_CODES, "--output-format", "json", "."],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return len(json.loads(out or "[]"))


def ruff_side(tree: Path) -> dict[str, object]:
    before_count = ruff_returns(tree)
    before = snapshot(tree)
    start = time.perf_counter()
    subprocess.run(
        ["ruff", "check", "--isolated", "--select", "ANN", "--fix", "--unsafe-fixes", "-q", "."],
        cwd=tree,
        capture_output=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    after_count = ruff_returns(tree)
    changed, compile_fail, ast_fail = verify(before, tree)
    again = snapshot(tree)
    subprocess.run(
        ["ruff", "check", "--isolated", "--select", "ANN", "--fix", "--unsafe-fixes", "-q", "."],
        cwd=tree,
        capture_output=True,
        check=False,
    )
    second = sum(1 for rel, data in again.items() if (tree / rel).read_bytes() != data)
    return {
        "return findings before (ANN20x)": before_count,
        "return findings after": after_count,
        "removed": before_count - after_count,
        "files changed": changed,
        "compile failures": compile_fail,
        "ast-equivalence failures": ast_fail,
        "second run changes": second,
        "seconds (fix)": round(seconds, 2),
    }


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="charter-fix-bench-") as scratch:
        base = Path(scratch)
        n = copy_stdlib(base / "charter")
        shutil.copytree(base / "charter", base / "ruff")
        print(f"standard library of Python {sys.version.split()[0]}: {n} files (tests left out)")
        safe = charter_side(base / "charter", unsafe=False)
        unsafe = charter_side(base / "charter", unsafe=True)
        print(json.dumps({"charter safe": safe, "charter unsafe (after safe)": unsafe}, indent=2))
        found = safe["findings before"]
        assert isinstance(found, int)
        removed = safe["removed"]
        assert isinstance(removed, int)
        print(f"safe fixes remove {removed}/{found} = {100.0 * removed / found:.1f}%")
        if shutil.which("ruff"):
            print(json.dumps({"ruff": ruff_side(base / "ruff")}, indent=2))
        else:
            print("ruff not on PATH: no anchor")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
