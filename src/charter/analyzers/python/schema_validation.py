"""schema-validation: web handlers take and return schemas, not raw dicts.

Applies to FastAPI, Starlette, Litestar, Flask and Quart apps (not applicable when no code
imports one). A handler is a function decorated with ``@<app or router>.get/post/put/patch/
delete/route/api_route/websocket``. Reported:

- a handler parameter or return annotated with an untyped mapping: ``dict``, ``Dict``,
  ``Mapping``, ``Any``, or ``dict[str, Any]`` (also inside ``Optional``/``| None``);
  ``dict[str, int]`` is typed and passes, and so does any class (a Pydantic model, a
  ``@dataclass``, a ``msgspec.Struct``);
- the raw request body read without a schema: ``await request.json()`` on a parameter annotated
  ``Request`` (FastAPI/Starlette), ``flask.request.get_json()`` / ``flask.request.json``
  (Flask/Quart), unless it is handed straight to a call (``Item.model_validate(...)``,
  ``Item(**...)``, ``schema.load(...)``), which is where validation happens.

A body read inside a function decorated with a request validator is validated there: a
decorator whose name says so (``@validate_openapi_request("op")``, ``@validate(...)``,
``@expects_json(schema)``, flask-smorest's ``@blp.arguments(Schema)``, APIFlask's
``@app.input(Schema)``, webargs' ``@use_args``/``@use_kwargs``, flask-restx's ``@api.expect``,
flask-accepts' ``@accepts``). So is one read in a handler that validates by hand: it calls a
validator (``validate*``, ``*_validation``, ``is_valid()``), catches a ``*ValidationError`` or
rejects a value outside a constant set (``if access not in ACCESS_TYPES: abort(400)``); checking
only that keys are present (``require_fields``) is not validation. A read after the handler
verifies the request's signature (``check_stripe_signature``, ``verify_paypal_webhook``,
``hmac.compare_digest``) is an authenticated provider's webhook, whose schema is the provider's.

A handler whose route declares ``response_model=`` or ``response_class=`` (FastAPI) has its
response schema there, whatever its return annotation says (``-> Any`` is FastAPI's documented
idiom for it); handlers without a return annotation are not reported either, since a returned
model may carry the schema.
Django views are not checked.
"""

from __future__ import annotations

import ast
from typing import ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.python.common import (
    FunctionNode,
    FunctionScopes,
    RelevantRule,
    annotation_expr,
    is_none,
)
from charter.analyzers.python.names import name_chain
from charter.sources import SourceFile

FRAMEWORKS = ("fastapi", "starlette", "litestar", "flask", "quart")
ROUTES = frozenset(
    {"get", "post", "put", "patch", "delete", "route", "api_route", "websocket", "head", "options"}
)
MAPPINGS = frozenset(
    {
        "dict",
        "typing.Dict",
        "typing.Mapping",
        "typing.MutableMapping",
        "collections.abc.Mapping",
        "collections.abc.MutableMapping",
    }
)
ANY = frozenset({"typing.Any", "typing_extensions.Any", "object"})
REQUESTS = frozenset(
    {
        "fastapi.Request",
        "fastapi.requests.Request",
        "starlette.requests.Request",
        "litestar.Request",
    }
)
#: words in the name of a decorator that validates the request body before the function runs
VALIDATOR_WORDS = ("validat", "expect", "accepts", "use_args", "use_kwargs")
#: decorators named exactly this validate the body (flask-smorest, APIFlask)
VALIDATOR_NAMES = frozenset({"arguments", "input"})
FLASK_BODY = frozenset(
    {f"{m}.request.{a}" for m in ("flask", "quart") for a in ("get_json", "json")}
)


class SchemaValidationAnalyzer(FunctionScopes, RelevantRule):
    """Report handlers typed with raw dicts and raw request-body reads."""

    name: ClassVar[str] = "schema-validation"
    prefilter: ClassVar[tuple[str, ...]] = FRAMEWORKS
    na_reason: ClassVar[str] = "no FastAPI, Starlette, Litestar, Flask or Quart app"

    def begin(self, file: SourceFile, out: Emitter) -> None:
        super().begin(file, out)
        self.validated: set[int] = set()
        #: per enclosing function: its parameters annotated as a framework ``Request``
        self.request_params: list[set[str]] = []
        #: per enclosing function: whether a decorator, or the function by hand, validates
        #: the request body
        self.validated_body: list[bool] = []
        #: per enclosing function: the line where it verifies the request's signature
        self.verified_from: list[int | None] = []

    def end(self) -> None:
        self.relevant = self.imports.imports_any(FRAMEWORKS)
        super().end()

    # --- annotations ------------------------------------------------------------------------

    def _raw(self, annotation: ast.expr | None) -> bool:
        node = annotation_expr(annotation)
        if node is None:
            return False
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self._raw(node.left) or self._raw(node.right)
        if isinstance(node, ast.Subscript):
            base = self.qualify(node.value)
            items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            if base in ("typing.Optional", "typing.Union", "typing.Annotated"):
                targets = items[:1] if base == "typing.Annotated" else items
                return any(self._raw(i) for i in targets)
            if base in MAPPINGS:
                return bool(items) and self.qualify(items[-1]) in ANY
            return False
        name = self.qualify(node)
        return name in MAPPINGS or name in ANY

    def _route(self, node: FunctionNode) -> ast.expr | None:
        """The route decorator that makes ``node`` a handler, if any."""
        for deco in node.decorator_list:
            target = deco.func if isinstance(deco, ast.Call) else deco
            if isinstance(target, ast.Attribute) and target.attr in ROUTES:
                return deco
        return None

    def _enter(self, node: FunctionNode) -> None:
        args = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
        self.request_params.append(
            {a.arg for a in args if a.annotation and self.qualify(a.annotation) in REQUESTS}
        )
        route = self._route(node)
        if route is None:
            return
        for arg in args:
            if self._raw(arg.annotation):
                self.at(
                    arg,
                    f"handler `{node.name}` takes `{arg.arg}` as a raw mapping: declare a "
                    "Pydantic model (or dataclass) so the body is validated",
                )
        declared = isinstance(route, ast.Call) and any(
            kw.arg in ("response_model", "response_class") and not is_none(kw.value)
            for kw in route.keywords
        )
        if not declared and self._raw(node.returns):
            assert node.returns is not None
            self.at(
                node.returns,
                f"handler `{node.name}` returns a raw mapping: return a Pydantic model (or "
                "dataclass) so the response has a schema",
            )

    def enter_function(self, node: FunctionNode) -> None:
        by_hand, verified = self._checks(node)
        self.validated_body.append(self._validator_decorated(node) or by_hand)
        self.verified_from.append(verified)
        self._enter(node)

    def exit_function(self, node: FunctionNode) -> None:
        self.request_params.pop()
        self.validated_body.pop()
        self.verified_from.pop()

    def _checks(self, node: FunctionNode) -> tuple[bool, int | None]:
        """Whether the function validates the body by hand, and the first line where it
        verifies the request's signature (None when it does not)."""
        by_hand = False
        verified: int | None = None
        for inner in _own_nodes(node):
            if isinstance(inner, ast.Call):
                chain = name_chain(inner.func)
                last = chain[-1].lower() if chain else ""
                if "validat" in last or last == "is_valid":
                    by_hand = True
                if _verifies_signature(last) and (verified is None or inner.lineno < verified):
                    verified = inner.lineno
            elif isinstance(inner, ast.ExceptHandler) and inner.type is not None:
                kinds = inner.type.elts if isinstance(inner.type, ast.Tuple) else [inner.type]
                for kind in kinds:
                    chain = name_chain(kind)
                    if chain and chain[-1].endswith("ValidationError"):
                        by_hand = True
            elif isinstance(inner, ast.If) and _rejects_unknown(inner):
                by_hand = True
        return by_hand, verified

    def _checked(self, node: ast.AST) -> bool:
        """The body read at ``node`` is validated by a decorator or by hand in its function,
        or comes after the request's signature was verified."""
        if any(self.validated_body):
            return True
        verified = self.verified_from[-1] if self.verified_from else None
        return verified is not None and getattr(node, "lineno", 0) > verified

    @staticmethod
    def _validator_decorated(node: FunctionNode) -> bool:
        for deco in node.decorator_list:
            target = deco.func if isinstance(deco, ast.Call) else deco
            chain = name_chain(target)
            last = chain[-1].lower() if chain else ""
            if any(word in last for word in VALIDATOR_WORDS) or last in VALIDATOR_NAMES:
                return True
        return False

    # --- raw body reads ---------------------------------------------------------------------

    def _validate(self, node: ast.AST) -> None:
        self.validated.add(id(node))
        if isinstance(node, ast.Await):
            self.validated.add(id(node.value))
        if isinstance(node, ast.Starred):
            self._validate(node.value)

    def visit_Call(self, node: ast.Call) -> None:
        for arg in node.args:
            self._validate(arg)
        for kw in node.keywords:
            self._validate(kw.value)
        if id(node) in self.validated or self._checked(node):
            return
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "json"
            and isinstance(func.value, ast.Name)
            and self.request_params
            and func.value.id in self.request_params[-1]
        ):
            self.at(node, "raw `request.json()` body: declare a Pydantic model parameter instead")
        elif self.qualify(func) in FLASK_BODY:
            self.at(node, "raw `request.get_json()` body: validate it with a schema")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if id(node) in self.validated or node.attr != "json" or self._checked(node):
            return
        if self.qualify(node) in FLASK_BODY and isinstance(node.ctx, ast.Load):
            self.validated.add(id(node))
            self.at(node, "raw `request.json` body: validate it with a schema")


#: exception classes and calls a handler rejects a request with
REJECTS = frozenset(
    {"abort", "BadRequest", "HTTPException", "ValidationError", "UnprocessableEntity"}
)


def _own_nodes(node: FunctionNode) -> list[ast.AST]:
    """The nodes of a function's body, nested functions and classes left out."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = list(node.body)
    while stack:
        inner = stack.pop()
        if isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        found.append(inner)
        stack.extend(ast.iter_child_nodes(inner))
    return found


def _verifies_signature(name: str) -> bool:
    """A call that authenticates a webhook's payload: ``check_stripe_signature``,
    ``verify_paypal_webhook``, ``hmac.compare_digest``, ``stripe.Webhook.construct_event``."""
    return (
        "signature" in name
        or ("webhook" in name and ("verif" in name or "check" in name))
        or name in ("compare_digest", "construct_event")
    )


def _rejects_unknown(node: ast.If) -> bool:
    """``if value not in ALLOWED: abort(400)``: a value checked against a constant set of
    allowed values, the request rejected otherwise."""
    test = node.test
    if not (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.NotIn)
    ):
        return False
    chain = name_chain(test.comparators[0])
    if not chain or not chain[-1].isupper():
        return False
    for stmt in node.body:
        if isinstance(stmt, ast.Raise):
            return True
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            called = name_chain(stmt.value.func)
            if called and called[-1] in REJECTS:
                return True
    return False
