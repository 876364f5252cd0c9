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
4. Before fixing, a breakdown of the findings by what a complete fix of each would need (a
   finding covers a whole function): the return type alone, by what the body returns (``None``,
   a bool, a str, a generator, anything else), or parameters, with literal defaults or not.
5. ruff: ``ruff check --isolated --select ANN --fix --unsafe-fixes`` on its copy, timed; then
   the ANN20x (return) diagnostics before and after, and the same compile and ast checks.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from type_hints_vs_ruff import copy_stdlib

from charter import api
from charter.analyzers.python.type_hints import missing_annotations
from charter.fixes import ast_without_annotations
from charter.models import Finding

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


_LITERAL_TYPES = (int, float, str, bytes, bool)


def _return_kind(value: ast.expr | None) -> str:
    if value is None or (isinstance(value, ast.Constant) and value.value is None):
        return "None"
    if isinstance(value, ast.Constant) and isinstance(value.value, bool):
        return "bool"
    if isinstance(value, ast.Compare) or (
        isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.Not)
    ):
        return "bool"
    if isinstance(value, ast.BoolOp):
        kinds = {_return_kind(v) for v in value.values}
        return "bool" if kinds == {"bool"} else "bool-ish call or other"
    if isinstance(value, ast.JoinedStr) or (
        isinstance(value, ast.Constant) and isinstance(value.value, str)
    ):
        return "str"
    if isinstance(value, ast.Constant) and type(value.value) in _LITERAL_TYPES:
        return f"{type(value.value).__name__} literal"
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id in ("isinstance", "issubclass", "hasattr", "callable", "bool")
    ):
        return "bool-ish call or other"
    return "anything else"


def _returns(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """What the own body of ``node`` returns: one kind, "generator", or "mixed"."""
    kinds: set[str] = set()
    stack: list[ast.AST] = list(node.body)
    while stack:
        item = stack.pop()
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(item, ast.Yield | ast.YieldFrom):
            return "generator"
        if isinstance(item, ast.Return):
            kinds.add(_return_kind(item.value))
        stack.extend(ast.iter_child_nodes(item))
    if kinds <= {"None"}:
        return "None"
    if len(kinds) == 1:
        return kinds.pop()
    return "anything else"


def _literal_default(node: ast.expr) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return (
        isinstance(node, ast.Constant)
        and node.value is not None
        and type(node.value) in _LITERAL_TYPES
    )


def breakdown(tree: Path, findings: tuple[Finding, ...] | list[Finding]) -> dict[str, int]:
    """The findings by what a complete fix needs (a finding covers a whole function)."""
    lines: dict[str, set[int]] = {}
    for f in findings:
        lines.setdefault(f.path, set()).add(f.line)
    out: dict[str, int] = {}

    def classify(node: ast.FunctionDef | ast.AsyncFunctionDef, is_method: bool) -> str:
        missing, no_return = missing_annotations(node, is_method)
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        defaults = dict(
            zip(
                [a.arg for a in positional[len(positional) - len(args.defaults) :]],
                args.defaults,
                strict=True,
            )
        )
        defaults.update(
            (a.arg, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d
        )
        returns = f"return: {_returns(node)}" if no_return else "return annotated"
        if not missing:
            return f"parameters complete, {returns}"
        if all(m in defaults and _literal_default(defaults[m]) for m in missing):
            return f"parameters: every missing one has a literal default, {returns}"
        return "parameters: some without a literal default (no fix can know their type)"

    for rel, wanted in lines.items():
        stack: list[tuple[ast.AST, str]] = [(ast.parse((tree / rel).read_bytes()), "module")]
        while stack:
            node, scope = stack.pop()
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    if child.lineno in wanted and scope != "function":
                        key = classify(child, scope == "class")
                        out[key] = out.get(key, 0) + 1
                    stack.append((child, "function"))
                elif isinstance(child, ast.ClassDef):
                    stack.append((child, "class"))
                else:
                    stack.append((child, scope))
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def charter_side(tree: Path, unsafe: bool) -> dict[str, object]:
    options = api.Options(select=("type-hints",), profiles=("backend-polyglot",))
    before = snapshot(tree)
    start = time.perf_counter()
    run = api.fix(tree, options, unsafe=unsafe)
    seconds = time.perf_counter() - start
    assert run.remaining is not None
    changed, compile_fail, ast_fail = verify(before, tree)
    second = api.fix(tree, options, unsafe=unsafe, write=False)
    # the audit's [*] marks: every marked finding must be gone after the fix
    wanted = {"safe", "unsafe"} if unsafe else {"safe"}
    marked = {(f.path, f.line) for f in run.found if f.fix in wanted}
    left = {(f.path, f.line) for f in run.remaining}
    return {
        "findings before": len(run.found),
        "findings after": len(run.remaining),
        "removed": len(run.found) - len(run.remaining),
        "marked fixable [*] before": len(marked),
        "marked [*] but still reported": len(marked & left),
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
        options = api.Options(select=("type-hints",), profiles=("backend-polyglot",))
        found = api.audit(base / "charter", options).findings
        print("type-hints findings by what a complete fix needs:")
        for key, count in breakdown(base / "charter", found).items():
            print(f"  {count:6d} {100.0 * count / len(found):5.1f}%  {key}")
        safe = charter_side(base / "charter", unsafe=False)
        unsafe = charter_side(base / "charter", unsafe=True)
        print(json.dumps({"charter safe": safe, "charter unsafe (after safe)": unsafe}, indent=2))
        before = safe["findings before"]
        assert isinstance(before, int)
        removed = safe["removed"]
        assert isinstance(removed, int)
        print(f"safe fixes remove {removed}/{before} = {100.0 * removed / before:.1f}%")
        if shutil.which("ruff"):
            print(json.dumps({"ruff": ruff_side(base / "ruff")}, indent=2))
        else:
            print("ruff not on PATH: no anchor")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
