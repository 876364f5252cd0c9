"""Who may call a route: the facts ``routes-require-auth`` and ``csrf-protection`` read.

Gathered in the shared service walk (:class:`charter.analyzers.repo.service.PythonFactsAnalyzer`)
from the nodes it keeps anyway (route handlers, request hooks, ``@csrf_exempt`` functions), so
that no other file pays for them:

* for each decorated route handler, the *authentication* it requires, if any: a decorator
  (``@login_required``, ``@jwt_required()``, ``@requires("authenticated")``), a FastAPI
  dependency (``Depends(get_current_user)``, any ``Security(...)``, ``dependencies=[...]``) or a
  parameter typed as the caller (``current_user: CurrentUser``). *Strong* markers show that the
  module has an authentication concept; *weak* ones (a parameter named ``user``, a body that
  reads ``request.user``, calls ``verify_token(...)`` or answers 401/403) only excuse a route;
* request guards: ``before_request`` hooks, ``@app.middleware("http")`` functions and
  middleware classes whose body checks the caller;
* routers constructed or included with ``dependencies=``: every route on them is guarded;
* ``@csrf_exempt`` views and whether they use the session (``request.user``,
  ``request.session``, ``@login_required``).

Names are judged by their words (``get_current_active_user`` -> current, active, user).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from charter.analyzers.python.common import dotted

#: decorators (last name) of functions that run before every request of an app or blueprint
GUARD_DECORATORS = frozenset({"before_request", "before_app_request", "middleware"})
_ROUTE_DECORATORS = frozenset(
    {"route", "api_route", "get", "post", "put", "patch", "delete", "head", "options"}
)
#: words of a name that checks or supplies the caller's identity
AUTH_WORDS = frozenset(
    {
        "auth",
        "authn",
        "authz",
        "authenticate",
        "authenticated",
        "authentication",
        "authenticator",
        "authorize",
        "authorized",
        "authorization",
        "authorise",
        "authorised",
        "login",
        "permission",
        "permissions",
        "perm",
        "perms",
        "jwt",
        "token",
        "apikey",
        "principal",
        "credentials",
        "admin",
        "superuser",
        "staff",
        "role",
        "roles",
        "oauth",
        "oauth2",
        "bearer",
        "protected",
        "secured",
        "acl",
        "rbac",
        "signin",
    }
)
_USER_PAIRS = ({"current", "user"}, {"active", "user"}, {"logged", "user"}, {"api", "key"})
#: words that only excuse a route (the handler looks at its caller)
_WEAK_WORDS = AUTH_WORDS | {"user", "unauthorized", "forbidden", "unauthenticated", "owner"}
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
#: words of a request body or form type, not of the caller (``LoginForm``, ``UserUpdate``)
_PAYLOAD_WORDS = frozenset(
    {
        "create",
        "update",
        "data",
        "request",
        "payload",
        "body",
        "input",
        "in",
        "form",
        "schema",
        "set",
        "patch",
        "params",
        "password",
        "username",
        "response",
        "out",
        "dto",
    }
)
_PUBLIC = frozenset({"AllowAny", "public", "public_route", "no_auth", "skip_auth"})


def words(name: str) -> set[str]:
    return {t.lower() for t in _WORD.findall(name)}


def names_auth(name: str) -> bool:
    """A name that checks or supplies the caller: ``login_required``, ``get_current_user``,
    ``verify_jwt``, ``oauth2_scheme``, ``require_api_key``, ``CurrentUser``."""
    found = words(name)
    return bool(found & AUTH_WORDS) or any(pair <= found for pair in _USER_PAIRS)


def _dotted(node: ast.AST) -> str:
    """``a.b.c`` for a name or attribute chain, else ""."""
    return dotted(node) or ""


def _called(node: ast.AST) -> str:
    return _dotted(node.func) if isinstance(node, ast.Call) else _dotted(node)


def _dependencies(node: ast.AST) -> list[str]:
    """``Depends(x)`` / ``Security(x)`` calls under ``node``, as ``Depends(x)`` strings."""
    found: list[str] = []
    for sub in ast.walk(node):
        if not isinstance(sub, ast.Call):
            continue
        kind = _called(sub).rsplit(".", 1)[-1]
        if kind in ("Depends", "Security"):
            target = _called(sub.args[0]) if sub.args else ""
            found.append(f"{kind}({target})")
    return found


def _strong_dependency(dep: str) -> bool:
    return dep.startswith("Security(") or names_auth(dep[dep.index("(") :])


def _status_denied(node: ast.AST) -> bool:
    """``HTTPException(status_code=401)``, ``abort(403)``, ``status.HTTP_401_UNAUTHORIZED``."""
    if isinstance(node, ast.Constant) and node.value in (401, 403):
        return True
    return isinstance(node, ast.Attribute) and node.attr.startswith(("HTTP_401", "HTTP_403"))


def _body_marker(function: ast.AST) -> str | None:
    """What in a handler's or hook's body looks at the caller: ``request.user``,
    ``current_user``, a call named after authentication, a 401/403 answer."""
    for stmt in getattr(function, "body", []):
        for sub in ast.walk(stmt):
            if isinstance(sub, ast.Attribute) and sub.attr in ("user", "auth", "session"):
                base = _dotted(sub.value)
                if base in ("request", "g", "self.request", "req", "info.context"):
                    return f"{base}.{sub.attr}"
            elif isinstance(sub, ast.Name) and names_auth(sub.id) and sub.id != "self":
                return sub.id
            elif isinstance(sub, ast.Call):
                name = _called(sub)
                if name and names_auth(name.rsplit(".", 1)[-1]):
                    return f"{name}()"
            elif _status_denied(sub):
                return "a 401/403 answer"
    return None


def _route_decorator(node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.Call | None:
    for deco in node.decorator_list:
        if (
            isinstance(deco, ast.Call)
            and isinstance(deco.func, ast.Attribute)
            and deco.func.attr in _ROUTE_DECORATORS
        ):
            return deco
    return None


def _route_auth(
    node: ast.FunctionDef | ast.AsyncFunctionDef,
) -> tuple[str | None, str | None]:
    """(strong marker, weak marker) of a route handler; a route marked public
    (``@permission_classes([AllowAny])``) gets the weak marker ``public``."""
    route = _route_decorator(node)
    weak: str | None = None
    for deco in node.decorator_list:
        if deco is route:
            continue
        name = _called(deco)
        if (
            any(
                isinstance(sub, ast.Name | ast.Attribute)
                and _dotted(sub).rsplit(".")[-1] in _PUBLIC
                for sub in ast.walk(deco)
            )
            or name.rsplit(".", 1)[-1] in _PUBLIC
        ):
            weak = weak or "public"
            continue
        if name and (names_auth(name) or name.rsplit(".", 1)[-1] == "requires"):
            return f"@{name}", None
        for dep in _dependencies(deco):
            if _strong_dependency(dep):
                return dep, None
    if route is not None:
        for kw in route.keywords:
            if kw.arg == "dependencies":
                listed = _dependencies(kw.value)
                strong = next((d for d in listed if _strong_dependency(d)), None)
                if strong:
                    return strong, None
                weak = weak or "dependencies=[...]"
    args = node.args
    params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    deps: list[str] = []
    for default in [*args.defaults, *args.kw_defaults]:
        if default is not None:
            deps += _dependencies(default)
    for param in params:
        if param.annotation is not None:
            deps += _dependencies(param.annotation)
    strong_dep = next((d for d in deps if _strong_dependency(d)), None)
    if strong_dep:
        return strong_dep, None
    for param in params:
        if param.annotation is None or words(param.arg) & _PAYLOAD_WORDS:
            continue
        for sub in ast.walk(param.annotation):
            name = _dotted(sub) if isinstance(sub, ast.Name | ast.Attribute) else ""
            last = name.rsplit(".", 1)[-1]
            if name and names_auth(last) and not words(last) & _PAYLOAD_WORDS:
                return f"{param.arg}: {name}", None
    if params and params[0].arg == "self":
        weak = weak or "a method of a class-based controller (its class supplies the caller)"
    if deps:
        weak = weak or deps[0]  # a dependency of unknown purpose may well be the caller
    for param in params:
        if words(param.arg) & _WEAK_WORDS:
            weak = weak or f"parameter {param.arg}"
    return None, weak or _body_marker(node)


def _guards(guard_nodes: list[ast.AST]) -> list[list[Any]]:
    """[line, owner, marker] of each request hook or middleware that checks the caller; the
    owner is the decorator's receiver (``bp`` of ``@bp.before_request``), ``""`` for a
    middleware class."""
    found: list[list[Any]] = []
    for node in guard_nodes:
        marker = _body_marker(node)
        owner = ""
        for deco in getattr(node, "decorator_list", []):
            func = deco.func if isinstance(deco, ast.Call) else deco
            if isinstance(func, ast.Attribute) and func.attr in GUARD_DECORATORS:
                owner = _dotted(func.value)
            elif marker is None and names_auth(_called(deco)):
                # ``@bp.before_request`` over ``@login_required``: the hook's own decorator
                # turns away every caller who is not signed in, whatever its body does
                marker = f"@{_called(deco)}"
        if marker is None:
            continue
        found.append([getattr(node, "lineno", 1), owner, marker])
    return found


def _routers(tree: ast.AST) -> list[list[Any]]:
    """[name, line] of routers constructed (``router = APIRouter(dependencies=[...])``) or
    included (``app.include_router(items.router, dependencies=[...])``) with dependencies."""
    found: list[list[Any]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            call = node.value
            if any(kw.arg == "dependencies" for kw in call.keywords):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found.append([target.id, node.lineno])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("include_router", "include_in_schema", "mount")
            and node.args
            and any(kw.arg == "dependencies" for kw in node.keywords)
        ):
            found.append([_dotted(node.args[0]), node.lineno])
    return found


#: what an authentication decorator checks when it is not the session
_TOKEN_WORDS = frozenset({"token", "key", "apikey", "signature", "signed", "hmac", "jwt"})


def _exempt(nodes: list[ast.AST], qualify: Callable[[ast.AST], str | None]) -> list[list[Any]]:
    """[decorator line, function, session use or None] of each ``@csrf_exempt`` function.

    A Django REST framework ``@api_view`` is left out: DRF exempts its views from Django's
    middleware check already and enforces CSRF itself for session-authenticated requests
    (``SessionAuthentication.enforce_csrf``), so ``@csrf_exempt`` there turns nothing off."""
    found: list[list[Any]] = []
    for node in nodes:
        line = getattr(node, "lineno", 1)
        session: str | None = None
        drf = False
        for deco in getattr(node, "decorator_list", []):
            target = deco.func if isinstance(deco, ast.Call) else deco
            name = qualify(target) or ""
            last = name.rsplit(".", 1)[-1]
            if last == "csrf_exempt":
                line = deco.lineno
            elif last == "api_view" and (name == last or name.startswith("rest_framework.")):
                drf = True
            elif name and names_auth(last) and not words(last) & _TOKEN_WORDS:
                # ``@login_required`` signs in by the session; ``@token_verify`` by a token
                # the client sends, which a forged cross-site form does not carry
                session = session or f"@{last}"
        if drf:
            continue
        reprotects = False
        for stmt in getattr(node, "body", []):
            for sub in ast.walk(stmt):
                if (
                    session is None
                    and isinstance(sub, ast.Attribute)
                    and sub.attr in ("user", "session")
                    and _dotted(sub.value) == "request"
                ):
                    session = f"request.{sub.attr}"
                # the view turns CSRF protection back on for part of its work: Sefaria's
                # ``return csrf_protect(view)(request)`` or an inner ``@csrf_protect`` function
                # for signed-in callers, the exemption being only for API keys
                if isinstance(sub, ast.Name | ast.Attribute) and _dotted(sub).endswith(
                    "csrf_protect"
                ):
                    reprotects = True
        if not reprotects:
            found.append([line, getattr(node, "name", ""), session])
    return found


def access_facts(
    tree: ast.AST | None,
    route_nodes: list[ast.AST],
    exempt_nodes: list[ast.AST],
    guard_nodes: list[ast.AST],
    qualify: Callable[[ast.AST], str | None],
    text: str,
) -> dict[str, Any] | None:
    """The JSON facts of one file, or None when it has none of them."""
    routes = [
        [node.lineno, *_route_auth(node)]
        for node in route_nodes
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    guards = _guards(guard_nodes)
    routers = _routers(tree) if tree is not None and "dependencies" in text else []
    exempt = _exempt(exempt_nodes, qualify)
    if not (routes or guards or routers or exempt):
        return None
    return {"routes": routes, "guards": guards, "routers": routers, "exempt": exempt}


@dataclass(frozen=True)
class AccessFacts:
    """The access facts of one file (see :func:`access_facts`)."""

    path: str
    #: line of the handler -> (strong marker, weak marker)
    routes: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)
    guards: list[tuple[int, str, str]] = field(default_factory=list)
    routers: list[tuple[str, int]] = field(default_factory=list)
    exempt: list[tuple[int, str, str | None]] = field(default_factory=list)

    @classmethod
    def of(cls, path: str, value: dict[str, Any]) -> AccessFacts:
        return cls(
            path,
            {line: (strong, weak) for line, strong, weak in value.get("routes", ())},
            [(line, owner, marker) for line, owner, marker in value.get("guards", ())],
            [(name, line) for name, line in value.get("routers", ())],
            [(line, name, session) for line, name, session in value.get("exempt", ())],
        )
