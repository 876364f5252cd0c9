"""Time ``charter history`` against one cold audit of the same repository.

    python benchmarks/history.py REPO [--since 52w] [--every 2w]

REPO is a git repository (a clone without checkout is enough: history and ``--ref`` read
git's objects). Runs, in order: a cold ``charter audit REPO --ref HEAD --no-cache``; a history
with a fresh cache folder; the same history again (each commit's report reused); a second cold
audit. Prints the wall and CPU times (user + system of the process and its workers), the
history's points and cache counts, the ratios to the mean cold audit, and the machine's load
average before and after. Everything runs in subprocesses of this interpreter, on the charter
it imports. ``--jobs`` is passed to every command (default: one worker per CPU).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(*args: str) -> tuple[float, float]:
    """Wall and CPU seconds of ``charter ARGS`` (CPU: the process and the workers it waited
    for)."""
    started, cpu = time.perf_counter(), _children_cpu()
    command = [sys.executable, "-m", "charter", *args]
    proc = subprocess.run(command, capture_output=True, check=False)
    if proc.returncode not in (0, 1):
        raise SystemExit(proc.stderr.decode("utf-8", "replace"))
    return time.perf_counter() - started, _children_cpu() - cpu


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--since", default="52w")
    parser.add_argument("--every", default="2w")
    parser.add_argument("--jobs", default="0")
    args = parser.parse_args()
    jobs = ["--jobs", args.jobs]
    load = [_load()]
    with tempfile.TemporaryDirectory(prefix="charter-history-bench-") as tmp:
        out = Path(tmp)
        cold = [timed("audit", str(args.repo), "--ref", "HEAD", "--no-cache", "-f", "json",
                      "-o", str(out / "cold.json"), *jobs)]  # fmt: skip
        runs = []
        for name in ("first", "rerun"):
            target = out / f"{name}.json"
            took = timed("history", str(args.repo), "--since", args.since, "--every",
                         args.every, "--cache-dir", str(out / "cache"), "-f", "json",
                         "-o", str(target), *jobs)  # fmt: skip
            runs.append((name, took, json.loads(target.read_text(encoding="utf-8"))))
        cold.append(timed("audit", str(args.repo), "--ref", "HEAD", "--no-cache", "-f", "json",
                          "-o", str(out / "cold.json"), *jobs))  # fmt: skip
    load.append(_load())
    wall = sum(w for w, _ in cold) / len(cold)
    cpu = sum(c for _, c in cold) / len(cold)
    print(f"load average (1, 5, 15 min): {load[0]} before, {load[1]} after")
    print(
        f"cold audit: {cold[0][0]:.1f}s, {cold[1][0]:.1f}s wall (mean {wall:.1f}s); "
        f"{cold[0][1]:.1f}s, {cold[1][1]:.1f}s CPU (mean {cpu:.1f}s)"
    )
    for name, (seconds, used), doc in runs:
        points = doc["points"]
        misses = sum(p.get("cache_misses", 0) for p in points)
        reused = sum(1 for p in points if p.get("report_reused"))
        print(
            f"history {name}: {len(points)} points in {seconds:.1f}s wall = {seconds / wall:.1f}x "
            f"a cold audit, {used:.1f}s CPU = {used / cpu:.1f}x; {misses} files analysed, "
            f"{reused} reports reused"
        )


if __name__ == "__main__":
    main()
