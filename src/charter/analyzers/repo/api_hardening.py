"""Service rules about how an HTTP API protects itself and its callers.

``rate-limiting``, ``security-headers``, ``circuit-breakers``, ``idempotency-keys`` and
``error-response-shape`` all ask one question of a Python service (see
:mod:`charter.analyzers.repo.service` for what counts as one): does its non-test code use a
library, the framework's own mechanism, or code of its own that provides this? Evidence is an
import (resolved like every other Python rule) or a settings string naming the library (Django
wires middleware and apps by string), a distinctive construct of the tree (a global header hook,
a limiter class, an attempt counter, a breaker's failure count and suspension time), a line of
code, or a line of the deployment configuration. A service without any is one finding at the
app's construction, naming what is there and what is missing. A repository that runs no
service is not applicable.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.repo.project import is_test_path
from charter.analyzers.repo.service import (
    Call,
    Outbound,
    PythonFacts,
    Route,
    ServiceRuleAnalyzer,
    identifier_words,
    report_at_service,
)
from charter.memo import ByContent, by_content
from charter.repo import RepoIndex
from charter.sources import SourceFile, file_kind

#: the first line of a text that a pattern matches, by the text and the pattern
_FIRST: ByContent[int | None] = ByContent(maxsize=8192)


def first_line(
    repo: RepoIndex, pattern: re.Pattern[str], kinds: tuple[str, ...] = ("python",)
) -> tuple[str, int] | None:
    """The first non-test line of the given file kinds that matches ``pattern``. Each file's
    answer is a function of its text: memoised (a ``charter history`` point that runs the
    service rules again asks it of the same files, most of them unchanged)."""
    for path in repo.of_kind(*kinds):
        if is_test_path(path):
            continue
        source = repo.source(path)

        def first(source: SourceFile = source) -> int | None:
            lines = enumerate(source.lines, start=1)
            return next((n for n, line in lines if pattern.search(line)), None)

        text = source.text
        number = _FIRST.get(text, (pattern.pattern, pattern.flags), first) if text else first()
        if number is not None:
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
        manifest = kind in {"yaml", "json"} and _is_manifest(repo.source(path).text or "")
        if proxy or manifest or name == "Caddyfile":
            found.append(path)
    return found


@by_content(maxsize=8192)
def _is_manifest(text: str) -> bool:
    """Whether ``text`` has a top-level ``apiVersion``. Pure, so memoised by content: a
    history point that runs the rule again asks it of every YAML and JSON file, most of them
    unchanged (data files of megabytes among them)."""
    return bool(_MANIFEST.search(text))


def first_config_line(repo: RepoIndex, pattern: re.Pattern[str]) -> tuple[str, int] | None:
    for path in deployment_config(repo):
        for number, line in enumerate(repo.source(path).lines, start=1):
            if pattern.search(line):
                return path, number
    return None


class _EvidenceRule(ServiceRuleAnalyzer):
    """Pass on an import (or settings string) of ``MODULES``, a non-test Python line matching
    ``CODE``, a line of the deployment configuration matching ``CONFIG`` or what
    :meth:`own_evidence` finds; otherwise one finding at the service."""

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
        for module, path, line in facts.referenced(self.MODULES):
            out.evidence(f"{module} at {path}:{line}")
            found = True
        found = found or self.own_evidence(repo, facts, out)
        hits = [
            first_line(repo, self.CODE) if self.CODE is not None and not found else None,
            first_config_line(repo, self.CONFIG) if self.CONFIG is not None and not found else None,
        ]
        for hit in hits:
            if hit is not None and not found:
                out.evidence(f"{hit[0]}:{hit[1]}")
                found = True
        if not found:
            report_at_service(out, kind, anchor, self.problem(repo, facts))

    def applicable(self, repo: RepoIndex, facts: PythonFacts, out: Emitter) -> bool:
        return True

    def own_evidence(self, repo: RepoIndex, facts: PythonFacts, out: Emitter) -> bool:
        """Evidence only this rule knows how to find (hand-rolled code); True when found."""
        return False

    def problem(self, repo: RepoIndex, facts: PythonFacts) -> str:
        return self.PROBLEM


# --- rate limiting ---------------------------------------------------------------------------

#: first-party modules named after a limiter: ``limiter.py``, ``ratelimit.py``, ``throttling.py``
_LIMITER_MODULE = re.compile(
    r"^(rate_?limit(s|er|ing)?|limiter|throttl(e|es|ing)|login_?(throttl\w*|lockout))$", re.I
)


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
        "litestar.middleware.rate_limit",
        "axes",
        "defender",
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

    def own_evidence(self, repo: RepoIndex, facts: PythonFacts, out: Emitter) -> bool:
        """A limiter written in the code base: a limiter module or class (token bucket,
        ``RateLimiter``), a function enforcing a rate limit, or failed sign-in attempts
        counted against a maximum (account lockout, 429 after N tries)."""
        what = {
            "class": "rate limiter class",
            "function": "rate limit check",
            "attempts": "failed attempts limited",
        }
        found = False
        for kind, path, line, detail in facts.limits:
            out.evidence(f"{what.get(kind, kind)} {detail} at {path}:{line}")
            found = True
        for path in repo.of_kind("python"):
            if not is_test_path(path) and _LIMITER_MODULE.match(PurePosixPath(path).stem):
                out.evidence(f"limiter module {path}")
                found = True
        return found


# --- security headers ------------------------------------------------------------------------

HSTS = "Strict-Transport-Security"
CSP = "Content-Security-Policy"
NOSNIFF = "X-Content-Type-Options"
XFO = "X-Frame-Options"
ALL_HEADERS = (HSTS, CSP, NOSNIFF, XFO)
#: headers that show a security-header setup; X-Frame-Options alone does not (Django's project
#: template adds XFrameOptionsMiddleware to every project, whoever thought about headers)
MARKERS = (HSTS, CSP, NOSNIFF)
#: libraries and framework middleware (by import or settings string), and what they set
HEADER_SOURCES: dict[str, tuple[str, ...]] = {
    "secure": ALL_HEADERS,
    "flask_talisman": ALL_HEADERS,
    "talisman": ALL_HEADERS,
    "secweb": ALL_HEADERS,
    "starlette_securityheaders": ALL_HEADERS,
    "django.middleware.security.SecurityMiddleware": (NOSNIFF,),
    "django.middleware.clickjacking.XFrameOptionsMiddleware": (XFO,),
    "django.middleware.csp.ContentSecurityPolicyMiddleware": (CSP,),
    "csp.middleware.CSPMiddleware": (CSP,),
}
_HEADER_LINE = re.compile(
    r"strict-transport-security|content-security-policy|x-content-type-options|"
    r"x-frame-options|\bhsts\b",
    re.IGNORECASE,
)
_CONFIG_KINDS = ("yaml", "json", "toml", "ini")


@by_content(maxsize=8192)
def _headers_named(text: str) -> tuple[tuple[int, str], ...]:
    """(line, header) for each security header each line of ``text`` names, in order. Pure,
    so memoised by content (a history point asks it of every configuration file again)."""
    whole = text.lower()
    if not any(header.lower() in whole for header in ALL_HEADERS):
        return ()  # no line can name one (a data file of megabytes)
    return tuple(
        (number, header)
        for number, line in enumerate(text.splitlines(), start=1)
        for header in ALL_HEADERS
        if header.lower() in line.lower()
    )


class SecurityHeadersAnalyzer(_EvidenceRule):
    name: ClassVar[str] = "security-headers"
    PROBLEM = (
        "sets no security headers: add HSTS, Content-Security-Policy, X-Content-Type-Options "
        "and X-Frame-Options with a middleware (secure, flask-talisman, Django "
        "SECURE_HSTS_SECONDS) or at the ingress"
    )

    def check_service(
        self, repo: RepoIndex, facts: PythonFacts, kind: str, anchor: Call, out: Emitter
    ) -> None:
        http = facts.http_apps()
        if not http:
            out.not_applicable(f"the {kind} at {anchor.path}:{anchor.line} serves no HTTP API")
            return
        kind, anchor = http[0]
        on_every = self._app_wide(repo, facts)
        for header, where in sorted(on_every.items()):
            out.evidence(f"{header} on every response ({where})")
        if any(h in on_every for h in MARKERS):
            return
        local = [(h, p, ln) for h, p, ln, scope in facts.headers if scope in ("route", "function")]
        report_at_service(out, kind, anchor, self._problem(kind, on_every, local))

    def _app_wide(self, repo: RepoIndex, facts: PythonFacts) -> dict[str, str]:
        """Header -> where it is set for every response."""
        found: dict[str, str] = {}
        for module, path, line in facts.referenced(tuple(HEADER_SOURCES)):
            key = next(k for k in HEADER_SOURCES if module == k or module.startswith(k + "."))
            for header in HEADER_SOURCES[key]:
                found.setdefault(header, f"{key.rsplit('.', 1)[-1]} at {path}:{line}")
        if NOSNIFF in found and any(
            v is False for _, _, v in facts.setting("SECURE_CONTENT_TYPE_NOSNIFF")
        ):
            del found[NOSNIFF]  # SecurityMiddleware with nosniff switched off
        if NOSNIFF in found or facts.referenced(("django.middleware.security",)):
            for path, line, value in facts.setting("SECURE_HSTS_SECONDS"):
                if value not in (0, None, False, "0"):
                    found.setdefault(HSTS, f"SECURE_HSTS_SECONDS at {path}:{line}")
        for header, path, line, scope in facts.headers:
            if scope in ("hook", "module"):
                found.setdefault(header, f"set at {path}:{line}")
        if facts.dynamic_headers:
            hook_path, hook_line = facts.dynamic_headers[0]
            for path in repo.of_kind(*_CONFIG_KINDS):
                if is_test_path(path):
                    continue
                for number, header in _headers_named(repo.source(path).text or ""):
                    found.setdefault(
                        header,
                        f"configured at {path}:{number}, set by the hook at "
                        f"{hook_path}:{hook_line}",
                    )
        for path in deployment_config(repo):
            if not _HEADER_LINE.search(repo.source(path).text or ""):
                continue  # no line can name a header
            for number, text in enumerate(repo.source(path).lines, start=1):
                if not _HEADER_LINE.search(text):
                    continue
                for header in ALL_HEADERS:
                    if header.lower() in text.lower() or (
                        header == HSTS and "hsts" in text.lower()
                    ):
                        found.setdefault(header, f"deployment config {path}:{number}")
        return found

    def _problem(
        self, kind: str, on_every: dict[str, str], local: list[tuple[str, str, int]]
    ) -> str:
        missing = [h for h in ALL_HEADERS if h not in on_every]
        if kind == "Django app":
            fix = (
                "add django.middleware.security.SecurityMiddleware (X-Content-Type-Options; "
                "HSTS with SECURE_HSTS_SECONDS) and a Content-Security-Policy, or set them at "
                "the ingress"
            )
        else:
            fix = (
                f"set {_join(missing, 'and')} with a middleware (secure, flask-talisman) or "
                "at the ingress"
            )
        if on_every:
            have = ", ".join(f"{h} ({w})" for h, w in sorted(on_every.items()))
            return f"sets only {have} on every response, not {_join(missing, 'or')}: {fix}"
        if local:
            header, path, line = local[0]
            return (
                f"sets security headers only in single handlers ({header} at {path}:{line}), "
                f"not on every response: {fix}"
            )
        return self.PROBLEM


def _join(items: list[str], word: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


# --- circuit breakers ------------------------------------------------------------------------


def dependency(call: Outbound) -> bool:
    """A service at one address: a gRPC channel, a client bound to a base URL, a URL to an
    internal host, or a URL read from configuration (a setting, constant or variable of the
    environment)."""
    return call.target in ("channel", "client", "internal", "configured")


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
    PROBLEM = (
        "calls other services without a circuit breaker: wrap the clients with pybreaker, "
        "aiobreaker or purgatory (or configure outlier detection in the service mesh)"
    )

    def applicable(self, repo: RepoIndex, facts: PythonFacts, out: Emitter) -> bool:
        """A breaker guards a dependency: a service at one address that the service calls while
        serving (a gRPC channel, a client bound to a base URL, a URL to an internal host such
        as ``http://pricing/quote``, an endpoint read from configuration). Third-party APIs at
        hard-coded public URLs, URLs that come from data (a user's URL, a record's webhook) and
        calls from background jobs or commands are not judged."""
        rank = {"channel": 0, "internal": 1, "client": 2, "configured": 3}
        self._dependencies = sorted(
            (
                o
                for o in facts.outbound
                if dependency(o) and not o.in_task and o.path not in facts.cli_paths
            ),
            key=lambda o: (rank[o.target], o.path, o.line),
        )
        if self._dependencies:
            return True
        if facts.outbound:
            out.not_applicable(
                "the service calls no dependency at a fixed address while serving: its "
                "outbound calls go to hard-coded third-party APIs or to URLs that come from "
                "data, or run in background jobs"
            )
        else:
            out.not_applicable("the service makes no outbound HTTP or gRPC calls")
        return False

    def own_evidence(self, repo: RepoIndex, facts: PythonFacts, out: Emitter) -> bool:
        """A breaker written in the code base: a class named after one, or one that counts
        consecutive failures and suspends calls until a time."""
        for name, path, line in facts.breakers:
            out.evidence(f"circuit breaker {name} at {path}:{line}")
        return bool(facts.breakers)

    def problem(self, repo: RepoIndex, facts: PythonFacts) -> str:
        first = self._dependencies[0]
        target = first.text if len(first.text) <= 60 else first.text[:57] + "..."
        call = first.name.replace("<client>", "client")
        return (
            f"calls other services without a circuit breaker ({call}({target}) at "
            f"{first.path}:{first.line}): wrap the clients with pybreaker, aiobreaker or "
            "purgatory (or configure outlier detection in the service mesh)"
        )


# --- idempotency keys ------------------------------------------------------------------------

#: words of a route (path, router, handler) that charge, order or move something: a retried
#: request must not do it twice. Creating an ordinary record (a note, a recipe) is not one.
CHARGING_WORDS = frozenset(
    {
        "pay",
        "pays",
        "payment",
        "payments",
        "payout",
        "payouts",
        "charge",
        "charges",
        "checkout",
        "order",
        "orders",
        "purchase",
        "purchases",
        "invoice",
        "invoices",
        "transfer",
        "transfers",
        "refund",
        "refunds",
        "withdraw",
        "withdrawal",
        "withdrawals",
        "deposit",
        "deposits",
        "transaction",
        "transactions",
        "billing",
        "subscribe",
        "subscription",
        "subscriptions",
        "booking",
        "bookings",
        "donate",
        "donation",
        "donations",
        "topup",
    }
)


PAYING_WORDS = frozenset({"pay", "pays", "payment", "payments", "charge", "charges", "checkout"})


def _route_words(route: Route) -> set[str]:
    return set(identifier_words(" ".join([route.route or "", route.owner, route.handler])))


def charging(route: Route) -> bool:
    return bool(_route_words(route) & CHARGING_WORDS)


def paying(route: Route) -> bool:
    return bool(_route_words(route) & PAYING_WORDS)


def _route_name(route: Route) -> str:
    method = "/".join(m for m in route.methods if m in ("POST", "PATCH"))
    if route.route is None:  # a class-based view
        return f"{method} {route.owner}.{route.handler} ({route.path}:{route.line})"
    if route.route.strip("/") == "" and route.owner:  # the router's own path: name the router
        return f"{method} on {route.owner} ({route.path}:{route.line})"
    return f"{method} {route.route or '/'} ({route.path}:{route.line})"


class IdempotencyKeysAnalyzer(_EvidenceRule):
    name: ClassVar[str] = "idempotency-keys"
    MODULES = ("idempotency", "fastapi_idempotency", "django_idempotency_key", "idempotency_header")
    CODE = re.compile(r"idempotency[-_ ]?key", re.IGNORECASE)
    PROBLEM = (
        "exposes POST/PATCH routes but reads no Idempotency-Key header: accept one for "
        "mutations so that a retried request is not executed twice"
    )

    def applicable(self, repo: RepoIndex, facts: PythonFacts, out: Emitter) -> bool:
        mutating = [r for r in facts.routes if {"POST", "PATCH"} & set(r.methods)]
        if not mutating:
            out.not_applicable("the service exposes no POST or PATCH route")
            return False
        self._charging = sorted(
            (r for r in mutating if charging(r)), key=lambda r: (not paying(r), r.path, r.line)
        )
        if not self._charging:
            which = (
                "its POST/PATCH route does not"
                if len(mutating) == 1
                else f"none of its {len(mutating)} POST/PATCH routes"
            )
            out.not_applicable(
                f"{which} charge, order or transfer (payments, orders, invoices, transfers, "
                "...): searches, forms and ordinary records do no harm when retried"
            )
            return False
        return True

    def problem(self, repo: RepoIndex, facts: PythonFacts) -> str:
        names = ", ".join(_route_name(r) for r in self._charging[:2])
        more = f" and {len(self._charging) - 2} more" if len(self._charging) > 2 else ""
        return (
            f"exposes POST/PATCH routes that charge or order ({names}{more}) but reads no "
            "Idempotency-Key header: accept one so that a retried request is not executed twice"
        )


# --- error response shape --------------------------------------------------------------------

#: Django renders every error through its handlers: DRF's exception handler for API views,
#: handler400/403/404/500 (default views and the 4xx/500.html templates) for the rest
DJANGO_ERROR_TEMPLATES = ("400.html", "403.html", "404.html", "500.html")


class ErrorResponseShapeAnalyzer(_EvidenceRule):
    name: ClassVar[str] = "error-response-shape"
    #: Django API frameworks whose exception handler renders every API error in one shape
    DJANGO_API = ("rest_framework", "ninja")
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

    def check_service(
        self, repo: RepoIndex, facts: PythonFacts, kind: str, anchor: Call, out: Emitter
    ) -> None:
        http = facts.http_apps()
        if http and all(k == "Django app" for k, _ in http):
            self._django(repo, facts, http[0][1], out)
            return
        if not http:
            out.not_applicable(f"the {kind} at {anchor.path}:{anchor.line} serves no HTTP API")
            return
        # a Django project with another framework beside it: judge the other framework
        kind, anchor = next((k, c) for k, c in http if k != "Django app")
        hit = first_line(repo, self.CODE) if self.CODE is not None else None
        if hit is not None:
            out.evidence(f"{hit[0]}:{hit[1]}")
            return
        report_at_service(out, kind, anchor, self.PROBLEM)

    def _django(self, repo: RepoIndex, facts: PythonFacts, anchor: Call, out: Emitter) -> None:
        """Django renders every error through its handlers: DRF's (or django-ninja's)
        exception handler for API views, handler400/403/404/500 and their templates for pages."""
        for module, path, line in facts.referenced(self.DJANGO_API)[:1]:
            out.evidence(f"{module} at {path}:{line}: its exception handler renders API errors")
        templates = [
            p
            for p in repo.files
            if PurePosixPath(p).name in DJANGO_ERROR_TEMPLATES and "templates/" in p
        ]
        for path in templates[:2]:
            out.evidence(f"error page template {path}")
        out.evidence(
            f"the Django app at {anchor.path}:{anchor.line} renders every error through its "
            "handler400/403/404/500"
        )
