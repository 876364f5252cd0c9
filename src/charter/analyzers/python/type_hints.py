"""type-hints: every function and method annotates each parameter and its return.

Runs on the standard ``ast`` tree: annotations need no concrete syntax, and ``ast`` costs a
fraction of LibCST's parse (measured on this interpreter's standard library: 1.8 s for 799 files
with ``ast`` against ~31 s with ``libcst.parse_module``), which keeps charter within reach of ruff.

Semantics follow ruff's flake8-annotations rules at their default settings, so the two agree at
the function level: ANN001 (parameter), ANN002 (``*args``), ANN003 (``**kwargs``), ANN201/ANN202
(return of public/private functions), ANN204 (return of special methods, ``__init__`` included),
ANN205/ANN206 (return of static/class methods). The first parameter of a method or classmethod
is exempt; static methods get no exemption. Lambdas cannot carry annotations and are not checked.

Two deliberate differences from ruff, both about signatures that are no module's contract:

- functions nested in a function (closures, callbacks registered inside a setup function) are
  not checked unless ``include_nested``: no other module calls them, and the checker infers
  their use from the enclosing function;
- a route whose decorator declares ``response_model=`` (FastAPI) needs no return annotation:
  the decorator gives the response type, and an annotation would only repeat it (parameters are
  still checked).
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from charter.analyzers.base import TEST_PATH_GLOBS, AstAnalyzer, path_matches
from charter.sources import SourceFile

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


class TypeHintsParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    include_tests: bool = False
    #: also check functions nested in a function (as ruff does)
    include_nested: bool = False
    test_paths: tuple[str, ...] = TEST_PATH_GLOBS
    exclude: tuple[str, ...] = ()


def _decorator_names(node: FunctionNode) -> set[str]:
    names: set[str] = set()
    for deco in node.decorator_list:
        target = deco.func if isinstance(deco, ast.Call) else deco
        if isinstance(target, ast.Name):
            names.add(target.id)
        elif isinstance(target, ast.Attribute):
            names.add(target.attr)
    return names


def _declares_response_model(node: FunctionNode) -> bool:
    """``@router.get("/x", response_model=Item)``: the decorator gives the return type."""
    return any(
        isinstance(deco, ast.Call) and any(kw.arg == "response_model" for kw in deco.keywords)
        for deco in node.decorator_list
    )


def _join(items: list[str]) -> str:
    quoted = [f"`{i}`" for i in items]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def missing_annotations(node: FunctionNode, is_method: bool) -> tuple[list[str], bool]:
    """Parameters without annotations and whether the return annotation is missing."""
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    decorators = _decorator_names(node)
    if is_method and "staticmethod" not in decorators and positional:
        positional = positional[1:]
    missing = [a.arg for a in [*positional, *args.kwonlyargs] if a.annotation is None]
    if args.vararg is not None and args.vararg.annotation is None:
        missing.append(f"*{args.vararg.arg}")
    if args.kwarg is not None and args.kwarg.annotation is None:
        missing.append(f"**{args.kwarg.arg}")
    return missing, node.returns is None and not _declares_response_model(node)


# --- what ``charter fix`` adds ---------------------------------------------------------------

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
_TRANSPARENT = frozenset(
    {"staticmethod", "classmethod", "property", "cached_property", "setter", "deleter"}
)
#: the builtin types the fix writes besides ``None``: a file that binds one of these names
#: itself (a method ``str``, an imported ``bool``) is not given it
BUILTIN_TYPES = frozenset({"bool", "str", "int", "float", "bytes"})
_LITERAL_TYPES = {bool: "bool", str: "str", int: "int", float: "float", bytes: "bytes"}


@dataclass(frozen=True)
class SignatureFix:
    """What ``charter fix`` adds to one function's signature: its return type (safe, or unsafe
    under a decorator that may read it) and, with ``--unsafe-fixes`` only, the types of
    parameters whose default is a literal."""

    returns: str | None = None
    returns_applicability: str | None = None  # "safe" | "unsafe"
    params: tuple[tuple[str, str], ...] = ()  # (parameter, type), always unsafe


_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")


class FileText:
    """A file's text, to tell cheaply that a function cannot yield (no ``yield`` in its text)."""

    def __init__(self, text: str | Callable[[], str]) -> None:
        self._text = text
        self._lines: list[str] | None = None
        self._any: bool | None = None

    def may_yield(self, node: FunctionNode) -> bool:
        if self._any is None:
            text = self._text if isinstance(self._text, str) else self._text()
            self._any = "yield" in text
            self._lines = split_lines(text) if self._any else []
        if not self._any or self._lines is None:
            return False
        end = node.end_lineno or node.lineno
        return any("yield" in line for line in self._lines[node.lineno - 1 : end])


def _own_returns(
    node: FunctionNode, text: FileText | None = None
) -> tuple[list[ast.expr | None], bool]:
    """The values the function's own body returns (nested functions, classes and lambdas
    aside; a bare ``return`` gives None) and whether it yields. With the file's ``text``, a
    function whose text has no ``yield`` is searched statement by statement (a ``return`` is
    a statement, a ``yield`` an expression): the same answer, without walking expressions."""
    values: list[ast.expr | None] = []
    if text is not None and not text.may_yield(node):
        todo: list[ast.AST] = list(node.body)
        while todo:
            item = todo.pop()
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            if isinstance(item, ast.Return):
                values.append(item.value)
                continue
            for name in _BODIES:
                todo.extend(getattr(item, name, ()))
        return values, False
    stack: list[ast.AST] = list(node.body)
    while stack:
        item = stack.pop()
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(item, ast.Yield | ast.YieldFrom):
            return values, True
        if isinstance(item, ast.Return):
            values.append(item.value)
        stack.extend(ast.iter_child_nodes(item))
    return values, False


def _is_none(value: ast.expr | None) -> bool:
    return value is None or (isinstance(value, ast.Constant) and value.value is None)


def _is_bool(value: ast.expr | None) -> bool:
    """``True``/``False``, a comparison, ``not x``, or ``and``/``or`` of those (always a bool)."""
    if isinstance(value, ast.Constant):
        return isinstance(value.value, bool)
    if isinstance(value, ast.Compare):
        return True
    if isinstance(value, ast.UnaryOp):
        return isinstance(value.op, ast.Not)
    if isinstance(value, ast.BoolOp):
        return all(_is_bool(v) for v in value.values)
    return False


def _is_str(value: ast.expr | None) -> bool:
    """A string literal or an f-string (implicitly concatenated or not)."""
    return isinstance(value, ast.JoinedStr) or (
        isinstance(value, ast.Constant) and isinstance(value.value, str)
    )


def _always_exits(body: list[ast.stmt]) -> bool:
    """Whether running ``body`` always ends in a ``return`` or ``raise`` (never falls off the
    end, where the function would return ``None``). Conservative: loops and ``match`` do not."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, ast.Return | ast.Raise):
        return True
    if isinstance(last, ast.If):
        return _always_exits(last.body) and _always_exits(last.orelse)
    if isinstance(last, ast.With | ast.AsyncWith):
        return _always_exits(last.body)
    if isinstance(last, ast.Try | ast.TryStar):
        if _always_exits(last.finalbody):
            return True
        normal = last.orelse if last.orelse else last.body
        return _always_exits(normal) and all(_always_exits(h.body) for h in last.handlers)
    return False


def is_stub_or_placeholder(node: FunctionNode) -> bool:
    """A body of only ``...`` or only a ``raise`` (after an optional docstring)."""
    body = node.body
    if body and isinstance(body[0], ast.Expr) and _is_str(body[0].value):
        body = body[1:]
    if not body:
        return True  # a docstring alone: a stub
    if all(
        isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and s.value.value is ...
        for s in body
    ):
        return True
    return len(body) == 1 and isinstance(body[0], ast.Raise)


def inferred_return(node: FunctionNode, text: FileText | None = None) -> str | None:
    """The return type the body shows: ``None`` (no value returned, no yield), ``bool`` (every
    return a bool literal, a comparison, ``not``, or ``and``/``or`` of those) or ``str`` (every
    return a string literal or an f-string), the last two only when the body cannot fall off
    its end; None when it shows none of these."""
    values, yields = _own_returns(node, text)
    if yields:
        return None
    if all(_is_none(v) for v in values):
        return "None"
    if not _always_exits(node.body):
        return None
    if all(_is_bool(v) for v in values):
        return "bool"
    if all(_is_str(v) for v in values):
        return "str"
    return None


def literal_type(value: ast.expr | None) -> str | None:
    """The builtin type of a literal default (``0`` -> ``int``, ``-1.5`` -> ``float``)."""
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub | ast.UAdd):
        inner = literal_type(value.operand)
        return inner if inner in ("int", "float") else None
    if isinstance(value, ast.Constant):
        return _LITERAL_TYPES.get(type(value.value))
    return None


def scope_bindings(body: list[ast.stmt]) -> set[str]:
    """The names the statements of one scope (a module's or a class body's) bind in it:
    definitions, imports, assignment, loop, ``with`` and ``except`` targets, ``match`` captures,
    descending into ``if``/``for``/``try``/... but not into function or class bodies, which
    are scopes of their own. A star import may bind any of :data:`BUILTIN_TYPES`. (An
    assignment expression at this level, ``(str := ...)``, is not looked for.)"""
    names: set[str] = set()
    todo: list[ast.AST] = list(body)

    def targets(expr: ast.AST | None) -> None:
        if expr is None:
            return
        for sub in ast.walk(expr):
            if isinstance(sub, ast.Name):
                names.add(sub.id)
            elif isinstance(sub, ast.MatchAs | ast.MatchStar) and sub.name:
                names.add(sub.name)
            elif isinstance(sub, ast.MatchMapping) and sub.rest:
                names.add(sub.rest)

    while todo:
        item = todo.pop()
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(item.name)
            continue
        if isinstance(item, ast.Assign):
            for target in item.targets:
                targets(target)
        elif isinstance(item, ast.AnnAssign | ast.AugAssign | ast.For | ast.AsyncFor):
            targets(item.target)
        elif isinstance(item, ast.With | ast.AsyncWith):
            for with_item in item.items:
                targets(with_item.optional_vars)
        elif isinstance(item, ast.Import | ast.ImportFrom):
            for alias in item.names:
                if alias.name == "*":
                    names.update(BUILTIN_TYPES)
                else:
                    names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(item, ast.Global | ast.Nonlocal):
            names.update(item.names)
        elif isinstance(item, ast.Delete):
            for target in item.targets:
                targets(target)
        elif isinstance(item, ast.ExceptHandler) and item.name:
            names.add(item.name)
        elif isinstance(item, ast.match_case):
            targets(item.pattern)
        for name in _BODIES:
            todo.extend(getattr(item, name, ()))
    return names


class Shadowing:
    """Which of :data:`BUILTIN_TYPES` an annotation of a function cannot use, because the scope
    it is evaluated in binds the name itself (a method ``str`` in the class body, an imported
    ``bool``): the module's bindings, and for a method its class body's. In a function nested
    in a function every such name counts as bound (its enclosing locals are not looked at).
    Computed once per module and per class, and only when asked."""

    def __init__(self, tree: ast.Module | None) -> None:
        self.tree = tree
        self._module: set[str] | None = None
        self._classes: dict[int, set[str]] = {}

    def module(self) -> set[str]:
        if self._module is None:
            body = self.tree.body if self.tree is not None else []
            self._module = scope_bindings(body) & BUILTIN_TYPES
        return self._module

    def names(self, enclosing: ast.AST | None) -> set[str]:
        """For a function directly in ``enclosing`` (None: the module)."""
        if enclosing is None:
            return self.module()
        if isinstance(enclosing, ast.ClassDef):
            key = id(enclosing)
            if key not in self._classes:
                self._classes[key] = scope_bindings(enclosing.body) & BUILTIN_TYPES
            return self.module() | self._classes[key]
        return set(BUILTIN_TYPES)


def _defaults(node: FunctionNode) -> dict[str, ast.expr]:
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    with_defaults = positional[len(positional) - len(args.defaults) :]
    out = {a.arg: d for a, d in zip(with_defaults, args.defaults, strict=True)}
    out.update(
        (a.arg, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None
    )
    return out


def signature_fix(
    node: FunctionNode,
    is_method: bool,
    shadowed: Callable[[], set[str]],
    text: FileText | None = None,
) -> SignatureFix:
    """What ``charter fix`` adds to ``node``'s signature. ``shadowed`` gives the names of
    :data:`BUILTIN_TYPES` the annotation cannot use (:class:`Shadowing`; asked only when a type
    other than ``None`` would be written); ``text``, the file's, only saves time."""
    missing, _ = missing_annotations(node, is_method)
    returns: str | None = None
    applicability: str | None = None
    decorators = _decorator_names(node)
    if (
        node.returns is None
        and not decorators & _NO_RETURN_OF_ITS_OWN
        and not is_stub_or_placeholder(node)
    ):
        returns = inferred_return(node, text)
        if returns is not None and returns != "None" and returns in shadowed():
            returns = None
        if returns is not None:
            applicability = "safe" if decorators <= _TRANSPARENT else "unsafe"
    params: list[tuple[str, str]] = []
    defaults = _defaults(node)
    for name in missing:
        kind = literal_type(defaults.get(name))
        if kind is not None and kind not in shadowed():
            params.append((name, kind))
    return SignatureFix(returns, applicability, tuple(params))


def completing_fix(
    node: FunctionNode,
    is_method: bool,
    shadowed: Callable[[], set[str]],
    text: FileText | None = None,
    known: tuple[list[str], bool] | None = None,
) -> str | None:
    """``"safe"`` or ``"unsafe"`` when what :func:`signature_fix` adds (with
    ``--unsafe-fixes`` for the latter) leaves ``node``'s signature complete; None when
    something stays missing. ``known``: :func:`missing_annotations`, when known."""
    missing, no_return = known if known is not None else missing_annotations(node, is_method)
    if missing:
        if any(name.startswith("*") for name in missing):
            return None  # *args and **kwargs have no default
        defaults = _defaults(node)
        if any(literal_type(defaults.get(name)) is None for name in missing):
            return None  # most incomplete signatures: decided before the body is looked at
    fix = signature_fix(node, is_method, shadowed, text)
    if no_return and fix.returns is None:
        return None
    fixed = {name for name, _ in fix.params}
    if any(name not in fixed for name in missing):
        return None
    if fixed or (no_return and fix.returns_applicability == "unsafe"):
        return "unsafe"
    return "safe"


def signature_fixes(
    tree: ast.Module, lines: set[int] | frozenset[int], text: str | None = None
) -> dict[int, SignatureFix]:
    """``def`` line -> what ``charter fix`` adds, for the functions whose ``def`` is on one of
    ``lines`` (the lines of their findings); ``text`` is the file's (it only saves time)."""
    out: dict[int, SignatureFix] = {}
    shadowing = Shadowing(tree)
    file_text = FileText(text) if text is not None else None
    stack: list[tuple[ast.AST, ast.AST | None]] = [(tree, None)]
    while stack:
        parent, enclosing = stack.pop()
        for child in ast.iter_child_nodes(parent):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                if child.lineno in lines:
                    in_class = isinstance(enclosing, ast.ClassDef)
                    out[child.lineno] = signature_fix(
                        child,
                        in_class,
                        partial(shadowing.names, enclosing),
                        file_text,
                    )
                stack.append((child, child))
            elif isinstance(child, ast.ClassDef):
                stack.append((child, child))
            else:
                stack.append((child, enclosing))
    return out


_NEWLINE = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """``text`` in lines as Python numbers them (``str.splitlines`` also breaks at form feeds)."""
    return _NEWLINE.split(text)


class TypeHintsAnalyzer(AstAnalyzer):
    """Report each function or method whose signature is not fully annotated."""

    name: ClassVar[str] = "type-hints"
    Params = TypeHintsParams
    statements_only: ClassVar[bool] = True
    params: TypeHintsParams

    def applies_to(self, file: SourceFile) -> bool:
        if file.kind != "python":
            return False
        if not self.params.include_tests and path_matches(file.path, self.params.test_paths):
            return False
        return not (self.params.exclude and path_matches(file.path, self.params.exclude))

    def begin(self, file: SourceFile, out: object) -> None:  # type: ignore[override,unused-ignore]
        super().begin(file, out)  # type: ignore[arg-type]
        self.scopes: list[str] = []
        self.enclosing: list[ast.AST] = []
        self.shadowing = Shadowing(file.python_ast)
        self.text = FileText(lambda: file.text or "")

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.scopes.append("class")
        self.enclosing.append(node)

    def leave_ClassDef(self, node: ast.ClassDef) -> None:
        self.scopes.pop()
        self.enclosing.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._check(node)
        self.scopes.append("function")
        self.enclosing.append(node)

    def leave_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.scopes.pop()
        self.enclosing.pop()

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._check(node)
        self.scopes.append("function")
        self.enclosing.append(node)

    def leave_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self.scopes.pop()
        self.enclosing.pop()

    def _check(self, node: FunctionNode) -> None:
        if "function" in self.scopes and not self.params.include_nested:
            return
        is_method = bool(self.scopes) and self.scopes[-1] == "class"
        missing, no_return = missing_annotations(node, is_method)
        self.out.count("functions")
        if not missing and not no_return:
            self.out.count("annotated")
            return
        parts = []
        if missing:
            noun = "parameter" if len(missing) == 1 else "parameters"
            parts.append(f"{noun} {_join(missing)}")
        if no_return:
            parts.append("the return type")
        kind = "method" if is_method else "function"
        self.out.report(
            node.lineno,
            f"{kind} `{node.name}` is missing type annotations for {' and '.join(parts)}",
            column=node.col_offset + 1,
            fix=completing_fix(
                node,
                is_method,
                partial(self.shadowing.names, self.enclosing[-1] if self.enclosing else None),
                self.text,
                (missing, no_return),
            ),
        )

    def summarize(self, counters: Counter[str]) -> str:
        total = counters.get("functions", 0)
        if not total:
            return "no functions to check"
        done = counters.get("annotated", 0)
        return f"{done}/{total} functions fully annotated ({100.0 * done / total:.1f}%)"

    def metrics(self, counters: Counter[str]) -> dict[str, float | int]:
        total = counters.get("functions", 0)
        done = counters.get("annotated", 0)
        share = round(100.0 * done / total, 2) if total else 100.0
        return {"functions": total, "annotated": done, "annotated_percent": share}
