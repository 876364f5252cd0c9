"""Is this repository a service? The one shared answer for the service-only rules.

``metrics-exposed``, ``tracing``, ``graceful-shutdown``, ``structured-logging``,
``api-documentation`` and ``dependency-lock`` only make sense for a repository that *runs* a
long-lived process. The definition is deliberately simple and visible in a finding:

    A repository runs a service when its non-test Python code constructs a server
    application: a web app (``FastAPI()``, ``Flask(__name__)``, ``Starlette()``,
    ``Litestar()``, ``Sanic()``, ``Quart()``, aiohttp ``web.Application()``, Falcon,
    Tornado, Bottle, Pyramid, Connexion, Django's ``get_wsgi_application()`` /
    ``get_asgi_application()``), a gRPC server (``grpc.server()``, ``grpc.aio.server()``)
    or a Temporal worker (``temporalio.worker.Worker()``).

Names are resolved through the file's imports, so ``from fastapi import FastAPI as API;
API()`` counts and a local class called ``FastAPI`` does not. The first such construction is
the *anchor*: a service rule that fails reports there ("this app exposes no metrics"). Libraries,
CLIs and scripts are not services, so those rules are not applicable to them.

(The ``health-checks`` rule has its own, wider detection that also covers Go, Node, Dockerfiles
and Kubernetes manifests; this one stays Python-only because every rule that uses it looks for
Python libraries.)

The file phase is one :class:`PythonFactsAnalyzer`: it records each file's imports and the calls
a rule cares about as JSON facts, in the shared ``ast`` walk.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, ClassVar

from charter.analyzers.base import AstAnalyzer, Emitter, path_matches
from charter.analyzers.python.common import dotted
from charter.analyzers.repo.access import GUARD_DECORATORS, AccessFacts, access_facts
from charter.analyzers.repo.project import is_test_path
from charter.repo import RepoIndex
from charter.sources import SourceFile

#: qualified name of a constructor -> the kind of service it makes
APP_CONSTRUCTORS: dict[str, str] = {
    "fastapi.FastAPI": "FastAPI app",
    "flask.Flask": "Flask app",
    "starlette.applications.Starlette": "Starlette app",
    "litestar.Litestar": "Litestar app",
    "sanic.Sanic": "Sanic app",
    "quart.Quart": "Quart app",
    "aiohttp.web.Application": "aiohttp app",
    "falcon.App": "Falcon app",
    "falcon.asgi.App": "Falcon app",
    "tornado.web.Application": "Tornado app",
    "bottle.Bottle": "Bottle app",
    "pyramid.config.Configurator": "Pyramid app",
    "connexion.App": "Connexion app",
    "connexion.FlaskApp": "Connexion app",
    "connexion.AsyncApp": "Connexion app",
    "robyn.Robyn": "Robyn app",
    "django.core.wsgi.get_wsgi_application": "Django app",
    "django.core.asgi.get_asgi_application": "Django app",
    "grpc.server": "gRPC server",
    "grpc.aio.server": "gRPC server",
    "temporalio.worker.Worker": "Temporal worker",
}
#: methods (whatever the receiver) that register shutdown hooks: aiohttp, Sanic, Quart, …
SHUTDOWN_HOOK_METHODS = frozenset(
    {
        "on_shutdown",
        "on_cleanup",
        "cleanup_ctx",
        "after_server_stop",
        "before_server_stop",
        "after_serving",
        "on_app_shutdown",
    }
)
EVENT_METHODS = frozenset({"on_event", "add_event_handler"})
SIGNAL_METHODS = frozenset({"add_signal_handler"})
#: Flask: where a blueprint is mounted (``app.register_blueprint(api, url_prefix="/api")``)
BLUEPRINT_METHODS = frozenset({"register_blueprint"})
HTTP_KINDS = frozenset(k for k in APP_CONSTRUCTORS.values() if k.endswith(" app"))
SERVICE_MODULES = frozenset(name.split(".", 1)[0] for name in APP_CONSTRUCTORS)
CLI_MODULES = frozenset({"argparse", "click", "typer", "fire", "docopt", "cyclopts"})
CLI_GLOBS = (
    "scripts/**",
    "bin/**",
    "tools/**",
    "benchmarks/**",
    "examples/**",
    "docs/**",
    "**/cli.py",
    "**/__main__.py",
    "**/manage.py",
    "cli.py",
    "__main__.py",
    "manage.py",
    "**/cli/**",
    "**/commands/**",
)


def _literal(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, str | int | float | bool):
        return node.value
    if isinstance(node, ast.Constant) and node.value is None:
        return None
    return "<expr>"


def identifier_words(name: str) -> list[str]:
    """The lower-case words of an identifier: ``_enforceRateLimit`` -> enforce, rate, limit."""
    return [t.lower() for t in _WORD.findall(name)]


_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")

#: the response headers the security-headers rule looks for, by their lower-case name
SECURITY_HEADERS: dict[str, str] = {
    "strict-transport-security": "Strict-Transport-Security",
    "content-security-policy": "Content-Security-Policy",
    "x-content-type-options": "X-Content-Type-Options",
    "x-frame-options": "X-Frame-Options",
}
#: spellings looked for before reading a file's strings for header names (plain substring
#: tests: a case-insensitive regex over every file costs more than the whole walk)
_HEADER_SPELLINGS = tuple(
    spelling
    for name in SECURITY_HEADERS.values()
    for spelling in (name, name.lower(), name.upper())
)
#: decorators (last name) that make a function run on every response: a global header hook
HOOK_DECORATORS = frozenset(
    {"after_request", "after_app_request", "middleware", "on_response", "after_response"}
)
#: decorators (last name) that make a function a route handler
ROUTE_DECORATORS = frozenset(
    {"route", "api_route", "get", "post", "put", "patch", "delete", "head", "options"}
)
HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete"})
#: DRF generic views and viewsets that answer POST with ``create`` without defining it
CREATE_VIEWS = frozenset({"ModelViewSet", "CreateAPIView", "ListCreateAPIView", "CreateModelMixin"})
#: base-class name endings of class-based views (Django, DRF, Flask MethodView, flask-restful)
VIEW_BASES = ("View", "ViewSet", "Resource", "Handler", "Endpoint", "Controller")
#: decorators (last name) of background jobs: Celery, Huey, Dramatiq, RQ, APScheduler, SAQ
TASK_DECORATORS = frozenset(
    {"task", "shared_task", "periodic_task", "db_task", "db_periodic_task", "actor", "job"}
)
#: HTTP client modules whose calls reach other services, and their request functions
CLIENT_MODULES = frozenset({"requests", "httpx", "aiohttp", "urllib3"})
REQUEST_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "request", "stream"}
)
CLIENT_CONSTRUCTORS = frozenset(
    {"httpx.Client", "httpx.AsyncClient", "aiohttp.ClientSession", "requests.Session"}
)
GRPC_CHANNELS = frozenset(
    {
        "grpc.insecure_channel",
        "grpc.secure_channel",
        "grpc.aio.insecure_channel",
        "grpc.aio.secure_channel",
    }
)
#: calls that read configuration: a URL built from them is a configured dependency
_CONFIG_CALLS = re.compile(r"(^|\.)(getenv|environ\.get|env|config|get_setting|get_settings)$")
_CONFIG_NAMES = frozenset({"settings", "config", "conf", "cfg", "environ", "env", "SETTINGS"})
#: module-level settings (Django style) whose values the rules read
SETTING_NAMES = re.compile(
    r"^(SECURE_\w+|X_FRAME_OPTIONS|CSP_\w+|CONTENT_SECURITY_POLICY\w*|handler(400|403|404|500))$"
)
_DOTTED_STRING = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
#: Django settings that wire code in by dotted string: middleware, apps, backends, handlers,
#: DRF's classes, database engines (``MIDDLEWARE``, ``INSTALLED_APPS``, ``AXES_HANDLER`` ...)
WIRING_SETTINGS = re.compile(
    r"^[A-Z0-9_]*(MIDDLEWARE|APPS|BACKENDS?|CLASSES|HANDLERS?|REST_FRAMEWORK|DATABASES|"
    r"ENGINE|CACHES)[A-Z0-9_]*$|^handler(400|403|404|500)$"
)
_MAX_REFS = 300
#: substrings that make a file worth the look-ups few files need: attempt counters, a breaker's
#: state
_ATTEMPT_SPELLINGS = ("ttemp", "TTEMP", "tries", "TRIES")
_BREAKER_SPELLINGS = ("uspend", "USPEND", "ooldown", "OOLDOWN", "_until", "_UNTIL", "ripped")


def _statements(nodes: list[ast.stmt]) -> list[ast.stmt]:
    """Every statement in ``nodes`` and in the blocks nested in them (bodies of functions,
    classes, ``if``/``for``/``while``/``with``/``try``), expressions not entered."""
    found: list[ast.stmt] = []
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        found.append(node)
        for block in ("body", "orelse", "finalbody"):
            children = getattr(node, block, None)
            if isinstance(children, list):
                stack.extend(reversed(children))
        for handler in getattr(node, "handlers", ()):
            stack.extend(reversed(handler.body))
        for case in getattr(node, "cases", ()):
            stack.extend(reversed(case.body))
    return found


#: host suffixes of names that resolve inside a deployment (Kubernetes, compose, a VPC)
_INTERNAL_SUFFIXES = (".svc", ".local", ".internal", ".cluster.local", ".lan", ".consul")
_URL_HOST = re.compile(r"^[a-z][a-z0-9+.-]*://(?:[^@/]*@)?([^:/?#]+)", re.IGNORECASE)


def _url_kind(text: str) -> str:
    """``internal`` for a URL to a service of the deployment (``http://pricing/quote``,
    ``http://users.default.svc:8080``), ``external`` for a public host (``https://api.x.com``),
    ``local`` for localhost, ``variable`` for anything that is not a URL."""
    match = _URL_HOST.match(text)
    if match is None:
        return "variable"
    host = match.group(1).lower()
    if host in ("localhost", "127.0.0.1", "0.0.0.0") or not host:
        return "local"  # a developer's machine, not a dependency of the deployment
    if "." not in host or host.endswith(_INTERNAL_SUFFIXES):
        return "internal"
    return "external"


def _is_upper(name: str | None) -> bool:
    return bool(name) and name == (name or "").upper() and any(c.isalpha() for c in name or "")


def _decorator_name(node: ast.AST) -> str:
    """The last name of a decorator: ``@app.after_request`` and ``@bp.route("/x")`` give
    ``after_request`` and ``route``."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _string(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _limiter_name(name: str, *, function: bool = False) -> bool:
    """A class or function named after a rate limiter: RateLimiter, TokenBucket,
    ``check_rate_limit``, ``_enforce_rate_limit``, LoginThrottle (not ``Delimiter``; a
    function named ``limiter_config`` only mentions one)."""
    lowered = name.lower()
    if not any(part in lowered for part in ("limit", "throttl", "bucket", "window")):
        return False
    words = set(identifier_words(name))
    return bool(
        words & {"ratelimit", "ratelimiter", "throttle", "throttling", "throttler"}
        or (not function and "limiter" in words)
        or {"rate", "limit"} <= words
        or {"rate", "limiter"} <= words
        or {"token", "bucket"} <= words
        or {"leaky", "bucket"} <= words
        or {"sliding", "window"} <= words
    )


_ATTEMPT_WORDS = frozenset({"attempt", "attempts", "attemps", "tries"})
_LOGIN_WORDS = frozenset(
    {"login", "logins", "failed", "failure", "failures", "password", "auth", "signin", "mfa"}
)


def _attempt_limit(names: list[str]) -> bool:
    """``user.login_attempts >= settings.MAX_LOGIN_ATTEMPTS``, ``failed_attempts >= N``: a
    count of failed sign-in attempts compared with a limit (a retry loop's ``attempt < 3`` is
    not one: it names no login or failure)."""
    words = {w for name in names for w in identifier_words(name)}
    return bool(words & _ATTEMPT_WORDS) and bool(words & _LOGIN_WORDS)


def _breaker_state(attrs: set[str]) -> bool:
    """Instance state of a hand-rolled circuit breaker: a count of consecutive failures and a
    time until which calls are suspended (open)."""
    words = [set(identifier_words(a)) for a in attrs]
    failures = any(
        w & {"errors", "failures", "fails", "failure", "error"}
        and w & {"continuous", "consecutive", "count", "counter", "num"}
        for w in words
    )
    suspended = any(
        w & {"suspend", "suspended", "cooldown", "tripped"}
        or {"open", "until"} <= w
        or {"half", "open"} <= w
        or {"blocked", "until"} <= w
        or {"cool", "down"} <= w
        for w in words
    )
    return failures and suspended


class PythonFactsAnalyzer(AstAnalyzer):
    """File phase shared by the service rules: imports, and the calls they ask for, as facts.

    Every subclass records the same facts (so the engine runs this file phase once per file for
    all of them, see :meth:`file_phase_key`): ``CALL_MODULES`` (top-level modules whose calls
    are recorded), ``CALL_NAMES`` (exact qualified names such as ``print``) and ``ATTR_NAMES``
    (method names recorded whatever the receiver, such as ``add_signal_handler``). Besides the
    calls it records what the API-hardening and observability rules read from the tree:
    routes (decorators and class-based views), security header names and whether a global hook
    sets them, module-level settings and the dotted strings they name (Django's
    ``MIDDLEWARE``/``INSTALLED_APPS``), hand-rolled rate limiters and circuit breakers, and
    outbound HTTP/gRPC calls with what their target is built from.

    The shared walk only visits statements-level nodes it needs (imports, classes, functions,
    ``with``, ``if`` and calls); what few files contain (header names, attempt counters, breaker
    state, module-level settings, hook and route bodies) is read after the walk from the nodes
    kept during it, so that every other file pays nothing for it.
    """

    CALL_MODULES: ClassVar[frozenset[str]] = frozenset(
        {"signal", "uvicorn", "structlog", "loguru", "logging", "sentry_sdk"}
    )
    CALL_NAMES: ClassVar[frozenset[str]] = frozenset({"print"})
    ATTR_NAMES: ClassVar[frozenset[str]] = (
        SHUTDOWN_HOOK_METHODS | EVENT_METHODS | SIGNAL_METHODS | BLUEPRINT_METHODS
    )

    def file_phase_key(self) -> object | None:
        return "python-facts"  # the same facts for every service rule: gathered once per file

    def applies_to(self, file: SourceFile) -> bool:
        return file.kind == "python" and not is_test_path(file.path)

    def begin(self, file: SourceFile, out: Emitter) -> None:
        super().begin(file, out)
        self._aliases: dict[str, str] = {}
        self._imports: list[tuple[str, int]] = []
        self._calls: list[tuple[str, int, dict[str, Any], list[Any], bool]] = []
        self._classes: list[tuple[str, int, list[str]]] = []
        self._main_guard = 0
        self._has_main_guard = False
        self._call_name_tops = frozenset(n.split(".", 1)[0] for n in self.CALL_NAMES)
        #: enclosing functions: (kind, name) with kind hook / route / task / function
        self._functions: list[tuple[str, str]] = []
        #: enclosing classes: (name, qualified bases)
        self._class_stack: list[tuple[str, list[str]]] = []
        #: every function: (first line, last line, kind), to find a line's innermost function
        self._spans: list[tuple[int, int, str]] = []
        self._hook_nodes: list[ast.AST] = []
        self._route_nodes: list[ast.AST] = []
        #: functions decorated ``@csrf_exempt`` and request hooks (``before_request``)
        self._exempt_nodes: list[ast.AST] = []
        self._guard_nodes: list[ast.AST] = []
        self._class_nodes: list[ast.ClassDef] = []
        self._with_calls: set[int] = set()
        self._routes: list[tuple[list[str], str | None, int, str, str]] = []
        self._limits: list[tuple[str, int, str]] = []
        self._breakers: list[tuple[str, int]] = []
        self._outbound: list[tuple[str, int, str, str, bool]] = []
        self._imports_client = False
        text = file.text or ""
        self._header_text = any(spelling in text for spelling in _HEADER_SPELLINGS)
        self._attempt_text = any(spelling in text for spelling in _ATTEMPT_SPELLINGS)
        self._breaker_text = any(spelling in text for spelling in _BREAKER_SPELLINGS)

    # classes and functions -------------------------------------------------------------
    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = [b for b in (self.qualify(base) for base in node.bases) if b]
        if any(b.split(".", 1)[0] in self.CALL_MODULES for b in bases):
            self._classes.append((node.name, node.lineno, bases))
        self._class_stack.append((node.name, bases))
        self._class_nodes.append(node)
        last = {b.rsplit(".", 1)[-1] for b in bases}
        if last & CREATE_VIEWS:  # DRF: POST (create) inherited from the generic view
            self._routes.append((["POST"], None, node.lineno, node.name, "create"))
        if (
            _limiter_name(node.name)
            and not node.name.endswith(("Error", "Exception", "Exceeded"))
            and not any(b.endswith(("Error", "Exception")) for b in bases)
        ):
            self._limits.append(("class", node.lineno, node.name))
        words = set(identifier_words(node.name))
        if "breaker" in words or "circuit" in words:
            self._breakers.append((node.name, node.lineno))

    def leave_ClassDef(self, node: ast.ClassDef) -> None:
        self._class_stack.pop()

    def _function_kind(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
        names = [_decorator_name(d) for d in node.decorator_list]
        if any(n in HOOK_DECORATORS for n in names):
            return "hook"
        if any(n in TASK_DECORATORS for n in names):
            return "task"
        if any(n in ROUTE_DECORATORS for n in names):
            return "route"
        if self._class_stack and not self._functions:
            cls, bases = self._class_stack[-1]
            owner = " ".join([cls, *bases])
            if "Middleware" in owner and node.name in (
                "dispatch",
                "process_response",
                "__call__",
                "send",
                "after_request",
            ):
                return "hook"
            if node.name in HTTP_VERBS and any(b.endswith(VIEW_BASES) for b in [cls, *bases]):
                return "route"
        if "header" in node.name.lower():
            return "hook"  # set_security_headers(response), called from a hook or middleware
        if self._functions and self._functions[-1][0] in ("hook", "task"):
            return self._functions[-1][0]  # a closure inside a hook (ASGI ``send_wrapper``)
        return "function"

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        kind = self._function_kind(node)
        self._functions.append((kind, node.name))
        self._spans.append((node.lineno, node.end_lineno or node.lineno, kind))
        if kind == "route":
            self._route(node)
            self._route_nodes.append(node)
        elif kind == "hook":
            self._hook_nodes.append(node)
        if _limiter_name(node.name, function=True):
            self._limits.append(("function", node.lineno, node.name))
        names = {_decorator_name(d) for d in node.decorator_list}
        if "csrf_exempt" in names:
            self._exempt_nodes.append(node)
        middleware = kind == "hook" and (
            "middleware" in names
            or (bool(self._class_stack) and node.name in ("dispatch", "__call__"))
        )
        if names & GUARD_DECORATORS or middleware:
            self._guard_nodes.append(node)

    def leave_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef
    leave_AsyncFunctionDef = leave_FunctionDef

    def _route(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        """A route: its HTTP methods, path (None for a class-based view), line, owner (the
        router or app variable, or the view class) and handler name."""
        for deco in node.decorator_list:
            if not isinstance(deco, ast.Call):
                continue
            verb = _decorator_name(deco)
            if verb not in ROUTE_DECORATORS:
                continue
            path = _string(deco.args[0]) if deco.args else None
            methods: list[str] = []
            for kw in deco.keywords:
                if kw.arg in ("path", "rule") and path is None:
                    path = _string(kw.value)
                if kw.arg == "methods" and isinstance(kw.value, ast.List | ast.Tuple | ast.Set):
                    methods = [m.upper() for m in (_string(e) for e in kw.value.elts) if m]
            if verb not in ("route", "api_route"):
                methods = [verb.upper()]
            methods = methods or ["GET"]
            owner = dotted(deco.func.value) if isinstance(deco.func, ast.Attribute) else ""
            self._routes.append((methods, path, node.lineno, owner or "", node.name))
            return
        if self._class_stack and node.name in HTTP_VERBS:
            cls, _ = self._class_stack[-1]
            self._routes.append(([node.name.upper()], None, node.lineno, cls, node.name))

    # with ------------------------------------------------------------------------------
    def visit_AsyncWith(self, node: ast.AsyncWith | ast.With) -> None:
        for item in node.items:
            if isinstance(item.context_expr, ast.Call):
                self._with_calls.add(id(item.context_expr))

    visit_With = visit_AsyncWith

    # imports ---------------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._imports.append((alias.name, node.lineno))
            if alias.name.split(".", 1)[0] in CLIENT_MODULES:
                self._imports_client = True
            if alias.asname:
                self._aliases[alias.asname] = alias.name
            else:
                head = alias.name.split(".", 1)[0]
                self._aliases[head] = head

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or not node.module:
            return
        self._imports.append((node.module, node.lineno))
        if node.module.split(".", 1)[0] in CLIENT_MODULES:
            self._imports_client = True
        for alias in node.names:
            full = f"{node.module}.{alias.name}"
            self._imports.append((full, node.lineno))
            self._aliases[alias.asname or alias.name] = full

    # `if __name__ == "__main__":` ----------------------------------------------------------
    @staticmethod
    def _is_main_guard(node: ast.If) -> bool:
        test = node.test
        return (
            isinstance(test, ast.Compare)
            and isinstance(test.left, ast.Name)
            and test.left.id == "__name__"
            and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
        )

    def visit_If(self, node: ast.If) -> None:
        if self._is_main_guard(node):
            self._main_guard += 1
            self._has_main_guard = True

    def leave_If(self, node: ast.If) -> None:
        if self._is_main_guard(node):
            self._main_guard -= 1

    # calls -----------------------------------------------------------------------------
    def qualify(self, node: ast.AST) -> str | None:
        chain = dotted(node)
        if chain is None:
            return None
        head, _, rest = chain.partition(".")
        base = self._aliases.get(head, head)
        return f"{base}.{rest}" if rest else base

    def visit_Call(self, node: ast.Call) -> None:
        # every call of every file comes here: reject the ~99% nobody asked for before
        # building a qualified name (APP_CONSTRUCTORS all live in SERVICE_MODULES)
        func = node.func
        attrs: list[str] = []
        while isinstance(func, ast.Attribute):
            attrs.append(func.attr)
            func = func.value
        base = self._aliases.get(func.id, func.id) if isinstance(func, ast.Name) else ""
        top, dot, _ = base.partition(".")
        if top in CLIENT_MODULES or top == "grpc":
            self._outbound_call(node, ".".join([base, *reversed(attrs)]))
        elif self._imports_client and attrs and attrs[0] in REQUEST_METHODS and node.args:
            self._outbound_method(node, attrs[0])
        if not isinstance(func, ast.Name):
            return
        if not (
            top in SERVICE_MODULES
            or top in self.CALL_MODULES
            or top in self._call_name_tops
            or not self.ATTR_NAMES.isdisjoint(attrs)
            or (dot and not self.ATTR_NAMES.isdisjoint(base.split(".")))
        ):
            return
        name = ".".join([base, *reversed(attrs)])
        parts = name.split(".")
        wanted = (
            name in APP_CONSTRUCTORS
            or top in SERVICE_MODULES
            or top in self.CALL_MODULES
            or name in self.CALL_NAMES
            or any(part in self.ATTR_NAMES for part in parts[1:])
        )
        if name == "print" and self._main_guard:
            wanted = False
        if not wanted:
            return
        keywords = {kw.arg: _literal(kw.value) for kw in node.keywords if kw.arg}
        for kw in node.keywords:
            if kw.arg and isinstance(kw.value, ast.Name | ast.Attribute):
                keywords[kw.arg] = self.qualify(kw.value) or "<expr>"
        args = [
            (self.qualify(a) if isinstance(a, ast.Name | ast.Attribute) else _literal(a))
            for a in node.args[:3]
        ]
        self._calls.append((name, node.lineno, keywords, args, id(node) in self._with_calls))

    # outbound calls ----------------------------------------------------------------------
    def _target(self, node: ast.AST) -> tuple[str, str]:
        """What a URL or channel target is built from, and its text: ``internal`` (a literal
        URL whose host is a service name of the deployment: no dots, or ``.svc``, ``.local``,
        ``.internal``), ``external`` (a literal public URL: a third-party API), ``local``
        (localhost), ``configured`` (a constant, a setting or an environment variable) or
        ``variable`` (data: a parameter, a record's field, a user's input)."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return _url_kind(node.value), node.value[:80]
        if isinstance(node, ast.JoinedStr) and node.values:
            first = node.values[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                return _url_kind(first.value), first.value[:80]
            if isinstance(first, ast.FormattedValue):
                return self._target(first.value)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._target(node.left)
        if isinstance(node, ast.Name):
            return ("configured" if _is_upper(node.id) else "variable"), node.id
        if isinstance(node, ast.Attribute | ast.Subscript):
            inner: ast.AST = node
            keys: list[str] = []
            while isinstance(inner, ast.Subscript):
                key = _string(inner.slice)
                if key:
                    keys.append(key)
                inner = inner.value
            dotted = self.qualify(inner) or ""
            parts = dotted.split(".")
            configured = _is_upper(parts[-1]) or any(p in _CONFIG_NAMES for p in parts)
            text = ".".join([dotted, *reversed(keys)])
            return ("configured" if configured else "variable"), text
        if isinstance(node, ast.Call):
            dotted = self.qualify(node.func) or ""
            if _CONFIG_CALLS.search(dotted):
                arg = _string(node.args[0]) if node.args else None
                return "configured", f"{dotted}({arg or '...'})"
            if isinstance(node.func, ast.Attribute) and node.func.attr in ("format", "join"):
                return self._target(node.func.value)
        return "variable", "<expr>"

    def _task(self) -> bool:
        return any(kind == "task" for kind, _ in self._functions)

    def _outbound_call(self, node: ast.Call, name: str) -> None:
        """``requests.get(URL)``, ``httpx.AsyncClient(base_url=URL)``, ``grpc.insecure_channel``."""
        short = name.rsplit(".", 1)[-1]
        target: ast.AST | None = None
        if name in GRPC_CHANNELS:
            target = node.args[0] if node.args else None
            if target is None:
                return
            _, text = self._target(target)
            self._outbound.append((name, node.lineno, "channel", text, self._task()))
            return
        if name.split(".", 1)[0] == "grpc" or ".web." in f".{name}.":
            return
        for kw in node.keywords:
            if kw.arg in ("url", "base_url"):
                target = kw.value
        if target is not None and name in CLIENT_CONSTRUCTORS:
            kind, text = self._target(target)
            # a client bound to one base URL talks to one service, wherever the URL comes from
            kind = kind if kind in ("external", "local") else "client"
            self._outbound.append((name, node.lineno, kind, text, self._task()))
            return
        if target is None and name not in CLIENT_CONSTRUCTORS and short in REQUEST_METHODS:
            index = 1 if short == "request" else 0
            target = node.args[index] if len(node.args) > index else None
        if target is None:
            return
        kind, text = self._target(target)
        self._outbound.append((name, node.lineno, kind, text, self._task()))

    def _outbound_method(self, node: ast.Call, method: str) -> None:
        """``client.get("http://pricing/quote")`` on any receiver, in a file that imports an
        HTTP client: only a URL literal, a URL composed on a configured base or a configured
        ``*_URL`` counts (a variable says nothing about what the receiver is)."""
        index = 1 if method == "request" and len(node.args) > 1 else 0
        arg = node.args[index]
        kind, text = self._target(arg)
        if kind == "variable":
            return
        words = set(identifier_words(text))
        if (
            kind in ("internal", "external", "local")
            or isinstance(arg, ast.JoinedStr | ast.BinOp)
            or words & {"url", "uri", "endpoint", "host", "server"}
        ):
            self._outbound.append((f"<client>.{method}", node.lineno, kind, text, self._task()))

    # after the walk: what few files contain ------------------------------------------------
    def _scope_at(self, line: int) -> str:
        """The kind of the innermost function around ``line``, ``module`` outside any."""
        best: tuple[int, str] | None = None
        for first, last, kind in self._spans:
            if first <= line <= last and (best is None or first >= best[0]):
                best = (first, kind)
        return best[1] if best else "module"

    def _headers(self, tree: ast.AST) -> list[tuple[str, int, str]]:
        """Security header names written anywhere in the file, with the scope that sets them
        (``hook`` or ``module``: every response; ``route``/``function``: one handler)."""
        found: list[tuple[str, int, str]] = []
        for node in ast.walk(tree):
            value = _string(node)
            if value is not None and value.lower() in SECURITY_HEADERS:
                line = getattr(node, "lineno", 1)
                found.append((SECURITY_HEADERS[value.lower()], line, self._scope_at(line)))
        return found

    def _dynamic_headers(self) -> list[int]:
        """Lines where a global hook sets headers whose names are not literals
        (``response.headers[name] = value``, ``response.headers.update(defaults)``): the names
        come from configuration."""
        lines: list[int] = []
        for hook in self._hook_nodes:
            for node in _statements(getattr(hook, "body", [])):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if (
                            isinstance(target, ast.Subscript)
                            and isinstance(target.value, ast.Attribute)
                            and target.value.attr == "headers"
                            and _string(target.slice) is None
                        ):
                            lines.append(node.lineno)
                elif (
                    isinstance(node, ast.Expr)
                    and isinstance(node.value, ast.Call)
                    and isinstance(node.value.func, ast.Attribute)
                    and node.value.func.attr in ("update", "extend")
                    and isinstance(node.value.func.value, ast.Attribute)
                    and node.value.func.value.attr == "headers"
                    and node.value.args
                    and not isinstance(node.value.args[0], ast.Dict | ast.Constant)
                ):
                    lines.append(node.lineno)
        return lines

    def _module_settings(
        self, tree: ast.Module
    ) -> tuple[list[tuple[str, int, Any]], list[tuple[str, int]]]:
        """Module-level settings the rules read (``SECURE_HSTS_SECONDS = ...``) and the dotted
        strings of the settings that wire code in (:data:`WIRING_SETTINGS`:
        ``MIDDLEWARE = ["a.b.SecurityMiddleware"]``,
        ``MIDDLEWARE.append("csp.middleware.CSPMiddleware")``): Django names its middleware,
        apps and handlers by string."""
        settings: list[tuple[str, int, Any]] = []
        refs: list[tuple[str, int]] = []

        def strings(node: ast.AST) -> None:
            for sub in ast.walk(node):
                value = _string(sub)
                if value and _DOTTED_STRING.match(value) and len(refs) < _MAX_REFS:
                    refs.append((value, getattr(sub, "lineno", 0)))

        statements: list[ast.stmt] = list(tree.body)
        while statements:
            node = statements.pop(0)
            if isinstance(node, ast.If | ast.Try | ast.With):
                statements[:0] = [
                    *node.body,
                    *getattr(node, "orelse", []),
                    *getattr(node, "finalbody", []),
                    *[s for h in getattr(node, "handlers", []) for s in h.body],
                ]
                continue
            if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    name = target.id if isinstance(target, ast.Name) else None
                    if name is None or node.value is None:
                        continue
                    if SETTING_NAMES.match(name):
                        value = _literal(node.value)
                        if isinstance(node.value, ast.Name | ast.Attribute):
                            value = self.qualify(node.value) or "<expr>"
                        settings.append((name, node.lineno, value))
                    if WIRING_SETTINGS.search(name):
                        strings(node.value)
            elif (
                isinstance(node, ast.Expr)
                and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Attribute)
                and isinstance(node.value.func.value, ast.Name)
                and WIRING_SETTINGS.search(node.value.func.value.id)
            ):
                strings(node.value)
        return settings, refs

    def visit_Compare(self, node: ast.Compare) -> None:
        """``user.login_attempts >= settings.MAX_LOGIN_ATTEMPTS``: an attempt limit."""
        if not self._attempt_text or not any(
            isinstance(op, ast.Gt | ast.GtE | ast.Lt | ast.LtE) for op in node.ops
        ):
            return
        names = [n for n in (dotted(x) for x in (node.left, *node.comparators)) if n]
        if _attempt_limit(names):
            self._limits.append(("attempts", node.lineno, " / ".join(names)))

    def _breaker_classes(self) -> None:
        named = {name for name, _ in self._breakers}
        for cls in self._class_nodes:
            if cls.name in named:
                continue
            attrs: set[str] = set()
            for node in _statements(cls.body):
                if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    attrs.update(
                        t.attr
                        for t in targets
                        if isinstance(t, ast.Attribute)
                        and isinstance(t.value, ast.Name)
                        and t.value.id == "self"
                    )
            if _breaker_state(attrs):
                self._breakers.append((cls.name, cls.lineno))

    def _json_returns(self) -> list[int]:
        """Route handlers returning a dict or list literal: Flask, Quart and Bottle answer it
        as JSON."""
        return [
            node.lineno
            for route in self._route_nodes
            for node in _statements(getattr(route, "body", []))
            if isinstance(node, ast.Return) and isinstance(node.value, ast.Dict | ast.List)
        ]

    def end(self) -> None:
        tree = self.file.python_ast
        headers: list[tuple[str, int, str]] = []
        settings: list[tuple[str, int, Any]] = []
        refs: list[tuple[str, int]] = []
        if tree is not None:
            if self._header_text:
                headers = self._headers(tree)
            if self._class_nodes and self._breaker_text:
                self._breaker_classes()
            settings, refs = self._module_settings(tree)
        self.out.fact(
            {
                "imports": self._imports,
                "calls": self._calls,
                "classes": self._classes,
                "cli": self._is_cli(),
                "routes": self._routes,
                "headers": headers,
                "dynamic_headers": self._dynamic_headers(),
                "settings": settings,
                "refs": refs,
                "limits": self._limits,
                "breakers": self._breakers,
                "outbound": self._outbound,
                "json_returns": self._json_returns(),
                "access": access_facts(
                    tree,
                    self._route_nodes,
                    self._exempt_nodes,
                    self._guard_nodes,
                    self.qualify,
                    self.file.text or "",
                ),
            }
        )

    def _is_cli(self) -> bool:
        if path_matches(self.file.path, CLI_GLOBS):
            return True
        if self._has_main_guard and not any(c[0] in APP_CONSTRUCTORS for c in self._calls):
            return True  # a script; a module that builds the app and runs it is still service
        return any(mod.split(".", 1)[0] in CLI_MODULES for mod, _ in self._imports)


@dataclass(frozen=True)
class Call:
    """A recorded call: qualified name, where, keyword literals and first arguments;
    ``with_item`` when it is the context manager of a ``with``/``async with``."""

    name: str
    path: str
    line: int
    keywords: dict[str, Any]
    args: list[Any]
    with_item: bool = False


@dataclass(frozen=True)
class Route:
    """A route handler: HTTP methods, path (None for a class-based view's method), the router,
    app or view class it hangs on, and the handler's name."""

    methods: list[str]
    route: str | None
    path: str
    line: int
    owner: str
    handler: str


@dataclass(frozen=True)
class Outbound:
    """An outbound HTTP or gRPC call and what its target is built from: ``fixed`` (a literal
    URL, a constant, a setting or an environment variable) or ``variable`` (data)."""

    name: str
    path: str
    line: int
    target: str
    text: str
    in_task: bool


@dataclass(frozen=True)
class PythonFacts:
    """The merged file-phase facts of one :class:`PythonFactsAnalyzer`."""

    imports: list[tuple[str, str, int]]  # (module, path, line)
    calls: list[Call]
    classes: list[tuple[str, str, int, list[str]]]  # (name, path, line, qualified bases)
    cli_paths: frozenset[str]
    routes: list[Route] = field(default_factory=list)
    #: (header, path, line, scope): scope ``hook``/``module`` is app-wide, ``route`` or
    #: ``function`` is one handler's
    headers: list[tuple[str, str, int, str]] = field(default_factory=list)
    #: (path, line) where a global hook sets headers whose names come from configuration
    dynamic_headers: list[tuple[str, int]] = field(default_factory=list)
    settings: list[tuple[str, str, int, Any]] = field(default_factory=list)  # (name, path, ..)
    refs: list[tuple[str, str, int]] = field(default_factory=list)  # dotted strings in settings
    limits: list[tuple[str, str, int, str]] = field(default_factory=list)  # (kind, path, ...)
    breakers: list[tuple[str, str, int]] = field(default_factory=list)  # (class, path, line)
    outbound: list[Outbound] = field(default_factory=list)
    #: (path, line) of route handlers returning a dict or list literal (JSON in Flask)
    json_returns: list[tuple[str, int]] = field(default_factory=list)
    #: who may call what: route authentication, csrf-exempt views, request guards, routers
    #: (see :mod:`charter.analyzers.repo.access`)
    access: list[AccessFacts] = field(default_factory=list)

    @classmethod
    def of(cls, repo: RepoIndex, analyzer: PythonFactsAnalyzer) -> PythonFacts:
        """Merged once per audit: every service rule gathers the same facts (one shared file
        phase, see :meth:`PythonFactsAnalyzer.file_phase_key`)."""
        return repo.derived(
            ("python-facts", analyzer.file_phase_key()), lambda: cls._merge(repo, analyzer)
        )

    @classmethod
    def _merge(cls, repo: RepoIndex, analyzer: PythonFactsAnalyzer) -> PythonFacts:
        facts = cls([], [], [], frozenset())
        cli: set[str] = set()
        for path, values in sorted(repo.facts(analyzer).items()):
            for value in values:
                facts.imports.extend((mod, path, line) for mod, line in value["imports"])
                for n, ln, kw, args, *rest in value["calls"]:
                    facts.calls.append(Call(n, path, ln, kw, args, bool(rest and rest[0])))
                facts.classes.extend((n, path, ln, bases) for n, ln, bases in value["classes"])
                if value["cli"]:
                    cli.add(path)
                facts.routes.extend(
                    Route(m, r, path, ln, o, h) for m, r, ln, o, h in value.get("routes", ())
                )
                facts.headers.extend((h, path, ln, s) for h, ln, s in value.get("headers", ()))
                facts.dynamic_headers.extend((path, ln) for ln in value.get("dynamic_headers", ()))
                facts.settings.extend((n, path, ln, v) for n, ln, v in value.get("settings", ()))
                facts.refs.extend((r, path, ln) for r, ln in value.get("refs", ()))
                facts.limits.extend((k, path, ln, d) for k, ln, d in value.get("limits", ()))
                facts.breakers.extend((n, path, ln) for n, ln in value.get("breakers", ()))
                facts.outbound.extend(
                    Outbound(n, path, ln, k, t, task)
                    for n, ln, k, t, task in value.get("outbound", ())
                )
                facts.json_returns.extend((path, ln) for ln in value.get("json_returns", ()))
                if value.get("access"):
                    facts.access.append(AccessFacts.of(path, value["access"]))
        return cls(
            facts.imports,
            facts.calls,
            facts.classes,
            frozenset(cli),
            facts.routes,
            facts.headers,
            facts.dynamic_headers,
            facts.settings,
            facts.refs,
            facts.limits,
            facts.breakers,
            facts.outbound,
            facts.json_returns,
            facts.access,
        )

    def restricted(self, keep: Callable[[str], bool]) -> PythonFacts:
        """The facts of the files whose path ``keep`` accepts (e.g. no example code)."""
        return PythonFacts(
            [i for i in self.imports if keep(i[1])],
            [c for c in self.calls if keep(c.path)],
            [c for c in self.classes if keep(c[1])],
            frozenset(p for p in self.cli_paths if keep(p)),
            [r for r in self.routes if keep(r.path)],
            [h for h in self.headers if keep(h[1])],
            [h for h in self.dynamic_headers if keep(h[0])],
            [s for s in self.settings if keep(s[1])],
            [r for r in self.refs if keep(r[1])],
            [limit for limit in self.limits if keep(limit[1])],
            [b for b in self.breakers if keep(b[1])],
            [o for o in self.outbound if keep(o.path)],
            [j for j in self.json_returns if keep(j[0])],
            [a for a in self.access if keep(a.path)],
        )

    def apps(self) -> list[tuple[str, Call]]:
        """Every server construction, as (kind, call), in path and line order."""
        return [(APP_CONSTRUCTORS[c.name], c) for c in self.calls if c.name in APP_CONSTRUCTORS]

    def service(self) -> tuple[str, Call] | None:
        """The anchor of the service: its first server construction, or None."""
        apps = self.apps()
        return apps[0] if apps else None

    def http_apps(self) -> list[tuple[str, Call]]:
        return [(kind, call) for kind, call in self.apps() if kind in HTTP_KINDS]

    def imported(self, prefixes: tuple[str, ...]) -> list[tuple[str, str, int]]:
        """Imports of any module equal to or under one of ``prefixes``."""
        seen: set[tuple[str, int]] = set()
        found: list[tuple[str, str, int]] = []
        wanted = frozenset(prefixes)
        under = tuple(p + "." for p in prefixes)
        for mod, path, line in self.imports:
            if (path, line) in seen:
                continue
            if mod in wanted or mod.startswith(under):
                seen.add((path, line))
                found.append((mod, path, line))
        return found

    def referenced(self, prefixes: tuple[str, ...]) -> list[tuple[str, str, int]]:
        """Imports of ``prefixes`` and dotted strings naming them in module-level settings
        (``MIDDLEWARE = ["django_prometheus.middleware.PrometheusBeforeMiddleware"]``,
        ``INSTALLED_APPS = ["axes"]``): Django wires its middleware and apps by string."""
        found = self.imported(prefixes)
        seen = {(path, line) for _, path, line in found}
        for ref, path, line in self.refs:
            if (path, line) not in seen and any(
                ref == p or ref.startswith(p + ".") for p in prefixes
            ):
                seen.add((path, line))
                found.append((ref, path, line))
        return found

    def setting(self, name: str) -> list[tuple[str, int, Any]]:
        """(path, line, value) of each module-level assignment of the setting ``name``."""
        return [(path, line, value) for n, path, line, value in self.settings if n == name]

    def called(self, names: tuple[str, ...]) -> list[Call]:
        return [c for c in self.calls if c.name in names]


LAUNCH_GLOBS = (
    "Dockerfile",
    "**/Dockerfile",
    "Dockerfile.*",
    "**/Dockerfile.*",
    "*.dockerfile",
    "**/*.dockerfile",
    "Procfile",
    "**/Procfile",
    "*compose*.yml",
    "*compose*.yaml",
    "**/*compose*.yml",
    "**/*compose*.yaml",
    "gunicorn*.py",
    "**/gunicorn*.py",
    "*.sh",
    "**/*.sh",
    "Makefile",
    "k8s/**",
    "kubernetes/**",
    "deploy/**",
    "helm/**",
    "charts/**",
    "manifests/**",
    "supervisord.conf",
    "uwsgi*.ini",
    "**/uwsgi*.ini",
    "hypercorn*.toml",
    "**/hypercorn*.toml",
    "granian*.toml",
    "**/granian*.toml",
    "*entrypoint*",
    "**/*entrypoint*",
    "**/s6-rc.d/**/run",
    "**/services.d/**/run",
    "**/service.d/**/run",
    "*.service",
    "**/*.service",
)


def launch_files(repo: RepoIndex) -> list[str]:
    """Files that start the service (Dockerfiles, Procfile, compose, gunicorn config, scripts,
    manifests): where launch flags such as ``--graceful-timeout`` live."""
    return repo.select(_launch_file)


def _launch_file(path: str) -> bool:
    return path_matches(path, LAUNCH_GLOBS) and not is_test_path(path)


def search_launch_files(repo: RepoIndex, needles: tuple[str, ...]) -> list[tuple[str, int, str]]:
    """(path, line, needle) for each launch-file line containing one of ``needles``."""
    hits: list[tuple[str, int, str]] = []
    for path in launch_files(repo):
        text = repo.source(path).text
        if not text or not any(n in text for n in needles):
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            for needle in needles:
                if needle in line:
                    hits.append((path, number, needle))
                    break
    return hits


#: requirement files that are not what production installs
_DEV_REQUIREMENTS = re.compile(
    r"(^|[-_./])(dev|develop|development|tests?|testing|lint|linting|docs?|ci|local|typing|"
    r"types|check|bench|benchmarks?)([-_./]|$)",
    re.IGNORECASE,
)
_REQUIREMENT = re.compile(r"^\s*[\"']?([A-Za-z0-9][A-Za-z0-9._-]*)")


def _table(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_names(values: Any) -> set[str]:
    names: set[str] = set()
    if isinstance(values, list):
        for value in values:
            match = _REQUIREMENT.match(value) if isinstance(value, str) else None
            if match:
                names.add(_normal(match.group(1)))
    elif isinstance(values, dict):
        names.update(_normal(k) for k in values if isinstance(k, str))
    return names


def declared_dependencies(repo: RepoIndex) -> list[tuple[str, str, int]]:
    """(name, path, line) of each runtime dependency the repository declares: requirement
    files (``requirements*.txt``, ``requirements/*.txt``; development, test, lint and docs
    files left out), ``pyproject.toml`` ``[project] dependencies``, the optional extras and
    dependency groups that are not development ones (``prod = [...]``), Poetry's dependencies
    and non-development groups, and Pipfile ``[packages]``.
    Names are normalized (``Granian`` and ``granian_x`` as ``granian``, ``granian-x``)."""
    found: list[tuple[str, str, int]] = []
    for path in repo.files:
        name = PurePosixPath(path).name
        parent = PurePosixPath(path).parent.name
        if is_test_path(path):
            continue
        wanted: set[str] = set()
        requirements = name.endswith(".txt") and (
            name.startswith("requirements") or parent == "requirements"
        )
        if requirements:
            if _DEV_REQUIREMENTS.search(name):
                continue
            lines = repo.source(path).lines
            for number, line in enumerate(lines, start=1):
                match = _REQUIREMENT.match(line)
                if match and not line.lstrip().startswith(("#", "-")):
                    found.append((_normal(match.group(1)), path, number))
            continue
        if name == "pyproject.toml":
            data = repo.source(path).toml or {}
            project = _table(data, "project")
            wanted |= _requirement_names(project.get("dependencies"))
            extras = project.get("optional-dependencies")
            if isinstance(extras, dict):
                for group, values in extras.items():
                    if not _DEV_REQUIREMENTS.search(str(group)):
                        wanted |= _requirement_names(values)
            for group, values in _table(data, "dependency-groups").items():
                if not _DEV_REQUIREMENTS.search(str(group)):  # PEP 735: prod = [...]
                    wanted |= _requirement_names(values)
            poetry = _table(_table(data, "tool"), "poetry")
            wanted |= _requirement_names(poetry.get("dependencies"))
            for group, table in _table(poetry, "group").items():
                if not _DEV_REQUIREMENTS.search(str(group)):
                    wanted |= _requirement_names(_table(table, "dependencies"))
        elif name == "Pipfile":
            data = repo.source(path).toml or {}
            wanted |= _requirement_names(data.get("packages"))
        else:
            continue
        wanted.discard("python")
        texts = repo.source(path).lines
        for dep in sorted(wanted):
            stem = re.escape(dep).replace(r"\-", "[-_.]")
            pattern = re.compile(rf"^\s*[\"']?{stem}\b", re.IGNORECASE)
            at = next((n for n, text in enumerate(texts, start=1) if pattern.match(text)), 1)
            found.append((dep, path, at))
    return found


def not_a_service_reason() -> str:
    return (
        "the repository runs no service: no non-test Python code constructs a web app, "
        "gRPC server or Temporal worker"
    )


def describe(kind: str, call: Call) -> str:
    return f"{kind} at {call.path}:{call.line}"


def file_name(path: str) -> str:
    return PurePosixPath(path).name


class ServiceRuleAnalyzer(PythonFactsAnalyzer):
    """A rule that only applies to services: n/a unless :meth:`PythonFacts.service` finds one."""

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        facts = PythonFacts.of(repo, self)
        anchor = facts.service()
        if anchor is None:
            out.not_applicable(not_a_service_reason())
            return
        self.check_service(repo, facts, anchor[0], anchor[1], out)

    def check_service(
        self, repo: RepoIndex, facts: PythonFacts, kind: str, anchor: Call, out: Emitter
    ) -> None:
        raise NotImplementedError


def evidence_of_use(
    repo: RepoIndex,
    facts: PythonFacts,
    modules: tuple[str, ...],
    launch_needles: tuple[str, ...],
    out: Emitter,
) -> bool:
    """Record as evidence each import of ``modules`` and each launch-file line naming one of
    ``launch_needles``; True when there was any."""
    found = False
    for module, path, line in facts.imported(modules):
        out.evidence(f"{module} imported at {path}:{line}")
        found = True
    for path, line, needle in search_launch_files(repo, launch_needles):
        out.evidence(f"{needle} at {path}:{line}")
        found = True
    return found


def report_at_service(out: Emitter, kind: str, anchor: Call, problem: str) -> None:
    """The one finding of a service rule: at the app's construction, naming it."""
    out.report(anchor.line, f"the {describe(kind, anchor)} {problem}", path=anchor.path)
