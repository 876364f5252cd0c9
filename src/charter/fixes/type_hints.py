"""type-hints fix: return types that the body shows, parameter types that literal defaults show.

Return types, on a reported function without one (its own body: nested functions, classes and
lambdas aside):

- ``-> None`` when no ``return`` gives a value other than ``None`` and it never yields
  (``__init__`` is one such function);
- ``-> bool`` when every ``return`` gives ``True``/``False``, a comparison, a ``not`` or an
  ``and``/``or`` of those, and the body cannot end without a ``return`` or ``raise``;
- ``-> str`` when every ``return`` gives a string literal or an f-string, on the same condition
  (at least one f-string, or every return a literal).

Never on an overload, an abstract method, a stub (a body of ``...``) or a placeholder whose body
only raises (``raise NotImplementedError``): their return type is the overriding implementation's.
Never with a name the file binds itself (a class attribute ``str``, an imported ``bool``): the
annotation would mean that instead.

Parameters (unsafe only): a reported function's parameter whose default is a literal of a
builtin type gets that type (``x=0`` -> ``x: int = 0``; ``True`` -> ``bool``, ``1.5`` ->
``float``, ``"a"`` -> ``str``, ``b"a"`` -> ``bytes``). Unsafe because the default does not say what
callers pass: ``timeout=0`` may be given ``2.5``, and the annotation would then be wrong.

What to add is decided on the ``ast`` by :func:`charter.analyzers.python.type_hints.signature_fix`,
the same function that marks the audit's findings fixable (``[*]``); this module applies it with
LibCST, which keeps everything else byte for byte.

Applicability of return types. The edit only adds an annotation, so the code that runs is the
same (the fix engine checks that the file's ``ast`` with annotations stripped is identical). It
is *safe* for an undecorated function and under ``staticmethod``, ``classmethod``, ``property``
and property setters/deleters, and *unsafe* under any other decorator, which may read
``__annotations__`` (FastAPI takes a route's return annotation as its response model;
``functools.singledispatch`` and pydantic read them too). ruff marks all its ANN20x return fixes
unsafe, since a type checker starts checking the body of a function once it has an annotation
and may report errors it skipped before; a new type error is not a change in what the code does,
and surfacing it is the rule's point.
"""

from __future__ import annotations

import ast
from typing import ClassVar

import libcst

from charter.analyzers.python.type_hints import SignatureFix, signature_fixes
from charter.fixes.base import Applicability, Fixer


def _spaced(param: libcst.Param) -> libcst.Param:
    """``x=0`` -> ``x: int = 0``: PEP 8 spaces ``=`` once the parameter has an annotation."""
    equal = param.equal
    if isinstance(equal, libcst.AssignEqual) and not (
        isinstance(equal.whitespace_before, libcst.SimpleWhitespace)
        and equal.whitespace_before.value
    ):
        equal = libcst.AssignEqual(
            whitespace_before=libcst.SimpleWhitespace(" "),
            whitespace_after=libcst.SimpleWhitespace(" "),
        )
    return param.with_changes(equal=equal)


class TypeHintsFixer(Fixer):
    """Add the return type the body shows (``None``, ``bool``, ``str``) to the reported
    functions, and, with ``--unsafe-fixes``, the types of parameters' literal defaults."""

    analyzer: ClassVar[str] = "type-hints"
    annotation_only: ClassVar[bool] = True

    def visit_Module(self, node: libcst.Module) -> None:
        try:
            tree = ast.parse(self.source)
        except (SyntaxError, ValueError):
            tree = ast.Module(body=[], type_ignores=[])
        text = self.source.decode("utf-8", errors="replace")
        self.plans: dict[int, SignatureFix] = signature_fixes(tree, self.lines, text)

    def leave_FunctionDef(
        self, original_node: libcst.FunctionDef, updated_node: libcst.FunctionDef
    ) -> libcst.FunctionDef:
        # findings sit on the line of the ``def`` (after any decorators)
        plan = self.plans.get(self.line_of(original_node.name))
        if plan is None:
            return updated_node
        if plan.returns is not None and plan.returns_applicability is not None:
            applicability = Applicability(plan.returns_applicability)
            if self.allow(original_node.name, applicability, f"add `-> {plan.returns}`"):
                updated_node = updated_node.with_changes(
                    returns=libcst.Annotation(libcst.Name(plan.returns))
                )
        if not plan.params:
            return updated_node
        types = dict(plan.params)
        params = updated_node.params
        changes: dict[str, list[libcst.Param]] = {}
        for group in ("posonly_params", "params", "kwonly_params"):
            fixed: list[libcst.Param] = []
            for param in getattr(params, group):
                kind = types.get(param.name.value)
                if (
                    kind is not None
                    and param.annotation is None
                    and self.allow(
                        original_node.name,
                        Applicability.UNSAFE,
                        f"annotate `{param.name.value}: {kind}` from its default",
                    )
                ):
                    param = _spaced(param).with_changes(
                        annotation=libcst.Annotation(libcst.Name(kind))
                    )
                fixed.append(param)
            changes[group] = fixed
        return updated_node.with_changes(params=params.with_changes(**changes))
