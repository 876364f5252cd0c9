"""charter fleet: the process pool against a two-worker Dask LocalCluster, on generated
repositories.

Usage::

    python benchmarks/fleet.py                       # 50, 100 and 200 repositories
    python benchmarks/fleet.py --sizes 200 --json out.json
    python benchmarks/fleet.py --generate-only DIR   # write DIR/repos/* and DIR/repos.txt

Each repository is one of ``sample_repos/`` (Python, Go, Rust, TypeScript, Terraform, Helm,
Kubernetes, CloudFormation: mixed languages) with seeded mutations: a generated module of
functions with or without annotations in the repository's language, a file dropped, the
README or the tests removed, a line appended to a source file. Each is its own git repository
with one commit, listed by path, so the fleet clones it through ``file://`` as it would a URL.

For each size the fleet is audited into a fresh folder (no result cache) by the process pool
(``--jobs 2``) and by a ``LocalCluster`` of two single-threaded workers on 127.0.0.1. Reported:
wall time, time per repository, and resident memory: each worker's peak (the largest, from
each task's ``VmHWM``), each worker's resident size after 10% and after all of its tasks
(the largest worker), and the client's peak. Time should grow with the repositories and a
worker's memory should stay flat.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted(p for p in (ROOT / "sample_repos").iterdir() if p.is_dir())
GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    "PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": "/nonexistent",
}  # fmt: skip

MODULES = {
    "py": ("src/generated_{i}.py", "def handler_{i}_{n}({args}){ret}:\n    return {first}\n\n\n"),
    "go": ("internal/gen{i}/gen.go", "func Handler{i}x{n}({args}) int {{\n\treturn 0\n}}\n\n"),
    "rs": ("src/gen_{i}.rs", "pub fn handler_{i}_{n}() -> i32 {{\n    {n}\n}}\n\n"),
    "ts": ("src/gen_{i}.ts", "export function handler{i}x{n}(a{ann}) {{\n  return a;\n}}\n\n"),
}


def _language(repo: Path) -> str:
    for suffix, lang in ((".go", "go"), (".rs", "rs"), (".ts", "ts")):
        if any(repo.rglob(f"*{suffix}")):
            return lang
    return "py"


def _module(lang: str, i: int, typed: bool, count: int) -> tuple[str, str]:
    path, body = MODULES[lang]
    text = "package gen\n\n" if lang == "go" else ""
    for n in range(count):
        text += body.format(
            i=i,
            n=n,
            args="a: int" if typed and lang == "py" else ("a int" if lang == "go" else "a"),
            ret=" -> int" if typed else "",
            first="a",
            ann=": number" if typed else "",
        )
    return path.format(i=i), text


def generate(dest: Path, count: int, seed: int = 20) -> Path:
    """``count`` mutated copies of the sample repositories under ``dest/repos``, each a git
    repository, and ``dest/repos.txt`` listing them; returns the list."""
    rng = random.Random(seed)
    (dest / "repos").mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(count):
        sample = SAMPLES[i % len(SAMPLES)]
        repo = dest / "repos" / f"{sample.name}-{i:03d}"
        if repo.exists():
            shutil.rmtree(repo)
        shutil.copytree(sample, repo, ignore=shutil.ignore_patterns("expected.yaml"))
        files = sorted(p for p in repo.rglob("*") if p.is_file())
        lang = _language(repo)
        rel, text = _module(lang, i, typed=rng.random() < 0.5, count=rng.randint(1, 12))
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text, encoding="utf-8")
        if rng.random() < 0.3 and len(files) > 3:
            rng.choice(files).unlink()
        if rng.random() < 0.25 and (repo / "README.md").exists():
            (repo / "README.md").unlink()
        if rng.random() < 0.2 and (repo / "tests").is_dir():
            shutil.rmtree(repo / "tests")
        texts = [p for p in files if p.exists() and p.suffix in (".py", ".go", ".ts", ".md")]
        if texts:
            target = rng.choice(texts)
            mark = "//" if target.suffix in (".go", ".ts") else "#"
            with target.open("a", encoding="utf-8") as fh:
                fh.write(f"\n{mark} fleet benchmark copy {i}\n")
        for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "gen"]):
            subprocess.run(["git", *args], cwd=repo, env=GIT_ENV, check=True)
        lines.append(f"repos/{repo.name}")
    listing = dest / "repos.txt"
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return listing


def measure(listing: Path, out: Path, engine: str, workers: int) -> dict[str, object]:
    from charter.fleet import Settings, audit_fleet

    if out.exists():
        shutil.rmtree(out)
    started = time.perf_counter()
    run = audit_fleet(
        listing, out, Settings(use_cache=False), engine=engine, jobs=workers, progress=False
    )
    seconds = time.perf_counter() - started
    per_worker: dict[int, int] = {}
    series: dict[int, list[int]] = {}  # each worker's resident memory after each of its tasks
    for o in run.outcomes:
        per_worker[o.pid] = max(per_worker.get(o.pid, 0), o.max_rss_kb)
        series.setdefault(o.pid, []).append(int(o.extra.get("rss_kb", 0)))

    def rss_at(share: float) -> float:
        values = [s[min(len(s) - 1, int(len(s) * share))] for s in series.values() if s]
        return round(max(values, default=0) / 1024, 1)

    repos = len(run.outcomes)
    return {
        "engine": engine,
        "repos": repos,
        "ok": run.counts["ok"],
        "errors": run.counts["error"],
        "seconds": round(seconds, 1),
        "per_repo_s": round(seconds / max(1, repos), 3),
        "worker_processes": len(per_worker),
        "worker_peak_rss_mb": round(max(per_worker.values(), default=0) / 1024, 1),
        "worker_rss_10pct_mb": rss_at(0.1),
        "worker_rss_end_mb": rss_at(1.0),
        "client_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rows": run.rows,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--engines", nargs="+", default=["pool", "dask"])
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument("--generate-only", type=Path, metavar="DIR")
    args = parser.parse_args()
    if args.generate_only:
        listing = generate(args.generate_only, max(args.sizes))
        print(f"wrote {listing}")
        return 0
    rows = []
    with tempfile.TemporaryDirectory(prefix="charter-fleet-bench-") as tmp:
        base = Path(tmp)
        full = generate(base, max(args.sizes))
        names = full.read_text().splitlines()
        for size in args.sizes:
            listing = base / f"repos-{size}.txt"
            listing.write_text("\n".join(names[:size]) + "\n")
            for engine in args.engines:
                row = measure(listing, base / f"out-{engine}-{size}", engine, args.workers)
                rows.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
    print(f"\n{args.workers} workers each; no result cache; client RSS is cumulative\n")
    print(
        "| engine | repos | wall s | s/repo | worker peak RSS MB | worker RSS MB after 10% / "
        "all tasks | client peak RSS MB | failed |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['engine']} | {r['repos']} | {r['seconds']} | {r['per_repo_s']} | "
            f"{r['worker_peak_rss_mb']} | {r['worker_rss_10pct_mb']} / {r['worker_rss_end_mb']} | "
            f"{r['client_peak_rss_mb']} | {r['errors']} |"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
