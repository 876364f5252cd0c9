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
SETTINGS_NEEDLES = ("drf_spectacular", "drf_yasg")
#: a Django project serves an API (rather than HTML pages) when it uses one of these
DJANGO_API_LIBS = ("rest_framework", "ninja", "tastypie", "graphene_django")


class ApiDocumentationAnalyzer(PythonFactsAnalyzer):
    """Pass on a committed OpenAPI/Swagger document (``openapi.yaml``, ``swagger.json``, or any
    API YAML/JSON whose top level has ``openapi:``/``swagger:``), on FastAPI/Litestar/Connexion
    apps (they serve one) unless it is switched off (``FastAPI(openapi_url=None)``), and on
    OpenAPI libraries for the other frameworks (flask-smorest, apispec, drf-spectacular,
    django-ninja, …). Each HTTP app left without one is reported at its construction."""

    name: ClassVar[str] = "api-documentation"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        facts = PythonFacts.of(repo, self)
        apps = facts.http_apps()
        if (
            apps
            and all(kind == "Django app" for kind, _ in apps)
            and not facts.imported(DJANGO_API_LIBS)
        ):
            out.not_applicable(
                "a Django site without an API framework (Django REST framework, django-ninja, "
                "Tastypie, Graphene)"
            )
            return
        if not apps:
            out.not_applicable("the repository serves no HTTP API (no web app is constructed)")
            return
        specs = self._committed_specs(repo)
        for path in specs:
            out.evidence(f"OpenAPI document {path}")
        if specs:
            return
        libs = facts.imported(OPENAPI_LIBS)
        for module, path, line in libs:
            out.evidence(f"{module} imported at {path}:{line}")
        for path in repo.of_kind("python"):
            if path.endswith("settings.py") or "/settings/" in path:
                text = repo.source(path).text or ""
                for needle in SETTINGS_NEEDLES:
                    if needle in text:
                        out.evidence(f"{needle} in {path}")
                        libs.append((needle, path, 1))
        for kind, call in apps:
            self._check_app(kind, call, bool(libs), out)

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
