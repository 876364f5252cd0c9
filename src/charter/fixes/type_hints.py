"""type-hints fix: ``-> None`` on a reported function that returns no value.

A function gets ``-> None`` when no ``return`` in its own body (nested functions, classes and
lambdas aside) gives a value other than ``None`` and it never yields; ``__init__`` is one such
function. Never on an overload, an abstract method, a stub (a body of ``...``) or a placeholder
whose body only raises (``raise NotImplementedError``): their return type is the overriding
implementation's, not ``None``.

Applicability. The edit only adds an annotation, so the code that runs is the same (the fix
engine checks that the file's ``ast`` with annotations stripped is identical). It is *safe* for
an undecorated function and for ``staticmethod``/``classmethod`` and property setters/deleters,
and *unsafe* under any other decorator, which may read ``__annotations__`` (FastAPI takes a
route's return annotation as its response model; ``functools.singledispatch`` and pydantic read
them too). ruff marks all its ANN20x return fixes unsafe, since a type checker starts checking
the body of a function once it has an annotation and may report errors it skipped before; a new
type error is not a change in what the code does, and surfacing it is the rule's point.
"""

from __future__ import annotations

from typing import ClassVar

import libcst

from charter.fixes.base import Applicability, Fixer

#: decorators that mean "no return type of its own": the fix never touches these functions
_NO_RETURN_OF_ITS_OWN = frozenset(
    {
        "overload",
        "abstractmethod",
        "abstractproperty",
        "abstractclassmethod",
        "abstractstaticmethod",
    }
)
#: decorators that never read the function's annotations
_TRANSPARENT = frozenset({"staticmethod", "classmethod", "setter", "deleter"})


def _decorator_name(deco: libcst.Decorator) -> str:
    target = deco.decorator
    if isinstance(target, libcst.Call):
        target = target.func
    if isinstance(target, libcst.Name):
        return target.value
    if isinstance(target, libcst.Attribute):
        return target.attr.value
    return ""


class _ReturnsValue(libcst.CSTVisitor):
    """Whether a function body returns a value other than ``None`` or yields (its own body:
    nested functions, classes and lambdas are not visited)."""

    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def visit_FunctionDef(self, node: libcst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: libcst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: libcst.Lambda) -> bool:
        return False

    def visit_Return(self, node: libcst.Return) -> None:
        value = node.value
        if value is not None and not (isinstance(value, libcst.Name) and value.value == "None"):
            self.found = True

    def visit_Yield(self, node: libcst.Yield) -> None:
        self.found = True


def _statements(body: libcst.BaseSuite) -> list[libcst.CSTNode]:
    """The small statements of a body, compound statements as themselves."""
    out: list[libcst.CSTNode] = []
    for stmt in body.body:
        if isinstance(stmt, libcst.SimpleStatementLine):
            out.extend(stmt.body)
        else:
            out.append(stmt)
    return out


def _is_docstring(node: libcst.CSTNode) -> bool:
    return isinstance(node, libcst.Expr) and isinstance(
        node.value, libcst.SimpleString | libcst.ConcatenatedString
    )


def is_stub_or_placeholder(node: libcst.FunctionDef) -> bool:
    """A body of only ``...`` or only a ``raise`` (after an optional docstring)."""
    stmts = _statements(node.body)
    if stmts and _is_docstring(stmts[0]):
        stmts = stmts[1:]
    if not stmts:
        return True  # a docstring alone: a stub
    if all(isinstance(s, libcst.Expr) and isinstance(s.value, libcst.Ellipsis) for s in stmts):
        return True
    return len(stmts) == 1 and isinstance(stmts[0], libcst.Raise)


def none_return_applicability(node: libcst.FunctionDef) -> Applicability | None:
    """How safely ``-> None`` can be added to ``node`` (None: it cannot)."""
    if node.returns is not None:
        return None
    names = {_decorator_name(d) for d in node.decorators}
    if names & _NO_RETURN_OF_ITS_OWN or is_stub_or_placeholder(node):
        return None
    visitor = _ReturnsValue()
    node.body.visit(visitor)
    if visitor.found:
        return None
    return Applicability.SAFE if names <= _TRANSPARENT else Applicability.UNSAFE


class TypeHintsFixer(Fixer):
    """Add ``-> None`` to the reported functions that return nothing."""

    analyzer: ClassVar[str] = "type-hints"
    annotation_only: ClassVar[bool] = True

    def leave_FunctionDef(
        self, original_node: libcst.FunctionDef, updated_node: libcst.FunctionDef
    ) -> libcst.FunctionDef:
        # findings sit on the line of the ``def`` (after any decorators)
        if self.line_of(original_node.name) not in self.lines:
            return updated_node
        applicability = none_return_applicability(original_node)
        if applicability is None:
            return updated_node
        if not self.allow(original_node.name, applicability, "add `-> None`"):
            return updated_node
        return updated_node.with_changes(returns=libcst.Annotation(libcst.Name("None")))
