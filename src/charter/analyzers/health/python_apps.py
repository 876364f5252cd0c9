"""Web apps, routes and gRPC servers in Python code, found on the shared ``ast`` tree."""

from __future__ import annotations

import ast
from pathlib import PurePosixPath
from typing import Any

from charter.analyzers.base import breadth_first
from charter.analyzers.python.names import iter_statements

#: constructor name -> framework, for the app objects of the supported frameworks
APP_CONSTRUCTORS = {
    "FastAPI": "fastapi",
    "Starlette": "starlette",
    "Flask": "flask",
    "Quart": "quart",
    "Litestar": "litestar",
    "Sanic": "sanic",
}
FRAMEWORK_MODULES = frozenset(
    {"fastapi", "starlette", "flask", "quart", "litestar", "sanic", "aiohttp", "django", "grpc"}
)
ROUTER_CONSTRUCTORS = {"APIRouter": "prefix", "Blueprint": "url_prefix", "Router": "path"}
ROUTE_DECORATORS = frozenset(
    {"get", "post", "put", "delete", "patch", "head", "options", "route", "api_route"}
)
ROUTE_CALLS = frozenset({"add_api_route", "add_route", "add_url_rule", "add_get", "add_head"})
GRPC_SERVERS = frozenset({"grpc.server", "grpc.aio.server", "aio.server"})
PATH_FUNCTIONS = frozenset({"Route", "path", "re_path", "url"})


def module_name(path: str) -> str:
    """``src/orders/api.py`` -> ``orders.api``."""
    parts = list(PurePosixPath(path).with_suffix("").parts)
    if parts and parts[0] == "src":
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    return ""


def _first_str(call: ast.Call, *keywords: str, index: int = 0) -> str | None:
    if len(call.args) > index:
        arg = call.args[index]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return arg.value
    for kw in call.keywords:
        value = kw.value
        if kw.arg in keywords and isinstance(value, ast.Constant) and isinstance(value.value, str):
            return value.value
    return None


def django_path(raw: str, regex: bool) -> str:
    """``healthz/`` or ``^healthz/$`` -> ``/healthz/``."""
    text = raw
    if regex:
        text = text.lstrip("^").rstrip("$")
    return "/" + text.lstrip("/")


def python_facts(path: str, tree: ast.Module) -> dict[str, Any] | None:
    """Apps, routes and gRPC servers of one module (None when it has none of them)."""
    imported: set[str] = set()
    for node in iter_statements(tree):  # imports are statements: no need to enter expressions
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.add(node.module.split(".")[0])
    frameworks = imported & FRAMEWORK_MODULES
    # a URLconf: urls.py, or a Django module that assigns urlpatterns (a ROOT_URLCONF such as
    # project/urls/www.py need not be called urls.py)
    has_urlpatterns = any(
        isinstance(n, ast.Assign) and any(_name(t) == "urlpatterns" for t in n.targets)
        for n in tree.body
    )
    is_urls = PurePosixPath(path).name == "urls.py" or ("django" in frameworks and has_urlpatterns)
    root_urlconf = _root_urlconf(tree)
    if not frameworks and not is_urls and root_urlconf is None:
        return None
    module = module_name(path)
    apps: list[dict[str, Any]] = []
    routes: list[dict[str, Any]] = []
    grpc: list[dict[str, Any]] = []
    prefixes: dict[str, str] = {}
    grpc_health = "grpc_health" in imported

    for node in breadth_first(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            target = node.targets[0]
            var = _dotted(target)
            ctor = _name(node.value.func)
            if ctor in APP_CONSTRUCTORS or (ctor == "Application" and "aiohttp" in frameworks):
                framework = APP_CONSTRUCTORS.get(ctor, "aiohttp")
                if framework in frameworks or ctor == "Application":
                    apps.append(
                        {
                            "framework": framework,
                            "name": f"{module}:{var}",
                            "line": node.value.lineno,
                        }
                    )
            elif ctor in ROUTER_CONSTRUCTORS and frameworks:
                prefix = _first_str(node.value, ROUTER_CONSTRUCTORS[ctor], index=99)
                if ctor == "Router" and prefix is None:
                    prefix = _first_str(node.value, "path", index=99)
                if prefix:
                    prefixes[var] = prefix
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for deco in node.decorator_list:
                if not isinstance(deco, ast.Call):
                    continue
                func = deco.func
                if isinstance(func, ast.Attribute) and func.attr in ROUTE_DECORATORS:
                    route = _first_str(deco, "path", "rule")
                    if route is not None:
                        owner = _dotted(func.value)
                        routes.append(
                            {
                                "path": prefixes.get(owner, "") + route,
                                "line": deco.lineno,
                                "prefixed": owner in prefixes,
                            }
                        )
                elif isinstance(func, ast.Name) and func.id in ROUTE_DECORATORS:
                    route = _first_str(deco, "path")  # litestar: @get("/x")
                    if route is not None:
                        routes.append({"path": route, "line": deco.lineno, "prefixed": False})
        if isinstance(node, ast.Call):
            fname = _name(node.func)
            dotted = _dotted(node.func)
            if isinstance(node.func, ast.Attribute) and fname in ROUTE_CALLS:
                route = _first_str(node, "path", "rule")
                if route is not None and not route.startswith("/"):
                    # aiohttp: router.add_route("GET", "/x", handler)
                    route = _first_str(node, index=1)
                if route is not None and route.startswith("/"):
                    routes.append({"path": route, "line": node.lineno, "prefixed": False})
            elif fname in PATH_FUNCTIONS and (frameworks or is_urls):
                route = _first_str(node, "route", "path")
                if route is not None:
                    if fname in {"path", "re_path", "url"}:
                        if "django" not in frameworks and not is_urls:
                            continue
                        route = django_path(route, regex=fname != "path")
                    routes.append({"path": route, "line": node.lineno, "prefixed": False})
            elif dotted in {"web.get", "web.head", "web.route", "aiohttp.web.get"}:
                route = _first_str(node, "path", index=1 if dotted.endswith("route") else 0)
                if route is not None:
                    routes.append({"path": route, "line": node.lineno, "prefixed": False})
            elif dotted in GRPC_SERVERS and "grpc" in frameworks:
                grpc.append({"name": f"{module}:grpc.server", "line": node.lineno})
            elif fname == "add_HealthServicer_to_server":
                grpc_health = True
    if is_urls and has_urlpatterns:
        line = next(
            n.lineno
            for n in tree.body
            if isinstance(n, ast.Assign) and any(_name(t) == "urlpatterns" for t in n.targets)
        )
        apps.append({"framework": "django", "name": f"{module}.urlpatterns", "line": line})
    if not (apps or routes or grpc or grpc_health or root_urlconf):
        return None
    facts: dict[str, Any] = {
        "kind": "code",
        "lang": "python",
        "apps": apps,
        "routes": routes,
        "grpc": grpc,
        "grpc_health": grpc_health,
    }
    if root_urlconf:
        facts["root_urlconf"] = root_urlconf
    return facts


def _root_urlconf(tree: ast.Module) -> str | None:
    """A Django settings module's ``ROOT_URLCONF = "project.urls"`` (the URLconf that serves
    the site), or None."""
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(_name(t) == "ROOT_URLCONF" for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    return None
