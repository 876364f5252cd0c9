"""api-documentation: an HTTP service publishes an OpenAPI/Swagger description."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.repo.project import is_test_path
from charter.analyzers.repo.service import Call, PythonFacts, PythonFactsAnalyzer
from charter.repo import RepoIndex

SPEC_NAME = re.compile(r"(^|[/_.\-])(openapi|swagger)([_.\-][\w.\-]*)?\.(ya?ml|json)$", re.I)
CANDIDATE_NAME = re.compile(r"(api|spec)[\w.\-]*\.(ya?ml|json)$", re.I)
#: kinds whose framework serves an OpenAPI document by itself, and the keyword that turns it off
GENERATES = {"FastAPI app": "openapi_url", "Litestar app": "openapi_config", "Connexion app": None}
#: libraries that add OpenAPI to frameworks that do not generate it
OPENAPI_LIBS = (
    "flask_smorest",
    "flasgger",
    "apispec",
    "spectree",
    "flask_restx",
    "flask_openapi3",
    "apiflask",
    "drf_spectacular",
    "drf_yasg",
    "ninja",
    "aiohttp_apispec",
    "aiohttp_swagger",
    "sanic_ext",
    "quart_schema",
    "pydantic_openapi",
)
#: a Django project serves an API (rather than HTML pages) when it uses one of these
DJANGO_API_LIBS = ("rest_framework", "ninja", "tastypie", "graphene_django")
#: API toolkits of the frameworks that do not generate a description: an app using one serves
#: an API even when it also renders pages
API_TOOLKITS = ("flask_restful", "flask_restx", "flask_smorest", "apiflask", "flask_openapi3")
#: calls that answer JSON, and calls that render HTML pages
JSON_CALLS = (
    "flask.jsonify",
    "flask.json.jsonify",
    "quart.jsonify",
    "aiohttp.web.json_response",
    "starlette.responses.JSONResponse",
    "sanic.response.json",
    "sanic.json",
)
HTML_CALLS = (
    "flask.render_template",
    "flask.render_template_string",
    "flask.templating.render_template",
    "quart.render_template",
    "aiohttp_jinja2.render_template",
    "sanic_ext.render",
)
#: frameworks that answer JSON only through jsonify or a returned dict (judged by those)
AUTO_JSON = frozenset({"Flask app", "Quart app", "Bottle app"})
#: a route or blueprint prefix under /api
_API_PATH = re.compile(r"^/?api(/|$|v\d)", re.IGNORECASE)


class ApiDocumentationAnalyzer(PythonFactsAnalyzer):
    """Pass on a committed OpenAPI/Swagger document (``openapi.yaml``, ``swagger.json``, or any
    API YAML/JSON whose top level has ``openapi:``/``swagger:``), on FastAPI/Litestar/Connexion
    apps (they serve one) unless it is switched off (``FastAPI(openapi_url=None)``), and on
    OpenAPI libraries for the other frameworks (flask-smorest, apispec, drf-spectacular,
    django-ninja, …). Each HTTP app left without one is reported at its construction."""

    name: ClassVar[str] = "api-documentation"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        # the apps are those of the product's code; example code is read only for committed
        # specs (an API's document often lives under docs/), never judged as an app of its own
        facts = PythonFacts.of(repo, self).restricted(lambda p: repo.path_class(p) != "example")
        apps = facts.http_apps()
        if not apps:
            out.not_applicable("the repository serves no HTTP API (no web app is constructed)")
            return
        if all(kind == "Django app" for kind, _ in apps) and not facts.imported(DJANGO_API_LIBS):
            out.not_applicable(
                "a Django site without an API framework (Django REST framework, django-ninja, "
                "Tastypie, Graphene)"
            )
            return
        apps = self._one_per_app(apps)
        specs = self._committed_specs(repo)
        for path in specs:
            out.evidence(f"OpenAPI document {path}")
        if specs:
            return
        pages = self._html_site(facts)
        if pages and not any(kind in GENERATES or kind == "Django app" for kind, _ in apps):
            out.not_applicable(pages)
            return
        libs = facts.referenced(OPENAPI_LIBS)
        for module, path, line in libs:
            out.evidence(f"{module} at {path}:{line}")
        for kind, call in apps:
            if pages and kind not in GENERATES and kind != "Django app":
                continue  # the pages beside an API app are not an API of their own
            self._check_app(kind, call, bool(libs), out)

    @staticmethod
    def _one_per_app(apps: list[tuple[str, Call]]) -> list[tuple[str, Call]]:
        """One entry point per app: a Django project's ``wsgi.py`` and ``asgi.py`` build the
        same app (the first one stands for it)."""
        kept: list[tuple[str, Call]] = []
        for kind, call in apps:
            if kind == "Django app" and any(k == "Django app" for k, _ in kept):
                continue
            kept.append((kind, call))
        return kept

    @staticmethod
    def _html_site(facts: PythonFacts) -> str | None:
        """Why the app is a website rather than an API, or None: it renders HTML templates
        and has no API layer (an API toolkit, an ``/api`` route, an ``api`` blueprint or one
        mounted under ``/api``), or, for Flask, Quart and Bottle, it answers no JSON at all
        (no ``jsonify``, no route returning a dict: a plain-text hello world)."""
        if facts.referenced(API_TOOLKITS):
            return None
        api_routes = [r for r in facts.routes if r.route and _API_PATH.match(r.route)]
        prefixes = [
            c
            for c in facts.calls
            if c.name.endswith(("Blueprint", "register_blueprint"))
            and (
                _API_PATH.match(str(c.keywords.get("url_prefix", "")))
                or (c.name.endswith("Blueprint") and c.args and c.args[0] == "api")
            )
        ]
        if api_routes or prefixes:
            return None
        html = facts.called(HTML_CALLS)
        if html:
            first = html[0]
            return (
                f"the app renders HTML pages ({first.name.rsplit('.', 1)[-1]} at "
                f"{first.path}:{first.line}) and has no API layer (no API toolkit, no /api "
                "route): a website, not an API"
            )
        kinds = {kind for kind, _ in facts.http_apps()}
        if kinds <= AUTO_JSON and not facts.called(JSON_CALLS) and not facts.json_returns:
            return "the app answers no JSON (no jsonify, no dict returned by a route): not an API"
        return None

    @staticmethod
    def _check_app(kind: str, call: Call, has_lib: bool, out: Emitter) -> None:
        where = f"{call.path}:{call.line}"
        if kind in GENERATES:
            off = GENERATES[kind]
            if off is not None and off in call.keywords and call.keywords[off] is None:
                out.report(
                    call.line,
                    f"the {kind} turns its OpenAPI document off ({off}=None): serve it, or "
                    "commit the exported openapi.json",
                    path=call.path,
                )
            else:
                out.evidence(f"{kind} at {where} serves its OpenAPI document")
            return
        if has_lib:
            return
        out.report(
            call.line,
            f"the {kind} publishes no API description: add an OpenAPI generator "
            "(flask-smorest, apispec, drf-spectacular, …) or commit openapi.yaml",
            path=call.path,
        )

    @staticmethod
    def _committed_specs(repo: RepoIndex) -> list[str]:
        specs = []
        for path in repo.of_kind("yaml", "json"):
            if is_test_path(path) or "node_modules" in path:
                continue
            name = PurePosixPath(path).name
            if SPEC_NAME.search(name):
                specs.append(path)
            elif CANDIDATE_NAME.search(name):
                file = repo.source(path)
                docs = file.yaml_documents if file.kind == "yaml" else [file.json]
                first = docs[0] if docs else None
                if isinstance(first, dict) and ("openapi" in first or "swagger" in first):
                    specs.append(path)
        return specs
