"""rust-no-unwrap: ``.unwrap()`` in production Rust code.

Test code is left out: ``#[cfg(test)]`` modules (inline, or ``#[cfg(test)] mod tests;`` files,
resolved in the repo phase), ``#[test]``-like functions, files starting with ``#![cfg(test)]``,
and the ``tests/``, ``examples/`` and ``benches/`` folders of every crate (plus ``build.rs``,
which runs at build time, where a panic is the way to fail). ``.unwrap()`` inside macro
arguments (``format!("{}", x.unwrap())``) counts too; ``unwrap_or*`` and ``expect`` do not.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any, ClassVar

import tree_sitter
from pydantic import BaseModel, ConfigDict

from charter.analyzers.base import Analyzer, Emitter, path_matches
from charter.analyzers.rust.common import is_test_crate_file, is_test_item
from charter.analyzers.treesitter import ancestors, captures, text
from charter.repo import RepoIndex
from charter.sources import SourceFile

_QUERY = """
(mod_item) @mod
(call_expression
  function: (field_expression field: (field_identifier) @field (#eq? @field "unwrap"))) @call
(token_tree (identifier) @macro_unwrap (#eq? @macro_unwrap "unwrap"))
"""
CRATE_ROOT_FILES = frozenset({"lib.rs", "main.rs", "mod.rs", "build.rs"})


class RustNoUnwrapParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ignore: tuple[str, ...] = (
        "tests/**",
        "**/tests/**",
        "examples/**",
        "**/examples/**",
        "benches/**",
        "**/benches/**",
        "build.rs",
        "**/build.rs",
    )


def _is_unwrap_call(node: tree_sitter.Node) -> bool:
    if node.type == "call_expression":
        callee = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        return (
            callee is not None
            and callee.type == "field_expression"
            and text(callee.child_by_field_name("field")) == "unwrap"
            and args is not None
            and not args.named_children
        )
    # inside a macro's token tree: `.` `unwrap` `()`
    if node.type == "identifier" and node.parent is not None and node.parent.type == "token_tree":
        before, after = node.prev_sibling, node.next_sibling
        return (
            text(node) == "unwrap"
            and before is not None
            and before.type == "."
            and after is not None
            and after.type == "token_tree"
            and text(after).replace(" ", "") == "()"
        )
    return False


def _in_test_code(node: tree_sitter.Node) -> bool:
    return any(
        a.type in {"mod_item", "function_item", "impl_item"} and is_test_item(a)
        for a in ancestors(node)
    )


def _module_dir(path: str) -> PurePosixPath:
    """The folder where ``mod x;`` declared in ``path`` looks for ``x.rs`` / ``x/mod.rs``."""
    pure = PurePosixPath(path)
    if pure.name in CRATE_ROOT_FILES or pure.parent.name == "bin":
        return pure.parent
    return pure.parent / pure.stem


class RustNoUnwrapAnalyzer(Analyzer):
    name: ClassVar[str] = "rust-no-unwrap"
    Params = RustNoUnwrapParams
    params: RustNoUnwrapParams
    kinds: ClassVar[frozenset[str]] = frozenset({"rust"})

    def applies_to(self, file: SourceFile) -> bool:
        return super().applies_to(file) and not path_matches(file.path, self.params.ignore)

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        tree = file.syntax_tree
        if tree is None:
            return
        root = tree.root_node
        found = captures(tree.language, root, _QUERY)
        test_mods = [
            text(item.child_by_field_name("name"))
            for item in found.get("mod", [])
            if item.child_by_field_name("body") is None and is_test_item(item)
        ]
        sites: list[list[int]] = []
        if not is_test_crate_file(root):
            candidates = sorted(
                [*found.get("call", []), *found.get("macro_unwrap", [])],
                key=lambda n: n.start_byte,
            )
            for node in candidates:
                if _is_unwrap_call(node) and not _in_test_code(node):
                    target = node
                    if node.type == "call_expression":
                        callee = node.child_by_field_name("function")
                        field = callee.child_by_field_name("field") if callee else None
                        target = field or node
                    sites.append([target.start_point[0] + 1, target.start_point[1] + 1])
        out.fact({"unwraps": sites, "test_mods": test_mods})

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        facts = repo.facts(self)
        if not facts:
            out.not_applicable("no production Rust code")
            return
        test_paths: list[PurePosixPath] = []
        for path, items in facts.items():
            base = _module_dir(path)
            for name in items[0]["test_mods"]:
                test_paths.append(base / f"{name}.rs")
                test_paths.append(base / name)
        checked = 0
        for path in sorted(facts):
            pure = PurePosixPath(path)
            if any(pure == t or t in pure.parents for t in test_paths):
                continue
            checked += 1
            fact: dict[str, Any] = facts[path][0]
            for line, column in fact["unwraps"]:
                out.report(
                    line,
                    "`.unwrap()` in production code panics on None/Err; propagate with `?`, "
                    'handle the case, or use `.expect("why this cannot fail")`',
                    path=path,
                    column=column,
                )
        if checked == 0:
            out.not_applicable("no production Rust code (only tests)")
