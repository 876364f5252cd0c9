"""Service rules about who may call an HTTP API and how its routes are named.

``routes-require-auth``, ``csrf-protection`` and ``api-versioned-routes`` read the shared
route model of :mod:`charter.analyzers.repo.service` (decorated route handlers of FastAPI,
Flask, Starlette, Litestar, Sanic, Quart ...; Django settings by string) and the access facts of
:mod:`charter.analyzers.repo.access`. Python only, like every service rule.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from charter.analyzers.base import Emitter
from charter.analyzers.repo.access import AccessFacts, names_auth, words
from charter.analyzers.repo.api_hardening import first_line
from charter.analyzers.repo.project import is_test_path
from charter.analyzers.repo.service import (
    Call,
    PythonFacts,
    Route,
    ServiceRuleAnalyzer,
    report_at_service,
)
from charter.repo import RepoIndex

MUTATING = ("POST", "PUT", "PATCH", "DELETE")
#: words of a route that is public by nature: signing in or up, tokens, webhooks (signed),
#: OAuth callbacks, password resets, health probes, GraphQL (auth lives in the resolvers)
PUBLIC_ROUTE_WORDS = frozenset(
    {
        "login",
        "logout",
        "signin",
        "signup",
        "register",
        "registration",
        "token",
        "tokens",
        "refresh",
        "auth",
        "oauth",
        "callback",
        "webhook",
        "webhooks",
        "hook",
        "hooks",
        "password",
        "reset",
        "forgot",
        "verify",
        "verification",
        "confirm",
        "activate",
        "health",
        "healthz",
        "ready",
        "readyz",
        "livez",
        "public",
        "graphql",
        "csp",
        "invite",
        "invitation",
    }
)


def _route_words(route: Route) -> set[str]:
    return words(" ".join([route.route or "", route.handler]))


def _method(route: Route) -> str:
    return "/".join(m for m in route.methods if m in MUTATING)


# --- routes-require-auth ---------------------------------------------------------------------

_AUTH_MIDDLEWARE = re.compile(r"add_middleware\(\s*([\w.]+)|Middleware\(\s*([\w.]+)")


class RoutesRequireAuthAnalyzer(ServiceRuleAnalyzer):
    name: ClassVar[str] = "routes-require-auth"

    def check_service(
        self, repo: RepoIndex, facts: PythonFacts, kind: str, anchor: Call, out: Emitter
    ) -> None:
        if not facts.http_apps():
            out.not_applicable(f"the {kind} at {anchor.path}:{anchor.line} serves no HTTP API")
            return
        by_path = {a.path: a for a in facts.access}
        protected = {
            path: [(r, a.routes[r.line][0]) for r in facts.routes if r.path == path
                   and r.line in a.routes and a.routes[r.line][0]]
            for path, a in by_path.items()
        }  # fmt: skip
        if not any(protected.values()):
            out.not_applicable(
                "no route handler requires authentication (no auth decorator, dependency or "
                "caller parameter): the service has no authentication concept to apply"
            )
            return
        wide = self._app_wide_guard(repo, facts, out)
        if wide:
            return
        guarded = {name for a in facts.access for name, _ in a.routers}
        for path, routes in sorted(protected.items()):
            if routes:
                self._check_file(by_path[path], routes, facts, guarded, out)

    def _app_wide_guard(self, repo: RepoIndex, facts: PythonFacts, out: Emitter) -> bool:
        owners = {(r.path, r.owner) for r in facts.routes}
        for access in facts.access:
            for line, owner, marker in access.guards:
                if owner == "" or (access.path, owner) not in owners:
                    out.evidence(f"every request is checked ({marker}) at {access.path}:{line}")
                    return True
        for path in repo.of_kind("python"):
            if is_test_path(path):
                continue
            text = repo.source(path).text or ""
            if "iddleware" not in text:
                continue
            for number, text_line in enumerate(text.splitlines(), start=1):
                for match in _AUTH_MIDDLEWARE.finditer(text_line):
                    name = match.group(1) or match.group(2) or ""
                    if names_auth(name.rsplit(".", 1)[-1]):
                        out.evidence(f"authentication middleware {name} at {path}:{number}")
                        return True
        return False

    def _check_file(
        self,
        access: AccessFacts,
        protected: list[tuple[Route, str | None]],
        facts: PythonFacts,
        guarded: set[str],
        out: Emitter,
    ) -> None:
        stem = PurePosixPath(access.path).stem
        by_resource: dict[tuple[str, str], tuple[Route, str | None]] = {}
        for route, marker in sorted(protected, key=lambda p: p[0].line):
            by_resource.setdefault(resource(route), (route, marker))
        guard_owners = {owner for _, owner, _ in access.guards}
        for route in facts.routes:
            if route.path != access.path or route.route is None or route.line not in access.routes:
                continue
            if not set(route.methods) & set(MUTATING):
                continue
            strong, weak = access.routes[route.line]
            if strong or weak:
                continue
            if _route_words(route) & PUBLIC_ROUTE_WORDS:
                continue
            if route.owner in guard_owners:
                continue
            if route.owner in guarded or f"{stem}.{route.owner}" in guarded:
                continue
            sibling = by_resource.get(resource(route))
            if sibling is None:
                continue  # no protected route of the same resource: maybe public by design
            twin, marker = sibling
            out.report(
                route.line,
                f"{_method(route)} {route.route or '/'} ({route.handler}) requires no "
                f"authentication, while {'/'.join(twin.methods)} {twin.route or '/'} of the "
                f"same resource does ({marker} at line {twin.line}): add the same check, or "
                "mark the route public if it is meant to be",
                path=access.path,
            )


def _parameter(segment: str) -> bool:
    return segment.startswith(("{", "<", ":")) or segment.endswith((">", "}"))


def resource(route: Route) -> tuple[str, str]:
    """The resource a route acts on: its router and the first literal segment of its path
    (``/items`` and ``/items/{id}/archive`` are one resource); a path that starts with a
    parameter is its own resource (``/{id}/pay`` only matches ``/{id}/pay``)."""
    segments = [s for s in (route.route or "").strip("/").split("/") if s]
    if segments and _parameter(segments[0]):
        return route.owner, "/".join("{}" if _parameter(s) else s for s in segments)
    return route.owner, segments[0] if segments else ""


# --- csrf-protection -------------------------------------------------------------------------

SESSION_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"
CSRF_MODULES = ("flask_wtf", "flask_seasurf", "flask_security", "wtforms.csrf", "flask_csrf")
_CSRF = re.compile(r"csrf", re.IGNORECASE)
_MODULE_LOGIN = re.compile(r"\bflask_login\.login_user\(")
_FLASK_SESSION_LOGIN = re.compile(r"\bsession\[\s*[\"']\w*(user|login|account)\w*[\"']\s*\]\s*=")


class CsrfProtectionAnalyzer(ServiceRuleAnalyzer):
    name: ClassVar[str] = "csrf-protection"

    def check_service(
        self, repo: RepoIndex, facts: PythonFacts, kind: str, anchor: Call, out: Emitter
    ) -> None:
        concerned = False
        csrf_refs = [r for r in facts.refs if "csrf" in r[0].lower()]
        sessions = [(p, ln) for ref, p, ln in facts.refs if ref == SESSION_MIDDLEWARE]
        if sessions:
            concerned = True
            if csrf_refs:
                ref, path, line = csrf_refs[0]
                out.evidence(f"{ref} at {path}:{line}")
            else:
                for path, line in sessions[:1]:
                    out.report(
                        line,
                        "MIDDLEWARE enables cookie sessions (SessionMiddleware) without "
                        "django.middleware.csrf.CsrfViewMiddleware: any site can post forms "
                        "as the signed-in user; add the middleware back (Django's check "
                        "security.W003)",
                        path=path,
                    )
        for access in facts.access:
            for line, function, session in access.exempt:
                concerned = True
                if session is None:
                    out.evidence(
                        f"{function} at {access.path}:{line} is csrf-exempt but does not use "
                        "the session (a webhook or token-authenticated endpoint)"
                    )
                    continue
                out.report(
                    line,
                    f"{function} is @csrf_exempt but authenticates by the session cookie "
                    f"({session}): another site can post to it as the signed-in user; keep "
                    "the CSRF check, or authenticate this endpoint by a token or signature",
                    path=access.path,
                )
        flask = [c for k, c in facts.http_apps() if k == "Flask app"]
        if flask:
            concerned = self._flask(repo, facts, flask[0], out) or concerned
        if not concerned:
            out.not_applicable(
                "no cookie-session login (Django SessionMiddleware, Flask-Login or a Flask "
                "session user) and no csrf-exempt view: CSRF needs credentials the browser "
                "sends by itself; token-authenticated APIs are not concerned"
            )

    def _flask(self, repo: RepoIndex, facts: PythonFacts, app: Call, out: Emitter) -> bool:
        login = [(p, ln) for mod, p, ln in facts.imports if mod == "flask_login.login_user"]
        hit = first_line(repo, _FLASK_SESSION_LOGIN)
        if not login and facts.imported(("flask_login",)):
            login = [h for h in [first_line(repo, _MODULE_LOGIN)] if h is not None]
        where = login[0] if login else hit
        if where is None:
            return False
        forms = [r for r in facts.routes if set(r.methods) & set(MUTATING) and r.route is not None]
        if not forms:
            return False
        for module, path, line in facts.referenced(CSRF_MODULES):
            out.evidence(f"{module} at {path}:{line}")
            return True
        csrf = first_line(repo, _CSRF, ("python", "html"))
        if csrf is not None:
            out.evidence(f"CSRF handled at {csrf[0]}:{csrf[1]}")
            return True
        route = forms[0]
        report_at_service(
            out,
            "Flask app",
            app,
            f"signs users in with a session cookie ({where[0]}:{where[1]}) and accepts "
            f"{_method(route)} {route.route} ({route.path}:{route.line}) without CSRF "
            "protection: add flask-wtf's CSRFProtect(app) and a csrf_token in every form",
        )
        return True


# --- api-versioned-routes --------------------------------------------------------------------

#: frameworks whose apps serve an API by construction
API_KINDS = frozenset({"FastAPI app", "Litestar app", "Connexion app", "Robyn app"})
JSON_IMPORTS = (
    "flask.jsonify",
    "quart.jsonify",
    "starlette.responses.JSONResponse",
    "sanic.response.json",
    "aiohttp.web.json_response",
)
DJANGO_API = ("rest_framework", "ninja")
#: a path string with a version segment: "/api/v1", "/v2/items", 'api/v1/', r"^v1/"
_VERSION_PATH = re.compile(
    r"[\"']\^?/?(?:[\w{}<>:.-]+/)*v\d+(?:\.\d+)?(?:/[^\"']*)?[\"']", re.IGNORECASE
)
_VERSION_CODE = re.compile(
    r"\bapi_?version\b|\bAPI_V\d|\bversion_prefix\b|VersionedFastAPI|fastapi_versioning|"
    r"DEFAULT_VERSIONING_CLASS|\w+Versioning\b|Accept-Version|\bAPI-Version\b|"
    r"application/vnd\.|prefix\s*=\s*f?[\"'][^\"']*\{[^}]*version",
    re.IGNORECASE,
)
#: route words that are no API resource: probes, docs, the root, static files
_INFRA_ROUTE = frozenset(
    {
        "health",
        "healthz",
        "ready",
        "readyz",
        "live",
        "livez",
        "ping",
        "metrics",
        "docs",
        "openapi",
        "redoc",
        "static",
        "favicon",
        "robots",
        "status",
        "version",
    }
)


def _api_route(route: Route) -> bool:
    if route.route is None:
        return True
    if not route.route.strip("/"):  # the root of a router counts, the app's index page not
        return not words(route.handler) & {"root", "index", "home", "main", "welcome"}
    return not words(route.route) & _INFRA_ROUTE


class VersionedRoutesParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: an API with fewer resource routes (probes, docs and the root left out) is not judged
    min_routes: int = Field(default=3, ge=1)


class ApiVersionedRoutesAnalyzer(ServiceRuleAnalyzer):
    name: ClassVar[str] = "api-versioned-routes"
    Params = VersionedRoutesParams
    params: VersionedRoutesParams

    def check_service(
        self, repo: RepoIndex, facts: PythonFacts, kind: str, anchor: Call, out: Emitter
    ) -> None:
        api = self._api(facts)
        if api is None:
            out.not_applicable(
                "the service serves no JSON API (no FastAPI/Litestar/Connexion app, no JSON "
                "responses, no Django REST framework or django-ninja)"
            )
            return
        kind, anchor = api
        routes = [r for r in facts.routes if _api_route(r)]
        minimum = self.params.min_routes
        if len(routes) < minimum:
            out.not_applicable(
                f"the API has {len(routes)} resource route(s), fewer than min_routes "
                f"({minimum}): nothing to version yet"
            )
            return
        for pattern, what in ((_VERSION_PATH, "versioned path"), (_VERSION_CODE, "versioning")):
            hit = self._first(repo, pattern)
            if hit is not None:
                out.evidence(f"{what} at {hit[0]}:{hit[1]}")
                return
        examples = ", ".join(
            f"{_method(r) or r.methods[0]} {r.route or '/'}"
            for r in routes[:2]
            if r.route is not None
        )
        report_at_service(
            out,
            kind,
            anchor,
            f"serves {len(routes)} API routes ({examples or 'class-based views'}) with no "
            "version in their paths or router prefixes and no version header: put the version "
            "in the URL (/v1/...) or in the Accept header, one scheme per project",
        )

    @staticmethod
    def _api(facts: PythonFacts) -> tuple[str, Call] | None:
        http = facts.http_apps()
        for kind, call in http:
            if kind in API_KINDS:
                return kind, call
        for kind, call in http:
            if kind == "Django app" and facts.referenced(DJANGO_API):
                return kind, call
            if kind != "Django app" and (facts.json_returns or facts.imported(JSON_IMPORTS)):
                return kind, call
        return None

    @staticmethod
    def _first(repo: RepoIndex, pattern: re.Pattern[str]) -> tuple[str, int] | None:
        for path in repo.of_kind("python", "yaml", "json"):
            if is_test_path(path):
                continue
            if not path.endswith(".py") and not re.search(
                r"openapi|swagger", PurePosixPath(path).name, re.IGNORECASE
            ):
                continue
            for number, line in enumerate(repo.source(path).lines, start=1):
                if "://" in line:
                    continue  # a URL of another service
                if pattern.search(line):
                    return path, number
        return None
