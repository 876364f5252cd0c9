"""go-context-first: a ``context.Context`` parameter anywhere but first."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.go.common import FUNCTION_NODES, import_names, parameters
from charter.analyzers.treesitter import descendants, report, text
from charter.sources import SourceFile


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

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        tree = file.syntax_tree
        if tree is None:
            return
        context_names = import_names(tree.root_node, "context")
        if not context_names:
            return
        context_types = {f"{name}.Context" for name in context_names}
        allowed = set(self.params.allow_before)
        for function in descendants(tree.root_node, FUNCTION_NODES):
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
                    break
                before.append(type_text)
