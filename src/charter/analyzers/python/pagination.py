"""pagination-bounded: a list endpoint returns a whole table.

A *list endpoint* is a function decorated as a GET route (``@app.get``, ``@router.get``,
``@bp.get``, ``@app.route`` without ``methods`` or with ``GET``, ``@api_view(["GET"])``). In it,
a ``.all()`` call — SQLAlchemy ``query(...).all()`` / ``scalars(select(...)).all()``, Django
``Model.objects.all()`` — whose chain applies no ``limit``/``offset``/``paginate``/``fetch``/
``[:n]`` slice, and whose rows are not just counted or probed (``.all().count()``,
``.all().exists()``), is reported, unless the function takes a pagination parameter (``limit``,
``page``, ``page_size``, ``per_page``, ``cursor``, ``size``, ``offset``, ``after``) or a
``Params``/``Page`` dependency (fastapi-pagination). An ``.all(...)`` given arguments is a
project's own query helper, not the ORM's ``all()``, and is not judged. Not applicable when no
GET route exists.
"""

from __future__ import annotations

import ast
from typing import ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.python.common import FunctionNode, FunctionScopes, RelevantRule
from charter.analyzers.python.names import name_chain
from charter.sources import SourceFile

PAGE_PARAMS = frozenset(
    {
        "limit",
        "page",
        "page_size",
        "per_page",
        "cursor",
        "size",
        "offset",
        "after",
        "before",
        "page_number",
        "first",
        "last",
        "params",
        "pagination",
    }
)
BOUNDING = frozenset(
    {
        "limit",
        "offset",
        "paginate",
        "fetch",
        "slice",
        "first",
        "one",
        "scalar",
        "one_or_none",
        "get",
        "count",
        "exists",
        "limit_to",
    }
)


def _route_kind(decorator: ast.expr) -> str | None:
    """ "get" for a GET route decorator, "other" for any other route, None if not a route."""
    call = decorator if isinstance(decorator, ast.Call) else None
    func = call.func if call else decorator
    chain = name_chain(func)
    if not chain or (len(chain) < 2 and chain[-1] != "api_view"):
        return None
    method = chain[-1]
    if method == "get" and call is not None and call.args:
        first = call.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return "get" if first.value.startswith("/") or first.value == "" else None
    if method in {"post", "put", "patch", "delete"} and call is not None and call.args:
        return "other"
    if method in {"route", "api_route", "api_view"} and call is not None:
        methods = next((kw.value for kw in call.keywords if kw.arg == "methods"), None)
        if method == "api_view" and call.args:
            methods = call.args[0]
        if methods is None:
            return "get" if method == "route" else None
        if isinstance(methods, ast.List | ast.Tuple | ast.Set):
            values = {e.value for e in methods.elts if isinstance(e, ast.Constant)}
            return "get" if "GET" in values else "other"
    return None


def _bounded(node: ast.expr) -> bool:
    """Whether the chain that ``.all()`` is called on limits its rows."""
    current: ast.AST | None = node
    while current is not None:
        if isinstance(current, ast.Subscript) and isinstance(current.slice, ast.Slice):
            return True
        if isinstance(current, ast.Call):
            if isinstance(current.func, ast.Attribute) and current.func.attr in BOUNDING:
                return True
            for arg in current.args:
                if isinstance(arg, ast.Call | ast.Attribute | ast.Subscript) and _bounded(arg):
                    return True
            current = current.func
        elif isinstance(current, ast.Attribute | ast.Subscript):
            current = current.value
        else:
            current = None
    return False


class PaginationBoundedAnalyzer(FunctionScopes, RelevantRule):
    """Report unbounded ``.all()`` in GET handlers without a pagination parameter."""

    name: ClassVar[str] = "pagination-bounded"
    prefilter: ClassVar[tuple[str, ...]] = (".get(", ".route(", "api_view", "api_route")
    na_reason: ClassVar[str] = "the code has no GET route handlers"

    def begin(self, file: SourceFile, out: Emitter) -> None:
        super().begin(file, out)
        self.handlers: list[bool] = []  # innermost last: an unpaginated GET handler?
        self.sliced: set[int] = set()  # ``.all()`` calls whose result is sliced: ``...all()[:50]``

    def enter_function(self, node: FunctionNode) -> None:
        kinds = [_route_kind(d) for d in node.decorator_list]
        is_get = "get" in kinds
        if is_get:
            self.relevant = True
        params = [a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)]
        paginated = any(p.lower() in PAGE_PARAMS for p in params) or any(
            _annotation_mentions_page(a.annotation)
            for a in (*node.args.args, *node.args.kwonlyargs)
        )
        self.handlers.append(is_get and not paginated)

    def exit_function(self, node: FunctionNode) -> None:
        self.handlers.pop()

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.slice, ast.Slice) and isinstance(node.value, ast.Call):
            self.sliced.add(id(node.value))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        # ``...all().count()``: the rows are counted (or probed), not returned
        if node.attr in BOUNDING and isinstance(node.value, ast.Call):
            self.sliced.add(id(node.value))

    def visit_Call(self, node: ast.Call) -> None:
        if not self.handlers or not self.handlers[-1] or id(node) in self.sliced:
            return
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr == "all"):
            return
        if node.args or node.keywords:  # a project's helper, not the ORM's all()
            return
        if _bounded(func.value):
            return
        self.at(
            node,
            "a GET handler returns every row (`.all()` without a limit): take a page size or "
            "cursor parameter and apply `.limit()` (keyset or cursor pagination for large tables)",
        )


def _annotation_mentions_page(node: ast.expr | None) -> bool:
    if node is None:
        return False
    return any(
        isinstance(n, ast.Name) and n.id in {"Params", "Page", "CursorParams", "LimitOffsetParams"}
        for n in ast.walk(node)
    )
