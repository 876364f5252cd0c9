"""no-explicit-any: no bare ``typing.Any`` in the annotations of public signatures.

Follows ruff's ANN401 in what counts as ``Any``: a parameter or return annotated with ``Any``
itself (also as a string annotation); ``Any`` nested in a type such as ``dict[str, Any]`` is not,
since that is how a JSON object is typed. ``*args: Any``/``**kwargs: Any`` pass by default
(``allow_star_args``, ruff's ``allow-star-arg-any``). Public means: not starting with ``_``,
defined at module level or in a public class, not nested in a function.

Unlike ANN401, it judges only the signatures a module owns, where its own code shows the type
that ``Any`` hides:

- methods whose signature a base class may fix are left out: a method overriding a method of a
  base class defined in the repository, a method of one name defined by three or more classes
  with a common base (a framework hook), every method but static methods of a class with a
  base class from outside the repository (``click.ParamType.convert``, ``JSONEncoder.default``,
  a ``django_filters`` ``Filter.filter``: the library fixes the signature, and without its code
  an override cannot be told from a new method), ``@override`` methods, and special methods
  other than ``__init__``/``__new__``/``__call__`` (``object`` fixes ``__eq__(self, other)``);
- a parameter is reported when the body shows its type: its attributes are used (the type is
  a class or Protocol with them; not when the name is rebound), or it is narrowed with
  ``isinstance``/``issubclass`` to a class of the program or a library (``uuid.UUID``, a
  SQLAlchemy type). A value the function only stores, compares, converts with ``str()`` or
  passes on, or dispatches on builtin shapes (``isinstance(value, str | int)``, as validators
  and serializers of raw input do), may be anything by design: ``Any`` (or ``object``) is its
  honest type;
- a return is reported when every ``return`` gives a value of one evident type (a literal or a
  call of one class), which the message names.
"""

from __future__ import annotations

import ast
from typing import Any, ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.python.common import (
    GENERIC_BASES,
    ClassHierarchy,
    FunctionNode,
    FunctionScopes,
    PythonRule,
    PythonRuleParams,
    annotation_expr,
    base_name,
    decorator_names,
)
from charter.analyzers.python.names import ImportMap, is_under
from charter.repo import RepoIndex
from charter.sources import SourceFile

ANY_NAMES = frozenset({"typing.Any", "typing_extensions.Any"})
OVERRIDE = ("typing.override", "typing_extensions.override", "overrides.override")
#: special methods whose signature the class itself defines (the others implement a protocol)
OWN_SPECIAL = frozenset({"__init__", "__new__", "__call__"})
#: classes whose methods of one name make a hook when this many define it
HOOK_REPEATS = 3
NARROWING = frozenset({"isinstance", "issubclass"})
#: classes an ``isinstance`` dispatch over arbitrary input checks (a validator, a serializer):
#: narrowing to them says the value may be anything, not what it is
SHAPES = frozenset(
    {
        "Number", "Integral", "Real", "Complex", "Rational", "Decimal", "Enum",
        "Mapping", "MutableMapping", "Sequence", "MutableSequence", "Set", "MutableSet",
        "Iterable", "Iterator", "Collection", "Container", "Callable", "Hashable", "Sized",
    }
)  # fmt: skip
SHAPE_MODULES = ("builtins", "types", "typing", "collections", "numbers")
_LITERALS: dict[type[ast.AST], str] = {
    ast.List: "list",
    ast.ListComp: "list",
    ast.Dict: "dict",
    ast.DictComp: "dict",
    ast.Set: "set",
    ast.SetComp: "set",
    ast.Tuple: "tuple",
    ast.JoinedStr: "str",
}


def _is_public(name: str) -> bool:
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


def _own_nodes(body: list[ast.stmt]) -> list[ast.AST]:
    """Every node of a function body, nested functions, lambdas and classes left out."""
    out: list[ast.AST] = []
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        out.append(node)
        for child in ast.iter_child_nodes(node):
            if not isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef
            ):
                stack.append(child)
    return out


def _class_names(node: ast.expr) -> list[ast.expr]:
    """The class expressions of an ``isinstance`` second argument (tuple or ``A | B``)."""
    if isinstance(node, ast.Tuple):
        return [c for e in node.elts for c in _class_names(e)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return [*_class_names(node.left), *_class_names(node.right)]
    return [node]


def _typed_uses(nodes: list[ast.AST], imports: ImportMap) -> set[str]:
    """Names whose type the code shows: narrowed with ``isinstance`` to one of the program's
    classes (not a builtin or a collection shape), or used for their attributes (unless the
    name is rebound, so that the attributes may be another object's)."""
    narrowed: set[str] = set()
    attributes: set[str] = set()
    rebound: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if not (node.attr.startswith("__") and node.attr.endswith("__")):
                attributes.add(node.value.id)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            rebound.add(node.id)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in NARROWING
            and len(node.args) == 2
            and isinstance(node.args[0], ast.Name)
            and any(_domain_class(c, imports) for c in _class_names(node.args[1]))
        ):
            narrowed.add(node.args[0].id)
    return narrowed | (attributes - rebound)


def _domain_class(node: ast.expr, imports: ImportMap) -> bool:
    """A class of the program or a library (``uuid.UUID``, ``sqltypes.String``), not a
    builtin, a collection shape or a variable holding classes."""
    name = imports.qualify(node)
    if name is None:
        return False
    last = name.rsplit(".", 1)[-1]
    if not last[:1].isupper() or last in SHAPES:
        return False
    return not any(is_under(name, module) for module in SHAPE_MODULES)


def _value_type(node: ast.expr) -> str | None:
    """The evident type of a returned value: a literal's or a class call's, else None."""
    if isinstance(node, ast.Constant):
        return "None" if node.value is None else type(node.value).__name__
    for kind, name in _LITERALS.items():
        if isinstance(node, kind):
            return name
    if isinstance(node, ast.Call):
        func = node.func
        last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if last in {"str", "int", "float", "bool", "bytes", "list", "dict", "set", "tuple"}:
            return str(last)
        if last[:1].isupper() and not last.isupper():
            return str(last)
    return None


def _evident_return(nodes: list[ast.AST]) -> str | None:
    """The one type every ``return`` gives (``X | None`` when some return None), else None."""
    types: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Return):
            kind = _value_type(node.value) if node.value is not None else "None"
            if kind is None:
                return None
            types.add(kind)
    named = types - {"None"}
    if len(named) != 1:
        return None
    (one,) = named
    return f"{one} | None" if "None" in types else one


class NoExplicitAnyParams(PythonRuleParams):
    #: accept ``*args: Any`` / ``**kwargs: Any`` (ruff's ``allow-star-arg-any``): arguments
    #: passed through to another call do not leak ``Any`` to callers
    allow_star_args: bool = True


class NoExplicitAnyAnalyzer(FunctionScopes, PythonRule):
    """Report public parameters and returns typed with a bare ``Any`` whose real type the
    code shows, outside signatures fixed by a base class."""

    name: ClassVar[str] = "no-explicit-any"
    Params = NoExplicitAnyParams
    params: NoExplicitAnyParams
    prefilter: ClassVar[tuple[str, ...]] = ("Any",)

    def begin(self, file: SourceFile, out: Emitter) -> None:
        super().begin(file, out)
        #: for each open scope: public, class body (True) or function, name, base names,
        #: method names
        self.scopes: list[tuple[bool, bool, str, list[str], list[str]]] = []
        #: classes at module level: name, bases, methods
        self.classes: list[list[Any]] = []
        #: line, column, message, [class, bases] or None, function name
        self.candidates: list[list[Any]] = []

    def _in_public_scope(self) -> bool:
        return all(public and is_class for public, is_class, *_ in self.scopes)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = [b for b in (base_name(e) for e in node.bases) if b]
        self.scopes.append((_is_public(node.name), True, node.name, bases, []))

    def leave_ClassDef(self, node: ast.ClassDef) -> None:
        _, _, name, bases, methods = self.scopes.pop()
        if not self.scopes:
            self.classes.append([name, bases, methods])

    def enter_function(self, node: FunctionNode) -> None:
        if self.scopes and self.scopes[-1][1]:
            self.scopes[-1][4].append(node.name)
        self._check(node)
        self.scopes.append((False, False, node.name, [], []))

    def exit_function(self, node: FunctionNode) -> None:
        self.scopes.pop()

    def _is_any(self, annotation: ast.expr | None) -> bool:
        expr = annotation_expr(annotation)
        return expr is not None and self.qualify(expr) in ANY_NAMES

    def _check(self, node: FunctionNode) -> None:
        if not _is_public(node.name) or not self._in_public_scope():
            return
        owner = self.scopes[-1] if self.scopes else None
        special = node.name.startswith("__") and node.name.endswith("__")
        if owner is not None and special and node.name not in OWN_SPECIAL:
            return  # the signature of a protocol method is object's or the protocol's
        if any(is_under(d, o) for d in decorator_names(self.imports, node) for o in OVERRIDE):
            return
        args = node.args
        params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        if not self.params.allow_star_args:
            params.extend(a for a in (args.vararg, args.kwarg) if a is not None)
        any_params = [a for a in params if self._is_any(a.annotation)]
        any_return = self._is_any(node.returns)
        if not any_params and not any_return:
            return
        nodes = _own_nodes(node.body)
        typed = _typed_uses(nodes, self.imports)
        where = [owner[2], owner[3]] if owner is not None else None
        if where is not None and "staticmethod" in decorator_names(self.imports, node):
            where = None  # a static method is the class's own, not an override
        for arg in any_params:
            if arg.arg not in typed:
                continue
            star = "*" if arg is args.vararg else "**" if arg is args.kwarg else ""
            message = (
                f"parameter `{star}{arg.arg}` of public `{node.name}` is typed `Any`: "
                "name the real type (a Protocol, TypeVar, union or `object`)"
            )
            self.candidates.append([arg.lineno, arg.col_offset + 1, message, where, node.name])
        if any_return and node.returns is not None:
            evident = _evident_return(nodes)
            if evident is not None:
                message = (
                    f"public `{node.name}` returns `Any` but every return is `{evident}`: "
                    "name that type so callers stay checked"
                )
                returns = node.returns
                self.candidates.append(
                    [returns.lineno, returns.col_offset + 1, message, where, node.name]
                )

    def end(self) -> None:
        if self.candidates or self.classes:
            self.out.fact({"classes": self.classes, "candidates": self.candidates})

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        hierarchy = ClassHierarchy(HOOK_REPEATS)
        found: list[tuple[str, list[Any]]] = []
        for path, facts in repo.facts(self).items():
            for fact in facts:
                for name, bases, methods in fact["classes"]:
                    hierarchy.add(name, bases, methods)
                found.extend((path, c) for c in fact["candidates"])
        for path, (line, column, message, where, function) in found:
            if where is not None:
                cls, bases = where
                if (
                    hierarchy.overrides(cls, bases, function)
                    or hierarchy.is_hook(bases, function)
                    or any(b not in GENERIC_BASES and not hierarchy.defined(b) for b in bases)
                ):
                    continue  # the base class (the repository's or a library's) may fix it
            out.report(line, message, path=path, column=column)
