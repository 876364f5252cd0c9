"""HTTP servers, routes and gRPC servers in Go and JavaScript/TypeScript, found on the shared
tree-sitter tree (``SourceFile.syntax_tree``)."""

from __future__ import annotations

import re
from typing import Any

from charter.analyzers.go import common as go_common

#: calls that create or start an HTTP server (Go), by their ``pkg.Func`` text
GO_SERVERS = frozenset(
    {
        "http.ListenAndServe",
        "http.ListenAndServeTLS",
        "http.NewServeMux",
        "gin.Default",
        "gin.New",
        "echo.New",
        "chi.NewRouter",
        "mux.NewRouter",
        "fiber.New",
    }
)
GO_ROUTE_METHODS = frozenset(
    {"HandleFunc", "Handle", "GET", "Get", "HEAD", "Head", "Any", "Path", "Method"}
)
#: the gRPC package whose ``NewServer`` creates a bare server (the health service is the
#: application's to register)
GO_GRPC = "google.golang.org/grpc"
#: gRPC server packages of frameworks whose ``NewServer`` registers ``grpc.health.v1.Health``
#: itself, unless the option named here asks for a health service of the application's own
GO_GRPC_WITH_HEALTH = {"github.com/go-kratos/kratos/v2/transport/grpc": "CustomHealth("}
GO_GRPC_HEALTH = ("RegisterHealthServer", "health.NewServer")  # any import alias

#: imports of Model Context Protocol server libraries: an HTTP server in such a file serves
#: tools to AI assistants (Go's mcp-go and the official SDKs)
MCP_IMPORTS = ("mcp-go", "modelcontextprotocol")
#: routes of an auxiliary endpoint (metrics, profiling), not of the service's own interface
AUX_ROUTE = ("/metrics", "/debug/")

#: Go packages that serve Prometheus metrics: a server in a file that imports one and serves
#: no route but metrics and a landing page ``/`` is a Prometheus exporter
PROMETHEUS_PACKAGES = (
    "github.com/prometheus/client_golang/prometheus/promhttp",
    "github.com/prometheus/exporter-toolkit/web",
)

#: a Go server that listens on a unix socket only: a local control socket no probe reaches
_UNIX_LISTEN = re.compile(r"\bListen\(\s*\"unix(?:packet)?\"|\bListenUnix\(")
_NET_LISTEN = re.compile(r"ListenAndServe|\bListen\(\s*\"tcp[46]?\"|ListenTCP\(")

JS_SERVERS = frozenset({"express", "fastify", "Fastify", "Koa", "Hono", "NestFactory.create"})
JS_GRPC_HEALTH = ("grpc-health-check", "HealthImplementation", "grpc.health.v1", "health.proto")
JS_ROUTE_METHODS = frozenset({"get", "all", "head", "route"})


def _text(node: Any) -> str:
    raw = node.text
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")


def _string(node: Any) -> str | None:
    """The value of a string literal node (Go or JS), or None. For a concatenation such as
    ``baseURL + "/_healthz"`` the last literal is the route (its prefix is unknown)."""
    if node.type == "binary_expression":
        right = node.child_by_field_name("right")
        return _string(right) if right is not None else None
    if node.type in {"interpreted_string_literal", "raw_string_literal", "string"}:
        return _text(node)[1:-1]
    if node.type == "template_string" and not any(
        c.type == "template_substitution" for c in node.named_children
    ):
        return _text(node)[1:-1]
    return None


def _go_handler_path(args: Any) -> str | None:
    """The route of a wrapper such as ``app.HandlerFunc(http.MethodGet, version, "/readiness",
    h)``: its first string argument that is a path, unless the method is not GET or HEAD."""
    path = None
    for arg in args.named_children:
        text = _text(arg)
        if text.startswith("http.Method") and text not in {"http.MethodGet", "http.MethodHead"}:
            return None
        found = _string(arg)
        if path is None and found is not None and found.split(" ", 1)[-1].startswith("/"):
            path = found
    return path


def _assigned_name(node: Any) -> str | None:
    """The variable a Go call's value is assigned to (``srv := grpc.NewServer()``)."""
    parent = node.parent
    if parent is not None and parent.type == "expression_list":
        parent = parent.parent
    if parent is None or parent.type not in {
        "short_var_declaration",
        "assignment_statement",
        "var_spec",
    }:
        return None
    left = parent.child_by_field_name("left") or parent.child_by_field_name("name")
    if left is None:
        return None
    names = [_text(c) for c in left.named_children] or [_text(left)]
    return names[0] if len(names) == 1 else None


def _go_grpc_server(name: str, imports: dict[str, str], text: str) -> dict[str, Any] | None:
    """A ``pkg.NewServer`` call that creates a gRPC server: of Google's package (judged), of a
    framework that registers the health service itself (``registers``), or of another gRPC
    package whose health behaviour is unknown (``unknown``: not judged)."""
    qualifier, _, func = name.rpartition(".")
    path = imports.get(qualifier)
    if func != "NewServer" or path is None:
        return None
    if path == GO_GRPC:
        return {"package": path}
    option = GO_GRPC_WITH_HEALTH.get(path)
    if option is not None:
        return {"package": path, "registers": option not in text}
    if "grpc" in path.rsplit("/", 1)[-1].lower():
        return {"package": path, "unknown": True}
    return None


def _walk(root: Any) -> list[Any]:
    out: list[Any] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type in {"call_expression", "new_expression", "composite_literal"}:
            out.append(node)
        stack.extend(reversed(node.children))
    return out


#: the calls that make a server listen, with the address as their first argument (Go
#: ``http.ListenAndServe(":8080", mux)``, gin ``r.Run(":8080")``, echo ``e.Start(":8080")``,
#: fiber ``app.Listen(":3000")``; JS ``app.listen(3000)``)
LISTEN_CALLS = {"go": {"ListenAndServe", "ListenAndServeTLS", "Run", "Start", "Listen"}}
LISTEN_CALLS["node"] = {"listen"}
_ADDRESS = re.compile(r"(?:[\w.-]*|\[[0-9a-fA-F:]*\]):(\d{1,5})")


def _literal_port(node: Any) -> int | None:
    """The port of a literal listen address (``":8080"``, ``"0.0.0.0:8080"``, JS ``3000``)."""
    if node.type == "number" and _text(node).isdigit():
        return int(_text(node))
    if node.type in {"interpreted_string_literal", "raw_string_literal", "string"}:
        match = _ADDRESS.fullmatch(_text(node)[1:-1])
        return int(match.group(1)) if match else None
    return None


def native_facts(lang: str, tree: Any, text: str) -> dict[str, Any] | None:
    """Servers, routes and gRPC servers of one Go or JS/TS file (None when none)."""
    apps: list[dict[str, Any]] = []
    routes: list[dict[str, Any]] = []
    grpc: list[dict[str, Any]] = []
    grpc_health = False
    #: identifiers passed to a route registration (a handler mounted on an HTTP mux)
    mounted: set[str] = set()
    #: the ports literal listen addresses bind (what a probe fix may call)
    bound: set[int] = set()
    imports = go_common.imports(tree.root_node) if lang == "go" else {}
    for node in _walk(tree.root_node):
        line = node.start_point[0] + 1
        if node.type == "composite_literal":
            if lang == "go" and _text(node.child_by_field_name("type") or node) == "http.Server":
                apps.append({"framework": "net/http", "name": "http.Server", "line": line})
            continue
        func = node.child_by_field_name("function") or node.child_by_field_name("constructor")
        if func is None:
            continue
        name = _text(func)
        args = node.child_by_field_name("arguments")
        first = args.named_children[0] if args is not None and args.named_children else None
        if first is not None and name.rsplit(".", 1)[-1] in LISTEN_CALLS[lang]:
            port = _literal_port(first)
            if port:
                bound.add(port)
        if lang == "go":
            if name in GO_SERVERS:
                apps.append({"framework": name.split(".")[0], "name": name, "line": line})
            elif (server := _go_grpc_server(name, imports, text)) is not None:
                grpc.append({"name": name, "line": line, "var": _assigned_name(node), **server})
            elif name.endswith(GO_GRPC_HEALTH):
                grpc_health = True
            elif func.type == "selector_expression":
                field = func.child_by_field_name("field")
                method = _text(field) if field is not None else ""
                path = None
                if args is not None and (method in GO_ROUTE_METHODS or "Handle" in method):
                    mounted.update(_text(a) for a in args.named_children[1:])
                if method in GO_ROUTE_METHODS and first is not None:
                    path = _string(first)
                elif "Handle" in method and args is not None:
                    path = _go_handler_path(args)
                if path is not None:
                    # Go 1.22 patterns: "GET /healthz", "example.com/healthz"
                    path = path.split(" ", 1)[-1]
                    if path.startswith("/"):
                        routes.append({"path": path, "line": line, "prefixed": False})
        else:
            if name in JS_SERVERS and (name != "NestFactory.create" or ".listen(" in text):
                # a NestJS application that never listens is a script (a seed runner)
                apps.append({"framework": name.split(".")[0].lower(), "name": name, "line": line})
            elif name in {"grpc.Server", "Server"} and "grpc" in text:
                grpc.append({"name": name, "line": line})
            elif func.type == "member_expression":
                prop = func.child_by_field_name("property")
                if prop is not None and _text(prop) in JS_ROUTE_METHODS and first is not None:
                    path = _string(first)
                    if path is not None and path.startswith("/"):
                        routes.append({"path": path, "line": line, "prefixed": False})
    if lang != "go" and any(marker in text for marker in JS_GRPC_HEALTH):
        grpc_health = True
    if not (apps or routes or grpc):
        return None
    for server in grpc:
        # a gRPC server mounted on an HTTP mux (``mux.Handle("/pkg.Svc/", srv)``, or called
        # through its ServeHTTP): it shares that mux's port and its health route
        var = server.pop("var", None)
        server["on_http_mux"] = bool(var) and (var in mounted or f"{var}.ServeHTTP(" in text)
    mcp = any(marker in text for marker in MCP_IMPORTS)
    auxiliary = bool(routes) and all(r["path"].startswith(AUX_ROUTE) for r in routes)
    unix = lang == "go" and bool(_UNIX_LISTEN.search(text)) and not _NET_LISTEN.search(text)
    exporter = (
        any(path in PROMETHEUS_PACKAGES for path in imports.values())
        and not grpc
        and all(r["path"] == "/" or r["path"].startswith(AUX_ROUTE) for r in routes)
    )
    for app in apps:
        if exporter and not mcp:
            app["exporter"] = True
        if unix:
            app["local"] = "it listens on a unix socket (a local control socket)"
        if mcp:
            app["role"] = "an MCP endpoint (tools for AI assistants)"
        elif auxiliary:
            shown = ", ".join(sorted({r["path"] for r in routes}))
            app["role"] = f"an auxiliary endpoint that serves only {shown}"
    return {
        "kind": "code",
        "lang": lang,
        "apps": apps[:1] if lang == "go" else apps,
        "routes": routes,
        "grpc": grpc,
        "grpc_health": grpc_health,
        "ports": sorted(bound),
    }
