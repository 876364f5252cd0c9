"""go-context-first: a ``context.Context`` parameter anywhere but first."""

from __future__ import annotations

from typing import ClassVar

import tree_sitter
from pydantic import BaseModel, ConfigDict

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.go.common import (
    FUNCTION_NODES,
    import_names,
    is_copied,
    is_foreign,
    is_test_build,
    parameters,
)
from charter.analyzers.treesitter import captures, report, text
from charter.sources import SourceFile

_CONTEXT_PARAMS = """
(parameter_declaration
  type: (qualified_type name: (type_identifier) @name (#eq? @name "Context"))) @decl
"""


class GoContextFirstParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: parameter types that may come before the context (test helpers take ``t`` first)
    allow_before: tuple[str, ...] = ("*testing.T", "*testing.B", "*testing.F", "testing.TB")


class GoContextFirstAnalyzer(Analyzer):
    name: ClassVar[str] = "go-context-first"
    Params = GoContextFirstParams
    params: GoContextFirstParams
    kinds: ClassVar[frozenset[str]] = frozenset({"go"})
    prefilter: ClassVar[tuple[str, ...]] = ("context",)

    def applies_to(self, file: SourceFile) -> bool:
        return (
            super().applies_to(file)
            and not is_foreign(file)
            and not is_copied(file)
            and not is_test_build(file)
        )

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        tree = file.syntax_tree
        if tree is None:
            return
        context_names = import_names(tree.root_node, "context")
        if not context_names:
            return
        context_types = {f"{name}.Context" for name in context_names}
        allowed = set(self.params.allow_before)
        seen: set[int] = set()
        for decl in captures(tree.language, tree.root_node, _CONTEXT_PARAMS).get("decl", []):
            plist = decl.parent
            function = plist.parent if plist is not None else None
            if (
                function is None
                or function.type not in FUNCTION_NODES
                or function.id in seen
                or function.child_by_field_name("parameters") != plist
            ):
                continue
            seen.add(function.id)
            self._check(function, context_types, allowed, out)

    def _check(
        self,
        function: tree_sitter.Node,
        context_types: set[str],
        allowed: set[str],
        out: Emitter,
    ) -> None:
        before: list[str] = []
        for decl, type_node in parameters(function):
            type_text = "".join(text(type_node).split())
            if type_text in context_types:
                if any(t not in allowed for t in before):
                    name = text(function.child_by_field_name("name")) or "function literal"
                    report(
                        out,
                        decl,
                        f"`{name}` takes context.Context as parameter {len(before) + 1}; "
                        "pass it as the first parameter (conventionally `ctx`)",
                    )
                return
            before.append(type_text)
