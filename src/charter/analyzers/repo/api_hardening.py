"""Service rules about how an HTTP API protects itself and its callers.

``rate-limiting``, ``security-headers``, ``circuit-breakers``, ``idempotency-keys`` and
``error-response-shape`` all ask one question of a Python service (see
:mod:`charter.analyzers.repo.service` for what counts as one): does its non-test code use a
library, or write the code, that provides this? Evidence is an import (resolved like every other
Python rule) or a distinctive line of code or configuration; a service without any is one
finding at the app's construction, naming what to add. A repository that runs no service is not
applicable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.repo.project import is_test_path
from charter.analyzers.repo.service import (
    Call,
    PythonFacts,
    ServiceRuleAnalyzer,
    report_at_service,
)
from charter.repo import RepoIndex
from charter.sources import file_kind


def _lines(repo: RepoIndex, kinds: tuple[str, ...]) -> Iterator[tuple[str, int, str]]:
    for path in repo.of_kind(*kinds):
        if is_test_path(path):
            continue
        for number, line in enumerate(repo.source(path).lines, start=1):
            yield path, number, line


def first_line(
    repo: RepoIndex, pattern: re.Pattern[str], kinds: tuple[str, ...] = ("python",)
) -> tuple[str, int] | None:
    """The first non-test line of the given file kinds that matches ``pattern``."""
    for path, number, line in _lines(repo, kinds):
        if pattern.search(line):
            return path, number
    return None


#: a top-level ``apiVersion`` (YAML at column 0, or a JSON key): a manifest, not an example
_MANIFEST = re.compile(r'^apiVersion:|"apiVersion"\s*:', re.MULTILINE)
_PROXY = re.compile(r"nginx|traefik|kong|envoy|istio|gateway|ingress|haproxy|caddy|apisix", re.I)


def deployment_config(repo: RepoIndex) -> list[str]:
    """Deployment configuration a gateway, proxy or mesh reads: Kubernetes-style manifests
    (YAML/JSON with a top-level ``apiVersion``) and proxy configs named after the proxy
    (``nginx.conf``, ``traefik.yml``, ``kong.yaml``, ``Caddyfile`` ...), tests left out."""
    found: list[str] = []
    for path in repo.files:
        if is_test_path(path):
            continue
        name = path.rsplit("/", 1)[-1]
        kind = file_kind(path)
        proxy = _PROXY.search(name) is not None and (
            kind in {"yaml", "json", "toml"} or name.endswith(".conf")
        )
        manifest = kind in {"yaml", "json"} and bool(_MANIFEST.search(repo.source(path).text or ""))
        if proxy or manifest or name == "Caddyfile":
            found.append(path)
    return found


def first_config_line(repo: RepoIndex, pattern: re.Pattern[str]) -> tuple[str, int] | None:
    for path in deployment_config(repo):
        for number, line in enumerate(repo.source(path).lines, start=1):
            if pattern.search(line):
                return path, number
    return None


class _EvidenceRule(ServiceRuleAnalyzer):
    """Pass on an import of ``MODULES``, a non-test Python line matching ``CODE`` or a line of
    the deployment configuration matching ``CONFIG``; otherwise one finding at the service."""

    MODULES: ClassVar[tuple[str, ...]] = ()
    CODE: ClassVar[re.Pattern[str] | None] = None
    CONFIG: ClassVar[re.Pattern[str] | None] = None
    #: only HTTP services (not gRPC servers or Temporal workers) are concerned
    HTTP_ONLY: ClassVar[bool] = True
    PROBLEM: ClassVar[str] = ""

    def check_service(
        self, repo: RepoIndex, facts: PythonFacts, kind: str, anchor: Call, out: Emitter
    ) -> None:
        if self.HTTP_ONLY:
            http = facts.http_apps()
            if not http:
                out.not_applicable(f"the {kind} at {anchor.path}:{anchor.line} serves no HTTP API")
                return
            kind, anchor = http[0]
        if not self.applicable(repo, facts, out):
            return
        found = False
        for module, path, line in facts.imported(self.MODULES):
            out.evidence(f"{module} imported at {path}:{line}")
            found = True
        hits = [
            first_line(repo, self.CODE) if self.CODE is not None and not found else None,
            first_config_line(repo, self.CONFIG) if self.CONFIG is not None and not found else None,
        ]
        for hit in hits:
            if hit is not None and not found:
                out.evidence(f"{hit[0]}:{hit[1]}")
                found = True
        if not found:
            report_at_service(out, kind, anchor, self.PROBLEM)

    def applicable(self, repo: RepoIndex, facts: PythonFacts, out: Emitter) -> bool:
        return True


class RateLimitingAnalyzer(_EvidenceRule):
    name: ClassVar[str] = "rate-limiting"
    MODULES = (
        "slowapi",
        "fastapi_limiter",
        "flask_limiter",
        "django_ratelimit",
        "ratelimit",
        "limits",
        "starlette_limiter",
        "aiohttp_ratelimiter",
        "rest_framework.throttling",
    )
    CODE = re.compile(r"DEFAULT_THROTTLE_(CLASSES|RATES)|\bRateLimit\w*Middleware\b")
    CONFIG = re.compile(
        r"limit-rps|limit-rpm|limit-connections|rate-limit|ratelimit|rate_limit|limit_req",
        re.IGNORECASE,
    )
    PROBLEM = (
        "has no rate limiting: add a limiter (slowapi, fastapi-limiter, flask-limiter, "
        "django-ratelimit, DRF throttling) or a rate limit at the ingress/gateway"
    )


class SecurityHeadersAnalyzer(_EvidenceRule):
    name: ClassVar[str] = "security-headers"
    MODULES = ("secure", "flask_talisman", "talisman", "starlette_securityheaders")
    CODE = re.compile(r"Strict-Transport-Security|SECURE_HSTS_SECONDS\s*=\s*[1-9]", re.IGNORECASE)
    CONFIG = re.compile(r"Strict-Transport-Security|hsts", re.IGNORECASE)
    PROBLEM = (
        "sets no security headers: add HSTS, Content-Security-Policy, X-Content-Type-Options "
        "and X-Frame-Options with a middleware (secure, flask-talisman, Django "
        "SECURE_HSTS_SECONDS) or at the ingress"
    )


class CircuitBreakersAnalyzer(_EvidenceRule):
    name: ClassVar[str] = "circuit-breakers"
    HTTP_ONLY = False
    MODULES = (
        "pybreaker",
        "aiobreaker",
        "purgatory",
        "circuitbreaker",
        "breakers",
        "pyresilience",
        "hystrix",
    )
    CONFIG = re.compile(r"circuitBreaker|circuit_breaker|outlierDetection|outlier_detection")
    OUTBOUND = (
        "requests",
        "httpx",
        "aiohttp.ClientSession",
        "urllib3",
        "grpc.insecure_channel",
        "grpc.secure_channel",
        "grpc.aio",
    )
    PROBLEM = (
        "calls other services without a circuit breaker: wrap the clients with pybreaker, "
        "aiobreaker or purgatory (or configure outlier detection in the service mesh)"
    )

    def applicable(self, repo: RepoIndex, facts: PythonFacts, out: Emitter) -> bool:
        if facts.imported(self.OUTBOUND):
            return True
        out.not_applicable("the service makes no outbound HTTP or gRPC calls")
        return False


_MUTATING_ROUTE = re.compile(
    r"\.(post|patch)\(\s*[\"']/|methods\s*=\s*\[[^\]]*[\"'](POST|PATCH)[\"']|def (post|patch)\(self"
)


class IdempotencyKeysAnalyzer(_EvidenceRule):
    name: ClassVar[str] = "idempotency-keys"
    MODULES = ("idempotency", "fastapi_idempotency", "django_idempotency_key", "idempotency_header")
    CODE = re.compile(r"idempotency[-_ ]?key", re.IGNORECASE)
    PROBLEM = (
        "exposes POST/PATCH routes but reads no Idempotency-Key header: accept one for "
        "mutations so that a retried request is not executed twice"
    )

    def applicable(self, repo: RepoIndex, facts: PythonFacts, out: Emitter) -> bool:
        if first_line(repo, _MUTATING_ROUTE) is not None:
            return True
        out.not_applicable("the service exposes no POST or PATCH route")
        return False


class ErrorResponseShapeAnalyzer(_EvidenceRule):
    name: ClassVar[str] = "error-response-shape"
    CODE = re.compile(
        r"\.exception_handler\(|add_exception_handler\(|exception_handlers\s*=|"
        r"\.errorhandler\(|register_error_handler\(|[\"']EXCEPTION_HANDLER[\"']|"
        r"handler(400|404|500)\s*="
    )
    PROBLEM = (
        "has no global error handler: register one (FastAPI/Starlette exception_handler, "
        "Flask errorhandler, DRF EXCEPTION_HANDLER) that renders every error in one shape, "
        'e.g. {"error": {"code": ..., "message": ..., "details": [...]}}'
    )
