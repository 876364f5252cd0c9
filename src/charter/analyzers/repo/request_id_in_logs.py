"""request-id-in-logs: a Python service's logs carry a request or correlation id.

A service passes when its non-test code imports a library that puts one into every log
record (asgi-correlation-id, django-guid, django-log-request-id, flask-log-request-id,
starlette-context, OpenTelemetry's logging instrumentation, ddtrace's log injection), or when
a line of its code names one (``request_id``, ``correlation_id`` or "correlation ID",
``trace_id``,
``X-Request-ID``, ``X-Correlation-ID``, ``x-amzn-trace-id``). A service with none is one
finding at the app's construction. As for ``tracing``, the rule applies to services deployed
to an orchestrator (``applies_if: orchestrated-service``): tying log lines to requests across
replicas and services is a fleet concern, not one of a self-hosted single-container app.
"""

from __future__ import annotations

import re
from typing import ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.repo.api_hardening import first_line
from charter.analyzers.repo.service import (
    Call,
    PythonFacts,
    ServiceRuleAnalyzer,
    evidence_of_use,
    report_at_service,
)
from charter.repo import RepoIndex

REQUEST_ID_MODULES = (
    "asgi_correlation_id",
    "django_guid",
    "log_request_id",
    "request_id",
    "flask_log_request_id",
    "flask_request_id",
    "starlette_context",
    "opentelemetry.instrumentation.logging",
    "ddtrace",
)
_NAMED = re.compile(
    r"\b(?:request_?id|correlation[ _-]?id|trace_?id|requestId|correlationId|traceId)\b"
    r"|\bx-(?:request|correlation|amzn-trace)-id\b",
    re.IGNORECASE,
)


class RequestIdInLogsAnalyzer(ServiceRuleAnalyzer):
    name: ClassVar[str] = "request-id-in-logs"

    def check_service(
        self, repo: RepoIndex, facts: PythonFacts, kind: str, anchor: Call, out: Emitter
    ) -> None:
        if evidence_of_use(repo, facts, REQUEST_ID_MODULES, (), out):
            return
        named = first_line(repo, _NAMED)
        if named is not None:
            out.evidence(f"a request or correlation id at {named[0]}:{named[1]}")
            return
        report_at_service(
            out,
            kind,
            anchor,
            "logs no request or correlation id: a log line cannot be tied to the request "
            "that wrote it; add a correlation-id middleware (asgi-correlation-id, django-guid) "
            "and put the id into every record",
        )
