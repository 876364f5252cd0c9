"""The analyzer API's shared pieces: glob matching and the batched ast walk."""

from __future__ import annotations

import ast
import fnmatch
import random
from pathlib import PurePosixPath

from charter.analyzers.base import (
    TEST_PATH_GLOBS,
    AstAnalyzer,
    Emitter,
    NoParams,
    batched_ast_walk,
    path_matches,
)


def _reference(path: str, globs: tuple[str, ...]) -> bool:
    pure = PurePosixPath(path)
    for pattern in globs:
        if pure.match(pattern) or fnmatch.fnmatchcase(path, pattern):
            return True
        if pattern.startswith("**/") and fnmatch.fnmatchcase(path, pattern[3:]):
            return True
        if pattern.endswith("/**") and (path + "/").startswith(pattern[:-2]):
            return True
    return False


def test_compiled_globs_agree_with_the_reference_semantics():
    globsets = [
        TEST_PATH_GLOBS,
        ("docs/**", "*.md", "src/*/api.py", "**/migrations/**", "a?c.py", "Dockerfile*"),
        ("examples/**", "benches/**"),
        ("*",),
        ("src/**/x.py",),
    ]
    parts = ["src", "tests", "test", "docs", "migrations", "examples", "x.py", "test_a.py",
             "a_test.py", "conftest.py", "api.py", "Dockerfile.dev", "README.md", "abc.py"]
    rng = random.Random(3)
    for _ in range(5000):
        path = "/".join(rng.choice(parts) for _ in range(rng.randint(1, 4)))
        for globs in globsets:
            assert path_matches(path, globs) == _reference(path, globs), (path, globs)


def test_test_paths_are_recognised():
    for path in ("tests/test_api.py", "pkg/tests/helpers.py", "test_x.py", "a/b_test.py",
                 "conftest.py", "src/conftest.py"):
        assert path_matches(path, TEST_PATH_GLOBS), path
    for path in ("src/app/api.py", "contest.py", "src/testing.py"):
        assert not path_matches(path, TEST_PATH_GLOBS), path


class _Recorder(AstAnalyzer):
    name = "recorder"

    def begin(self, file, out):  # type: ignore[override]
        self.events: list[str] = []

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.events.append(f"enter {node.name}")

    def leave_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.events.append(f"leave {node.name}")

    def visit_Call(self, node: ast.Call) -> None:
        self.events.append(f"call {ast.unparse(node.func)}")


class _StatementsOnly(_Recorder):
    statements_only = True


SOURCE = """
def outer():
    print("a")
    def inner():
        len([])
    return inner
"""


def test_batched_walk_visits_in_source_order_with_leave_after_children():
    rec = _Recorder(NoParams())
    rec.begin(None, Emitter())
    batched_ast_walk(ast.parse(SOURCE), [rec])
    assert rec.events == [
        "enter outer", "call print", "enter inner", "call len", "leave inner", "leave outer",
    ]


def test_statements_only_walk_skips_expressions_only_when_every_rule_agrees():
    quick = _StatementsOnly(NoParams())
    quick.begin(None, Emitter())
    batched_ast_walk(ast.parse(SOURCE), [quick])
    assert quick.events == ["enter outer", "enter inner", "leave inner", "leave outer"]

    full = _Recorder(NoParams())
    full.begin(None, Emitter())
    quick.begin(None, Emitter())
    batched_ast_walk(ast.parse(SOURCE), [quick, full])
    assert "call len" in full.events and "call len" in quick.events


def test_deep_nesting_does_not_hit_the_recursion_limit():
    expr: ast.expr = ast.Constant(1)
    for _ in range(20000):  # far deeper than any recursive visitor could go
        expr = ast.UnaryOp(op=ast.USub(), operand=expr)
    tree = ast.Module(body=[ast.Expr(value=expr)], type_ignores=[])
    rec = _Recorder(NoParams())
    rec.begin(None, Emitter())
    batched_ast_walk(tree, [rec])
    assert rec.events == []
