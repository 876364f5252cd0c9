"""no-explicit-any: no bare ``typing.Any`` in the annotations of public signatures.

Follows ruff's ANN401: a parameter or return annotated with ``Any`` itself (also as a string
annotation) is flagged; ``Any`` nested in a type such as ``dict[str, Any]`` is not, since that is
how a JSON object is typed. ``*args: Any``/``**kwargs: Any`` pass by default
(``allow_star_args``, ruff's ``allow-star-arg-any``): arguments forwarded to another call do not
leak ``Any`` to callers. Public means: not starting with ``_`` (dunder methods are public),
defined at module level or in a public class, not nested in a function. Methods decorated with
``@override`` keep the signature they override and are left out.
"""

from __future__ import annotations

import ast
from typing import ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.python.common import (
    FunctionNode,
    FunctionScopes,
    PythonRule,
    PythonRuleParams,
    annotation_expr,
    decorator_names,
)
from charter.analyzers.python.names import is_under
from charter.sources import SourceFile

ANY_NAMES = frozenset({"typing.Any", "typing_extensions.Any"})
OVERRIDE = ("typing.override", "typing_extensions.override", "overrides.override")


def _is_public(name: str) -> bool:
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


class NoExplicitAnyParams(PythonRuleParams):
    #: accept ``*args: Any`` / ``**kwargs: Any`` (ruff's ``allow-star-arg-any``): arguments
    #: passed through to another call do not leak ``Any`` to callers
    allow_star_args: bool = True


class NoExplicitAnyAnalyzer(FunctionScopes, PythonRule):
    """Report each public parameter or return annotated with a bare ``Any``."""

    name: ClassVar[str] = "no-explicit-any"
    Params = NoExplicitAnyParams
    params: NoExplicitAnyParams
    prefilter: ClassVar[tuple[str, ...]] = ("Any",)

    def begin(self, file: SourceFile, out: Emitter) -> None:
        super().begin(file, out)
        #: for each open scope: is it public and a class body (True) or a function (False)?
        self.scopes: list[tuple[bool, bool]] = []

    def _in_public_scope(self) -> bool:
        return all(public and is_class for public, is_class in self.scopes)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.scopes.append((_is_public(node.name), True))

    def leave_ClassDef(self, node: ast.ClassDef) -> None:
        self.scopes.pop()

    def enter_function(self, node: FunctionNode) -> None:
        self._check(node)
        self.scopes.append((False, False))

    def exit_function(self, node: FunctionNode) -> None:
        self.scopes.pop()

    def _is_any(self, annotation: ast.expr | None) -> bool:
        expr = annotation_expr(annotation)
        return expr is not None and self.qualify(expr) in ANY_NAMES

    def _check(self, node: FunctionNode) -> None:
        if not _is_public(node.name) or not self._in_public_scope():
            return
        if any(is_under(d, o) for d in decorator_names(self.imports, node) for o in OVERRIDE):
            return
        args = node.args
        params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        if not self.params.allow_star_args:
            params.extend(a for a in (args.vararg, args.kwarg) if a is not None)
        for arg in params:
            if self._is_any(arg.annotation):
                star = "*" if arg is args.vararg else "**" if arg is args.kwarg else ""
                self.at(
                    arg,
                    f"parameter `{star}{arg.arg}` of public `{node.name}` is typed `Any`: "
                    "name the real type (a Protocol, TypeVar, union or `object`)",
                )
        if self._is_any(node.returns):
            assert node.returns is not None
            self.at(
                node.returns,
                f"public `{node.name}` returns `Any`: name the real type so callers stay checked",
            )
