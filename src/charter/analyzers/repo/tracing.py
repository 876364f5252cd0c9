"""tracing: a service sets up distributed tracing (OpenTelemetry)."""

from __future__ import annotations

from typing import ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.repo.service import (
    Call,
    PythonFacts,
    ServiceRuleAnalyzer,
    evidence_of_use,
    report_at_service,
)
from charter.repo import RepoIndex

TRACING_MODULES = (
    "opentelemetry.trace",
    "opentelemetry.sdk.trace",
    "opentelemetry.instrumentation",
    "opentelemetry.exporter.otlp.proto.grpc.trace_exporter",
    "opentelemetry.exporter.otlp.proto.http.trace_exporter",
    "opentelemetry.exporter.jaeger",
    "opentelemetry.exporter.zipkin",
    "logfire",
    "ddtrace",
)
AUTO_INSTRUMENT = ("opentelemetry-instrument", "ddtrace-run")


class TracingAnalyzer(ServiceRuleAnalyzer):
    """Pass on a tracing import in non-test code (OpenTelemetry trace API/SDK, an
    instrumentation package, logfire, ddtrace) or an auto-instrumenting launch command."""

    name: ClassVar[str] = "tracing"

    def check_service(
        self, repo: RepoIndex, facts: PythonFacts, kind: str, anchor: Call, out: Emitter
    ) -> None:
        if not evidence_of_use(repo, facts, TRACING_MODULES, AUTO_INSTRUMENT, out):
            report_at_service(
                out,
                kind,
                anchor,
                "has no tracing: set up an OpenTelemetry TracerProvider (or an "
                "opentelemetry-instrumentation package) with OTLP export",
            )
