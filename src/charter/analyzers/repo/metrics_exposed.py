"""metrics-exposed: a service exposes metrics (Prometheus client, OpenTelemetry metrics, a
framework instrumentator)."""

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

METRICS_MODULES = (
    "prometheus_client",
    "prometheus_fastapi_instrumentator",
    "prometheus_flask_exporter",
    "starlette_exporter",
    "starlette_prometheus",
    "aioprometheus",
    "django_prometheus",
    "opentelemetry.metrics",
    "opentelemetry.sdk.metrics",
    "opentelemetry.exporter.prometheus",
    "opentelemetry.instrumentation",
    "statsd",
    "datadog",
)
#: launch commands that instrument the app without code (OpenTelemetry auto-instrumentation)
AUTO_INSTRUMENT = ("opentelemetry-instrument",)


class MetricsExposedAnalyzer(ServiceRuleAnalyzer):
    """Pass on an import of a metrics library in non-test code (or OTel auto-instrumentation in
    the launch command, or ``django_prometheus`` in Django settings)."""

    name: ClassVar[str] = "metrics-exposed"

    def check_service(
        self, repo: RepoIndex, facts: PythonFacts, kind: str, anchor: Call, out: Emitter
    ) -> None:
        found = evidence_of_use(repo, facts, METRICS_MODULES, AUTO_INSTRUMENT, out)
        for path in repo.of_kind("python"):
            if path.endswith("settings.py") or "/settings/" in path:
                text = repo.source(path).text or ""
                if "django_prometheus" in text:
                    out.evidence(f"django_prometheus installed in {path}")
                    found = True
        if not found:
            report_at_service(
                out,
                kind,
                anchor,
                "exposes no metrics: add prometheus_client (or an instrumentator such as "
                "prometheus-fastapi-instrumentator) or OpenTelemetry metrics",
            )
