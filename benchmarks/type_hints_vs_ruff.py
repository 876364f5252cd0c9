"""Agreement of charter's `type-hints` with ruff's flake8-annotations rules.

Method (rerun with ``python benchmarks/type_hints_vs_ruff.py [TREE]``):

1. The tree: by default this interpreter's standard library with tests left out (every folder
   named ``test``/``tests``/``idle_test``, ``site-packages``, and ``test_*.py``/``*_test.py``/
   ``conftest.py`` files), copied to a temporary folder so both tools see the same files.
2. ruff, default settings (``--isolated``), rules ANN001 ANN002 ANN003 ANN201 ANN202 ANN204
   ANN205 ANN206; each diagnostic is mapped to its function (return diagnostics sit on the
   function name; parameter diagnostics on the parameter, mapped through the ``ast`` tree).
3. charter's `type-hints` rule alone, through the API.
4. Both sides become sets of flagged functions ``(path, line of def)``; agreement is
   ``|both| / |either|``. Every difference is listed so it can be explained.

Needs ruff on PATH (``pip install ruff``).
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from charter.engine import run_audit
from charter.policy import Profile, ProfileRuleRef, load_policies

ANN_RULES = "ANN001,ANN002,ANN003,ANN201,ANN202,ANN204,ANN205,ANN206"
SKIP_PARTS = {"test", "tests", "idle_test", "site-packages", "__pycache__"}


def copy_stdlib(dest: Path) -> int:
    src = Path(sysconfig.get_paths()["stdlib"])
    count = 0
    for path in src.rglob("*.py"):
        rel = path.relative_to(src)
        if SKIP_PARTS & set(rel.parts[:-1]):
            continue
        name = rel.name
        if name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py":
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        count += 1
    return count


def function_index(root: Path, rel: str) -> dict[tuple[int, str], int]:
    """(line, parameter or function name) -> line of the function's def."""
    index: dict[tuple[int, str], int] = {}
    try:
        tree = ast.parse((root / rel).read_bytes())
    except (SyntaxError, ValueError):
        return index
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            index[(node.lineno, node.name)] = node.lineno
            a = node.args
            for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs]:
                index[(arg.lineno, arg.arg)] = node.lineno
            if a.vararg:
                index[(a.vararg.lineno, "*" + a.vararg.arg)] = node.lineno
            if a.kwarg:
                index[(a.kwarg.lineno, "**" + a.kwarg.arg)] = node.lineno
    return index


def ruff_flagged(root: Path) -> tuple[set[tuple[str, int]], float, list[str]]:
    started = time.perf_counter()
    proc = subprocess.run(
        ["ruff", "check", "--isolated", "--no-cache", "--select", ANN_RULES,
         "--output-format", "json", "--exit-zero", str(root)],
        capture_output=True, text=True, check=True,
    )
    elapsed = time.perf_counter() - started
    flagged: set[tuple[str, int]] = set()
    unmapped: list[str] = []
    indexes: dict[str, dict[tuple[int, str], int]] = {}
    for diag in json.loads(proc.stdout):
        rel = Path(diag["filename"]).resolve().relative_to(root.resolve()).as_posix()
        if rel not in indexes:
            indexes[rel] = function_index(root, rel)
        index = indexes[rel]
        line = diag["location"]["row"]
        msg = diag["message"]
        name = msg.split("`")[1] if "`" in msg else ""
        if diag["code"] in {"ANN002", "ANN003"} and not name.startswith("*"):
            name = ("*" if diag["code"] == "ANN002" else "**") + name
        key = (line, name)
        if key in index:
            flagged.add((rel, index[key]))
        else:
            unmapped.append(f"{rel}:{line} {diag['code']} {msg}")
    return flagged, elapsed, unmapped


def charter_flagged(root: Path) -> tuple[set[tuple[str, int]], float, dict[str, float | int]]:
    policies = load_policies()
    profile = Profile(id="bench", title="type-hints only", rules=(ProfileRuleRef(id="type-hints"),))
    started = time.perf_counter()
    report = run_audit(root, policies, [profile])
    elapsed = time.perf_counter() - started
    flagged = {(f.path, f.line) for f in report.findings if f.rule == "type-hints"}
    metrics = next(r.metrics for r in report.rules if r.id == "type-hints")
    return flagged, elapsed, metrics


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="charter-ann-") as tmp:
        root = Path(tmp)
        if argv:
            src = Path(argv[0])
            shutil.copytree(src, root / "tree", ignore=shutil.ignore_patterns(".git"))
            root = root / "tree"
            files = sum(1 for _ in root.rglob("*.py"))
        else:
            files = copy_stdlib(root)
        ruff_set, ruff_s, unmapped = ruff_flagged(root)
        ours, ours_s, metrics = charter_flagged(root)
    both = ruff_set & ours
    either = ruff_set | ours
    agreement = 100.0 * len(both) / len(either) if either else 100.0
    print(f"tree: {'stdlib (tests left out)' if not argv else argv[0]}, {files} .py files")
    print(f"functions checked by charter: {metrics.get('functions')}, "
          f"fully annotated: {metrics.get('annotated')} ({metrics.get('annotated_percent')}%)")
    print(f"flagged by ruff ANN: {len(ruff_set)}   by charter: {len(ours)}   both: {len(both)}")
    print(f"agreement |both|/|either|: {agreement:.3f}%")
    print(f"wall time: ruff {ruff_s:.2f}s, charter type-hints {ours_s:.2f}s")
    only_ruff = sorted(ruff_set - ours)
    only_ours = sorted(ours - ruff_set)
    for label, items in (("only ruff", only_ruff), ("only charter", only_ours)):
        print(f"{label}: {len(items)}")
        for path, line in items[:40]:
            print(f"  {path}:{line}")
    if unmapped:
        print(f"ruff diagnostics not mapped to a function: {len(unmapped)}")
        for item in unmapped[:10]:
            print(f"  {item}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
