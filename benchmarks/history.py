"""Time ``charter history`` against one cold audit of the same repository.

    python benchmarks/history.py REPO [--since 52w] [--every 2w]

REPO is a git repository (a clone without checkout is enough: history and ``--ref`` read
git's objects). Runs, in order: a cold ``charter audit REPO --ref HEAD --no-cache``; a history
with a fresh cache folder; the same history again (each commit's report reused); a second cold
audit. Prints the times, the history's points and cache counts, and the ratios to the mean
cold audit. Everything runs in subprocesses of this interpreter, on the charter it imports.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(*args: str) -> float:
    started = time.perf_counter()
    command = [sys.executable, "-m", "charter", *args]
    proc = subprocess.run(command, capture_output=True, check=False)
    if proc.returncode not in (0, 1):
        raise SystemExit(proc.stderr.decode("utf-8", "replace"))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--since", default="52w")
    parser.add_argument("--every", default="2w")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="charter-history-bench-") as tmp:
        out = Path(tmp)
        cold = [timed("audit", str(args.repo), "--ref", "HEAD", "--no-cache", "-f", "json",
                      "-o", str(out / "cold.json"))]  # fmt: skip
        runs = []
        for name in ("first", "rerun"):
            target = out / f"{name}.json"
            seconds = timed("history", str(args.repo), "--since", args.since, "--every",
                            args.every, "--cache-dir", str(out / "cache"), "-f", "json",
                            "-o", str(target))  # fmt: skip
            runs.append((name, seconds, json.loads(target.read_text(encoding="utf-8"))))
        cold.append(timed("audit", str(args.repo), "--ref", "HEAD", "--no-cache", "-f", "json",
                          "-o", str(out / "cold.json")))  # fmt: skip
    mean = sum(cold) / len(cold)
    print(f"cold audit: {cold[0]:.1f}s, {cold[1]:.1f}s (mean {mean:.1f}s)")
    for name, seconds, doc in runs:
        points = doc["points"]
        misses = sum(p.get("cache_misses", 0) for p in points)
        reused = sum(1 for p in points if p.get("report_reused"))
        print(
            f"history {name}: {len(points)} points in {seconds:.1f}s = {seconds / mean:.1f}x a "
            f"cold audit; {misses} files analysed, {reused} reports reused"
        )


if __name__ == "__main__":
    main()
