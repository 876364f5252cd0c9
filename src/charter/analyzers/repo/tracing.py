"""tracing: a service sets up distributed tracing (OpenTelemetry, Datadog, logfire, Sentry
performance tracing)."""

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
    "temporalio.contrib.opentelemetry",
)
#: ``sentry_sdk.init`` keywords that turn on performance tracing (transactions and spans)
SENTRY_TRACING = ("traces_sample_rate", "traces_sampler", "enable_tracing")
AUTO_INSTRUMENT = ("opentelemetry-instrument", "ddtrace-run")


class TracingAnalyzer(ServiceRuleAnalyzer):
    """Pass on a tracing import in non-test code (OpenTelemetry trace API/SDK, an
    instrumentation package, logfire, ddtrace, Temporal's OpenTelemetry interceptor), an
    auto-instrumenting launch command, or Sentry performance tracing
    (``sentry_sdk.init(traces_sample_rate=...)``, ``traces_sampler=``, ``enable_tracing=True``;
    a literal rate of 0 or ``enable_tracing=False`` does not count)."""

    name: ClassVar[str] = "tracing"

    def check_service(
        self, repo: RepoIndex, facts: PythonFacts, kind: str, anchor: Call, out: Emitter
    ) -> None:
        found = evidence_of_use(repo, facts, TRACING_MODULES, AUTO_INSTRUMENT, out)
        for call in facts.called(("sentry_sdk.init",)):
            on = [k for k in SENTRY_TRACING if call.keywords.get(k) not in (None, 0, False)]
            if on:
                out.evidence(f"Sentry performance tracing ({on[0]}=...) at {call.path}:{call.line}")
                found = True
        if not found:
            report_at_service(
                out,
                kind,
                anchor,
                "has no tracing: set up an OpenTelemetry TracerProvider (or an "
                "opentelemetry-instrumentation package) with OTLP export",
            )
