"""metrics-exposed: a service exposes or pushes metrics (Prometheus client, a Pushgateway,
StatsD, OpenTelemetry metrics, a framework instrumentator, a ``/metrics`` route of its own)."""

from __future__ import annotations

import re
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
    "opentelemetry.exporter.otlp.proto.grpc.metric_exporter",
    "opentelemetry.exporter.otlp.proto.http.metric_exporter",
    "opentelemetry.instrumentation",
    "statsd",
    "aiodogstatsd",
    "django_statsd",
    "markus",
    "datadog",
    "temporalio.runtime.PrometheusConfig",
    "temporalio.runtime.OpenTelemetryConfig",
)
#: launch commands that instrument the app without code (OpenTelemetry auto-instrumentation)
AUTO_INSTRUMENT = ("opentelemetry-instrument",)
#: a route the app serves its own metrics on: ``/metrics`` or ``/prometheus`` at the top level
METRICS_ROUTE = re.compile(r"^\^?/?(metrics|prometheus)/?\$?$")


class MetricsExposedAnalyzer(ServiceRuleAnalyzer):
    """Pass on an import of a metrics library in non-test code (or a settings string naming
    one, as Django's ``INSTALLED_APPS``/``MIDDLEWARE`` name ``django_prometheus``), on
    OpenTelemetry auto-instrumentation in the launch command, or on a ``/metrics`` route the
    app serves itself."""

    name: ClassVar[str] = "metrics-exposed"

    def check_service(
        self, repo: RepoIndex, facts: PythonFacts, kind: str, anchor: Call, out: Emitter
    ) -> None:
        found = evidence_of_use(repo, facts, (), AUTO_INSTRUMENT, out)
        for module, path, line in facts.referenced(METRICS_MODULES):
            out.evidence(f"{module} at {path}:{line}")
            found = True
        for route in facts.routes:
            if route.route is not None and METRICS_ROUTE.match(route.route):
                out.evidence(f"route {route.route} served at {route.path}:{route.line}")
                found = True
        for call in facts.calls:
            # Django: path("metrics/", view) / re_path(r"^metrics$", view)
            if (
                call.name in ("django.urls.path", "django.urls.re_path", "django.conf.urls.url")
                and call.args
                and isinstance(call.args[0], str)
                and METRICS_ROUTE.match(call.args[0])
            ):
                out.evidence(f"route {call.args[0]} served at {call.path}:{call.line}")
                found = True
        if not found:
            report_at_service(
                out,
                kind,
                anchor,
                "exposes no metrics: add prometheus_client (or an instrumentator such as "
                "prometheus-fastapi-instrumentator) or OpenTelemetry metrics",
            )
