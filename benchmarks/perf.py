"""charter's speed and memory against the peers, on the same trees, in one run.

Usage::

    python benchmarks/perf.py                 # stdlib + generated 10k-file repo
    python benchmarks/perf.py --real DIR ...  # also real repositories (e.g. fetched ones)
    python benchmarks/perf.py --quick         # smaller generated repo, fewer tools

Trees:
- this interpreter's standard library with tests left out (copied, so every tool sees the same
  files; the same selection as benchmarks/type_hints_vs_ruff.py);
- a generated repository of mixed kinds (Python services, YAML manifests, Terraform, Dockerfiles,
  Go, TypeScript, Markdown, JSON, .env) at 2,500 / 5,000 / 10,000+ files, to check that time
  grows linearly and to measure peak memory;
- any real repositories given with ``--real``.

Measured per tree, each as a fresh process (wall time, peak RSS of the whole process tree):
charter cold (empty cache), charter warm (nothing changed), charter with one file changed,
``ruff check --select ANN``, ``detect-secrets scan --all-files`` and checkov (when installed:
``pip install detect-secrets checkov`` in any environment on PATH). charter and ruff run
``--repeat`` times (default 3) and the median is shown, so one hiccup of a shared machine does
not decide a ratio; detect-secrets and checkov, which take tens of seconds, run once.
charter's bytecode is compiled first (as ``pip install`` does), so that an environment with
``PYTHONDONTWRITEBYTECODE`` does not make every run recompile charter.
Prints a table of times and the ratios the performance issue asks for; paste it into
docs/benchmarks.md with the machine description.
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from type_hints_vs_ruff import copy_stdlib


@dataclass
class Run:
    label: str
    seconds: float
    peak_mb: float
    code: int


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    total = 0
    stack = [pid]
    seen: set[int] = set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with Path(f"/proc/{p}/status").open(encoding="ascii", errors="replace") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in Path(f"/proc/{p}/task").iterdir():
                children = (task / "children").read_text(encoding="ascii")
                stack.extend(int(c) for c in children.split())
        except OSError:
            continue
    return total


def measure(label: str, cmd: list[str], cwd: Path | None = None) -> Run:
    peak = 0
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss_kb(proc.pid))
            stop.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = proc.wait()
    elapsed = time.perf_counter() - started
    stop.set()
    sampler.join()
    return Run(label, elapsed, peak / 1024.0, code)


def generate_repo(root: Path, n_files: int, seed: int = 7) -> int:
    """A mixed-kind repository of about ``n_files`` files with realistic content."""
    rng = random.Random(seed)
    py_tpl = (
        '"""Service module {i}."""\n\nimport os\nimport requests\n\n\n'
        "def handler_{i}(request, retries=3):\n"
        "    url = os.path.join('/api', str(request))\n"
        "    return requests.get(url, timeout=5).json()\n\n\n"
        "def typed_{i}(value: int) -> int:\n    return value * {i}\n\n\n"
        "class Worker{i}:\n    def run(self, job: str) -> None:\n        print(job)\n"
    )
    k8s_tpl = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc-{i}\nspec:\n"
        "  template:\n    spec:\n      containers:\n        - name: app\n"
        "          image: example/app:{i}\n          readinessProbe:\n"
        "            httpGet: {{path: /readyz, port: 8080}}\n"
    )
    tf_tpl = (
        'resource "aws_s3_bucket" "b{i}" {{\n  bucket = "bucket-{i}"\n'
        '  tags = {{ team = "data" }}\n}}\n'
    )
    go_tpl = (
        "package svc{i}\n\nimport (\n\t\"fmt\"\n\t\"time\"\n)\n\n"
        "func Do{i}(x int) error {{\n\ttime.Sleep(time.Second)\n"
        "\treturn fmt.Errorf(\"do %d: %v\", x, nil)\n}}\n"
    )
    ts_tpl = (
        "import {{ helper }} from '../../lib/helper';\n\n"
        "export function run{i}(x: number): number {{\n  return helper(x) + {i};\n}}\n"
    )
    made = 0
    (root / "pyproject.toml").parent.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname='gen'\nversion='1'\n")
    (root / "src/gen/__init__.py").parent.mkdir(parents=True, exist_ok=True)
    (root / "src/gen/__init__.py").write_text("")
    kinds = [
        ("src/gen/pkg{d}/mod{i}.py", py_tpl, 0.45),
        ("deploy/k8s{d}/svc{i}.yaml", k8s_tpl, 0.12),
        ("infra/mod{d}/main{i}.tf", tf_tpl, 0.08),
        ("go/svc{d}/svc{i}.go", go_tpl, 0.1),
        ("web/src/f{d}/mod{i}.ts", ts_tpl, 0.1),
        ("docs/d{d}/page{i}.md", "# Page {i}\n\nSome text about service {i}.\n", 0.1),
        ("config/c{d}/conf{i}.json", '{{"name": "svc{i}", "replicas": {i}}}\n', 0.05),
    ]
    weights = [k[2] for k in kinds]
    while made < n_files:
        path_tpl, tpl, _ = rng.choices(kinds, weights)[0]
        i = made
        rel = path_tpl.format(d=i // 200, i=i)
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(tpl.format(i=i), encoding="utf-8")
        init = path.parent / "__init__.py"
        if rel.endswith(".py") and not init.exists():
            init.write_text("")
        made += 1
    (root / "Dockerfile").write_text("FROM python:3.12-slim\nUSER app\nCMD [\"app\"]\n")
    # charter: ignore[no-hardcoded-secrets] -- a fake password in the generated tree
    (root / ".env").write_text("DATABASE_URL=postgres://app:hunter2hunter2@db:5432/app\n")
    return made


def median_run(label: str, runs: list[Run]) -> Run:
    return Run(
        label,
        statistics.median(r.seconds for r in runs),
        max(r.peak_mb for r in runs),
        max(r.code for r in runs),
    )


def repeated(
    label: str, cmd: list[str], repeat: int, before: Callable[[int], None] | None = None
) -> Run:
    runs = []
    for i in range(repeat):
        if before is not None:
            before(i)
        runs.append(measure(label, cmd))
    return median_run(label, runs)


def charter_runs(tree: Path, scratch: Path, jobs: int, repeat: int) -> list[Run]:
    cache = scratch / f"cache-{tree.name}"
    base = [sys.executable, "-m", "charter", "audit", str(tree), "--format", "json",
            "--output", str(scratch / "out.json"), "--fail-on", "none",
            "--cache-dir", str(cache), "--jobs", str(jobs)]
    cold = repeated("charter cold", base, repeat,
                    lambda _: shutil.rmtree(cache, ignore_errors=True))
    warm = repeated("charter warm", base, repeat)
    victim = _victim(tree)
    if victim is None:  # nothing to edit: no source file of a kind charter analyzes
        return [cold, warm]
    original = victim.read_bytes()

    def change(i: int) -> None:  # a new edit each time: every run has exactly one changed file
        if victim.suffix == ".py":
            added = f"\n\ndef added_by_benchmark_{i}(x):\n    return x\n"
        else:
            added = f"\n{COMMENT.get(victim.suffix, '#')} added by benchmark {i}\n"
        victim.write_bytes(original + added.encode())

    try:
        one = repeated("charter 1 changed", base, repeat, change)
    finally:
        victim.write_bytes(original)
    return [cold, warm, one]


#: the line comment of each kind of file the "1 changed" run may edit
COMMENT = {".py": "#", ".go": "//", ".ts": "//", ".js": "//", ".rs": "//", ".tf": "#",
           ".yaml": "#", ".yml": "#"}


def _victim(tree: Path) -> Path | None:
    """The file the "1 changed" run edits: a Python file if there is one, else another source."""
    for suffix in COMMENT:
        for path in sorted(tree.rglob(f"*{suffix}")):
            if path.is_file() and not path.is_symlink() and path.stat().st_size > 200:
                return path
    return None


def peer_runs(tree: Path, scratch: Path, quick: bool, repeat: int) -> list[Run]:
    runs = []
    if shutil.which("ruff"):
        runs.append(repeated("ruff --select ANN", ["ruff", "check", "--isolated", "--no-cache",
                                                   "--select", "ANN", "--exit-zero", str(tree)],
                             repeat))
    if shutil.which("detect-secrets") and not quick:
        runs.append(measure("detect-secrets", ["detect-secrets", "scan", "--all-files"],
                            cwd=tree))
    checkov = shutil.which("checkov") or os.environ.get("CHECKOV")
    tf_files = sum(1 for _ in tree.rglob("*.tf"))
    # checkov needs ~1 s per .tf file here (94 s for terraform-aws-eks's 87): only on trees
    # of Terraform size, or the benchmark would run for hours
    if checkov and not quick and 0 < tf_files <= 300:
        runs.append(measure("checkov", [checkov, "-d", str(tree), "--quiet", "--compact",
                                        "--skip-download"]))
    return runs


def table(name: str, files: int, runs: list[Run]) -> str:
    by = {r.label: r for r in runs}
    out = [f"\n### {name} ({files} files)\n", "| tool | wall s | peak MB |", "|---|---:|---:|"]
    out += [f"| {r.label} | {r.seconds:.2f} | {r.peak_mb:.0f} |" for r in runs]
    ruff = by.get("ruff --select ANN")
    cold = by.get("charter cold")
    targets = name.startswith("stdlib")  # the issue sets its ratio targets on the stdlib
    if ruff and cold and not targets:
        out.append("")
        out.append(f"- cold / ruff: {cold.seconds / ruff.seconds:.1f}x")
    if ruff and cold and targets:
        out.append("")
        out.append(f"- cold / ruff: **{cold.seconds / ruff.seconds:.1f}x** (target ≤ 15x)")
        out.append(f"- warm / ruff: **{by['charter warm'].seconds / ruff.seconds:.1f}x** "
                   "(target ≤ 2x)")
        if "charter 1 changed" in by:
            out.append(f"- one file changed / ruff: "
                       f"**{by['charter 1 changed'].seconds / ruff.seconds:.1f}x** (target ≤ 3x)")
    ds = by.get("detect-secrets")
    if ds and cold:
        goal = " (target ≥ 5x)" if targets else ""
        out.append(f"- detect-secrets / charter cold: **{ds.seconds / cold.seconds:.1f}x**{goal}")
    ck = by.get("checkov")
    if ck and cold:
        out.append(f"- checkov / charter cold: **{ck.seconds / cold.seconds:.1f}x**")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", nargs="*", default=[], type=Path)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--sizes", default="2500,5000,10000")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of charter and ruff per measure; the median is shown")
    args = parser.parse_args()
    import charter

    compileall.compile_dir(Path(charter.__file__).parent, quiet=1)
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, {platform.platform()}; median of {args.repeat} runs "
          "for charter and ruff")
    with tempfile.TemporaryDirectory(prefix="charter-perf-") as tmp:
        scratch = Path(tmp)
        std = scratch / "stdlib"
        n = copy_stdlib(std)
        runs = charter_runs(std, scratch, args.jobs, args.repeat)
        runs += peer_runs(std, scratch, args.quick, args.repeat)
        print(table("stdlib (tests left out)", n, runs))

        sizes = [int(s) for s in args.sizes.split(",")]
        if args.quick:
            sizes = sizes[:1]
        per_file = []
        for size in sizes:
            gen = scratch / f"gen{size}"
            made = generate_repo(gen, size)
            runs = charter_runs(gen, scratch, args.jobs, args.repeat)
            if size == sizes[-1]:
                runs += peer_runs(gen, scratch, args.quick, args.repeat)
            per_file.append((made, runs[0].seconds))
            print(table(f"generated repo {size}", made, runs))
        if len(per_file) > 1:
            print("\n### linearity (cold)\n")
            for made, secs in per_file:
                print(f"- {made} files: {secs:.2f} s, {1000 * secs / made:.2f} ms/file")

        for real in args.real:
            copy = scratch / f"real-{real.name}"
            shutil.copytree(real, copy, symlinks=True, ignore=shutil.ignore_patterns(".git"))
            files = sum(1 for p in copy.rglob("*") if p.is_file())
            runs = charter_runs(copy, scratch, args.jobs, args.repeat)
            runs += peer_runs(copy, scratch, args.quick, args.repeat)
            print(table(f"real: {real.name}", files, runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
