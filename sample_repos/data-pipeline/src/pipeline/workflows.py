"""The DailyOrders workflow: extract, transform and load one day of partner orders."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from pipeline.activities import (
        DayInput,
        extract_orders_activity,
        load_activity,
        refresh_reporting_view,
        transform_activity,
    )

#: the partner API and the warehouse fail transiently; a bad payload does not get better
SOURCE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    maximum_attempts=6,
    non_retryable_error_types=["SchemaError"],
)
LOCAL_RETRY = RetryPolicy(maximum_attempts=3, backoff_coefficient=2.0)


@workflow.defn
class DailyOrders:
    """One run per day; re-running a day is safe because the loader upserts."""

    @workflow.run
    async def run(self, day: str) -> int:
        """Run the pipeline for `day` (ISO date) and return the number of rows loaded."""
        inp = DayInput(day=day)
        staging = await workflow.execute_activity(
            extract_orders_activity,
            inp,
            start_to_close_timeout=timedelta(minutes=10),
            retry_policy=SOURCE_RETRY,
        )
        normalised = await workflow.execute_activity(
            transform_activity,
            staging,
            start_to_close_timeout=timedelta(minutes=15),
            retry_policy=LOCAL_RETRY,
        )
        rows: int = await workflow.execute_activity(
            load_activity,
            normalised,
            schedule_to_close_timeout=timedelta(minutes=30),
            retry_policy=SOURCE_RETRY,
        )
        await workflow.execute_activity(
            refresh_reporting_view,
            inp,
            start_to_close_timeout=timedelta(minutes=5),
        )
        workflow.logger.info("day loaded", extra={"day": day, "rows": rows})
        return rows
