"""rust-spawn-handled: the ``JoinHandle`` of ``tokio::spawn`` is not thrown away.

A spawn counts when the call is ``tokio::spawn(...)`` or ``tokio::task::spawn(...)`` (or a bare
``spawn(...)`` in a file that ``use``s one of them) and its handle is discarded: the call is a
statement of its own, or bound to ``_`` (``let _ = tokio::spawn(...)``). Keeping the handle in a
variable, a collection, a ``JoinSet``/``TaskTracker`` (their ``spawn`` methods are not
``tokio::spawn``) or awaiting it passes. Test code is left out as for ``rust-no-unwrap``.
"""

from __future__ import annotations

import re
from typing import ClassVar

import tree_sitter
from pydantic import BaseModel, ConfigDict

from charter.analyzers.base import Analyzer, Emitter, path_matches
from charter.analyzers.rust.common import is_test_crate_file, is_test_item
from charter.analyzers.treesitter import ancestors, captures, report, text
from charter.repo import RepoIndex
from charter.sources import SourceFile

_QUERY = "(call_expression function: [(scoped_identifier) (identifier)] @callee) @call"
SPAWNS = frozenset({"tokio::spawn", "tokio::task::spawn", "::tokio::spawn", "::tokio::task::spawn"})
_USE_SPAWN = re.compile(r"use\s+(::)?tokio::(task::)?(\{[^}]*\bspawn\b[^}]*\}|spawn\b)")


class RustSpawnHandledParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ignore: tuple[str, ...] = (
        "tests/**",
        "**/tests/**",
        "examples/**",
        "**/examples/**",
        "benches/**",
        "**/benches/**",
    )


def _discarded(call: tree_sitter.Node) -> bool:
    parent = call.parent
    if parent is None:
        return False
    if parent.type == "expression_statement":
        return True
    if parent.type == "let_declaration":
        pattern = parent.child_by_field_name("pattern")
        return pattern is not None and text(pattern) == "_"
    return False


class RustSpawnHandledAnalyzer(Analyzer):
    """Report ``tokio::spawn`` calls whose ``JoinHandle`` is dropped."""

    name: ClassVar[str] = "rust-spawn-handled"
    Params = RustSpawnHandledParams
    params: RustSpawnHandledParams
    kinds: ClassVar[frozenset[str]] = frozenset({"rust"})
    prefilter: ClassVar[tuple[str, ...]] = ("spawn",)

    def applies_to(self, file: SourceFile) -> bool:
        return super().applies_to(file) and not path_matches(file.path, self.params.ignore)

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        tree = file.syntax_tree
        source = file.text or ""
        if tree is None or "tokio" not in source:
            return
        out.fact(True)
        if is_test_crate_file(tree.root_node):
            return
        bare_ok = bool(_USE_SPAWN.search(source))
        for call in captures(tree.language, tree.root_node, _QUERY).get("call", []):
            callee = call.child_by_field_name("function")
            name = text(callee).replace(" ", "")
            if name not in SPAWNS and not (bare_ok and name == "spawn"):
                continue
            if not _discarded(call):
                continue
            if any(
                a.type in {"mod_item", "function_item", "impl_item"} and is_test_item(a)
                for a in ancestors(call)
            ):
                continue
            report(
                out,
                callee or call,
                f"the JoinHandle of {name}(...) is dropped: the task's panic or error is lost "
                "and shutdown cannot wait for it; keep the handle (await it, or add the task "
                "to a JoinSet/TaskTracker)",
            )

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        if not any(repo.facts(self).values()):
            out.not_applicable("no non-test Rust code uses tokio")
