"""Where the tasks run: a local process pool (default), or a Dask cluster (``charter[dask]``),
each repository one task. Both call ``on_done`` in the client as each outcome arrives."""

from __future__ import annotations

import logging
import multiprocessing
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from charter.errors import CharterError
from charter.fleet.worker import Outcome, Task, audit_one, limit_pool_worker

OnDone = Callable[[Outcome], None]
DIED = "the worker process died while auditing it (crash or out of memory)"


def run_pool(tasks: Sequence[Task], jobs: int, on_done: OnDone) -> dict[str, Any]:
    """Each task in a process of a local pool of ``jobs`` (``spawn``: a fresh interpreter,
    nothing shared with the client's threads). At most ``jobs`` tasks are in flight, so when a
    worker dies (a native crash, the OOM killer) only those are suspects: each is retried
    alone in a fresh process and recorded as an error if it kills that one too."""
    context = multiprocessing.get_context("spawn")
    todo = list(reversed(tasks))
    suspects: list[Task] = []
    while todo:
        in_flight: dict[Future[Outcome], Task] = {}
        try:
            with ProcessPoolExecutor(
                max_workers=jobs, mp_context=context, initializer=limit_pool_worker
            ) as pool:
                while todo or in_flight:
                    while todo and len(in_flight) < jobs:
                        task = todo.pop()
                        in_flight[pool.submit(audit_one, task)] = task
                    done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                    for fut in done:
                        outcome = fut.result()  # BrokenProcessPool when a worker died
                        del in_flight[fut]
                        on_done(outcome)
        except BrokenProcessPool:
            suspects.extend(in_flight.values())
    for task in suspects:
        try:
            with ProcessPoolExecutor(
                max_workers=1, mp_context=context, initializer=limit_pool_worker
            ) as pool:
                on_done(pool.submit(audit_one, task).result())
        except BrokenProcessPool:
            on_done(Outcome(id=task.entry.id, status="error", error=DIED))
    return {"engine": "pool", "workers": jobs}


def _dask() -> Any:
    try:
        import distributed
    except ImportError:
        raise CharterError(
            "--engine dask needs Dask distributed: pip install 'charter[dask]'"
        ) from None
    return distributed


def run_dask(
    tasks: Sequence[Task], jobs: int, scheduler: str | None, on_done: OnDone
) -> dict[str, Any]:
    """Each task on a Dask cluster: the scheduler at ``scheduler`` (``tcp://HOST:8786``), or a
    local cluster of ``jobs`` single-threaded worker processes on 127.0.0.1 when it is None."""
    distributed = _dask()
    cluster = None
    try:
        if scheduler is None:
            cluster = distributed.LocalCluster(
                n_workers=jobs,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            client = distributed.Client(cluster)
        else:
            client = distributed.Client(scheduler, timeout="30s")
    except OSError as exc:
        where = scheduler or "a local cluster"
        raise CharterError(f"--scheduler: cannot connect to {where}: {exc}") from None
    try:
        workers = len(client.scheduler_info().get("workers", {}))
        run = uuid.uuid4().hex[:8]
        futures = {
            client.submit(audit_one, task, key=f"charter-{task.entry.id}-{run}", pure=False): task
            for task in tasks
        }
        for fut in distributed.as_completed(list(futures)):
            task = futures[fut]
            try:
                outcome = fut.result()
            except Exception as exc:  # noqa: BLE001 - a lost task (KilledWorker) is recorded
                outcome = Outcome(
                    id=task.entry.id, status="error", error=f"{type(exc).__name__}: {exc}"
                )
            fut.release()
            on_done(outcome)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return {"engine": "dask", "workers": workers, "scheduler": scheduler or "local"}
