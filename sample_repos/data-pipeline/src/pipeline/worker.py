"""Temporal worker: serves the DailyOrders workflow and its activities."""

from __future__ import annotations

import asyncio
import signal
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import structlog
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from prometheus_client import start_http_server
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.worker import Worker

from pipeline.activities import (
    extract_orders_activity,
    load_activity,
    refresh_reporting_view,
    transform_activity,
)
from pipeline.config import Settings
from pipeline.workflows import DailyOrders


def configure_logging() -> None:
    """JSON logs on stdout, one object per line."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            structlog.processors.JSONRenderer(),
        ]
    )


def configure_tracing() -> None:
    """Export spans over OTLP; the Temporal interceptor links workflow and activity spans."""
    provider = TracerProvider(resource=Resource.create({"service.name": "pipeline-worker"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)


async def run_worker(settings: Settings) -> None:
    """Poll the task queue until SIGTERM, then let running activities finish (up to 2 min)."""
    client = await Client.connect(settings.temporal_address, interceptors=[TracingInterceptor()])
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    with ThreadPoolExecutor(max_workers=8) as executor:
        worker = Worker(
            client,
            task_queue=settings.task_queue,
            workflows=[DailyOrders],
            activities=[
                extract_orders_activity,
                transform_activity,
                load_activity,
                refresh_reporting_view,
            ],
            activity_executor=executor,
            graceful_shutdown_timeout=timedelta(minutes=2),
        )
        async with worker:
            await stop.wait()


def main() -> None:
    """Entry point of `pipeline-worker`."""
    settings = Settings.from_env()
    configure_logging()
    configure_tracing()
    start_http_server(settings.metrics_port)
    asyncio.run(run_worker(settings))
