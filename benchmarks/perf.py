"""charter's speed and memory against the peers, on the same trees, in one run.

Usage::

    python benchmarks/perf.py                 # stdlib + generated 10k-file repo
    python benchmarks/perf.py --real DIR ...  # also real repositories (e.g. fetched ones)
    python benchmarks/perf.py --quick         # smaller generated repo, fewer tools
    python benchmarks/perf.py --issue19 --django DIR --terraform DIR --peers DIR
        # the round-two set: stdlib and Django against ruff, semgrep (one rule), bandit,
        # detect-secrets and the 2-process ast.parse floor, interleaved; the x10/x20 stdlib for
        # peak memory; a Terraform tree against checkov

Round two (``--issue19``): every measure of a tree is taken in rounds, one run of each command
per round (charter cold, ruff, the floor; then charter warm, ruff; then one file changed, ruff),
so that a load change on the shared machine hits all of them alike; the medians and their ratios
come from the same run. The floor is ``ast.parse`` of every Python file in 2 processes, and
reading and hashing every file, each as a fresh process like the tools.

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


# --- round two: interleaved rounds, the floor, Django, x20 stdlib, Terraform ----------------

FLOOR_PARSE = """
import ast, os, sys
from multiprocessing import Pool
def parse(path):
    try:
        with open(path, 'rb') as fh:
            ast.parse(fh.read())
    except (SyntaxError, ValueError):
        pass
    return 0
if __name__ == '__main__':
    files = [os.path.join(d, f) for d, _, fs in os.walk(sys.argv[1])
             for f in fs if f.endswith('.py')]
    with Pool(2) as pool:
        sum(pool.map(parse, files, chunksize=16))
"""
FLOOR_READ = """
import hashlib, os, sys
for d, _, fs in os.walk(sys.argv[1]):
    for f in fs:
        with open(os.path.join(d, f), 'rb') as fh:
            hashlib.sha256(fh.read()).hexdigest()
"""
#: semgrep with a single rule (the issue's setup): requests calls without a timeout
SEMGREP_RULE = """rules:
  - id: requests-without-timeout
    languages: [python]
    severity: WARNING
    message: requests call without timeout
    patterns:
      - pattern: requests.$M(...)
      - pattern-not: requests.$M(..., timeout=$T, ...)
"""


def tool(name: str, peers: Path | None) -> str | None:
    if peers is not None and (peers / name).exists():
        return str(peers / name)
    return shutil.which(name)


def rounds(commands: list[tuple[str, list[str], Callable[[int], None] | None]],
           repeat: int) -> list[Run]:
    """Each command once per round, ``repeat`` rounds; the median per command."""
    runs: dict[str, list[Run]] = {label: [] for label, _, _ in commands}
    for i in range(repeat):
        for label, cmd, before in commands:
            if before is not None:
                before(i)
            runs[label].append(measure(label, cmd))
    return [median_run(label, got) for label, got in runs.items()]


def round_two(tree: Path, scratch: Path, jobs: int, repeat: int, peers: Path | None,
              slow: bool, baseline: Path | None = None) -> list[Run]:
    """charter cold / warm / 1 changed, each interleaved with ruff; the floor in the cold
    rounds; the slow peers once."""
    variants = [("charter", [], scratch / f"cache2-{tree.name}")]
    if baseline is not None:  # another charter source tree, measured in the same rounds
        variants.append(("before: charter", ["env", f"PYTHONPATH={baseline / 'src'}"],
                         scratch / f"cache2-before-{tree.name}"))

    def base(prefix: list[str], cache: Path) -> list[str]:
        return [*prefix, sys.executable, "-m", "charter", "audit", str(tree), "--format",
                "json", "--output", str(scratch / "out.json"), "--fail-on", "none",
                "--cache-dir", str(cache), "--jobs", str(jobs)]

    def wipe(cache: Path) -> Callable[[int], None]:
        return lambda _: shutil.rmtree(cache, ignore_errors=True)

    ruff = tool("ruff", peers)
    ruff_cmd = [ruff or "ruff", "check", "--isolated", "--no-cache", "--select", "ANN",
                "--exit-zero", str(tree)]
    floor = [("floor: ast.parse x2", [sys.executable, "-c", FLOOR_PARSE, str(tree)], None),
             ("floor: read+hash", [sys.executable, "-c", FLOOR_READ, str(tree)], None)]
    cold = [(f"{name} cold", base(pre, cache), wipe(cache)) for name, pre, cache in variants]
    with_ruff = [("ruff --select ANN", ruff_cmd, None)] if ruff else []
    out = rounds(cold + with_ruff + floor, repeat)
    out += rounds([(f"{name} warm", base(pre, cache), None) for name, pre, cache in variants]
                  + with_ruff, repeat)
    victim = _victim(tree)
    if victim is not None:
        original = victim.read_bytes()
        edits = iter(range(10_000))

        def change(_: int) -> None:  # a new edit before every run: exactly one file changed
            added = f"\n\ndef added_by_benchmark_{next(edits)}(x):\n    return x\n"
            victim.write_bytes(original + added.encode())

        try:
            out += rounds([(f"{name} 1 changed", base(pre, cache), change)
                           for name, pre, cache in variants] + with_ruff, repeat)
        finally:
            victim.write_bytes(original)
    merged: dict[str, list[Run]] = {}
    for run in out:  # ruff ran in three sets of rounds: the median of its medians
        merged.setdefault(run.label, []).append(run)
    out = [median_run(label, got) for label, got in merged.items()]
    if not slow:
        return out
    semgrep = tool("semgrep", peers)
    if semgrep:
        rule = scratch / "semgrep-rule.yaml"
        rule.write_text(SEMGREP_RULE)
        out.append(measure("semgrep (1 rule)", [semgrep, "scan", "--config", str(rule),
                                                "--metrics", "off", "--disable-version-check",
                                                "--quiet", "-j", "2", str(tree)]))
    bandit = tool("bandit", peers)
    if bandit:
        out.append(measure("bandit", [bandit, "-r", "-q", "-f", "json", "-o",
                                      str(scratch / "bandit.json"), str(tree)]))
    ds = tool("detect-secrets", peers)
    if ds:
        out.append(measure("detect-secrets", [ds, "scan", "--all-files"], cwd=tree))
    return out


def ratios(by: dict[str, Run]) -> list[str]:
    out = []
    ruff = by.get("ruff --select ANN")
    cold = by.get("charter cold")
    if cold is None:
        return out
    for label in ("charter cold", "charter warm", "charter 1 changed", "before: charter cold",
                  "before: charter warm", "before: charter 1 changed"):
        if ruff and label in by:
            out.append(f"- {label} / ruff: **{by[label].seconds / ruff.seconds:.2f}x**")
    parse = by.get("floor: ast.parse x2")
    if parse:
        out.append(f"- charter cold / ast.parse floor: **{cold.seconds / parse.seconds:.2f}x**")
    for peer in ("semgrep (1 rule)", "bandit", "detect-secrets", "checkov"):
        if peer in by:
            out.append(f"- {peer} / charter cold: **{by[peer].seconds / cold.seconds:.2f}x**")
    return out


def print_table(name: str, files: int, runs: list[Run]) -> None:
    print(f"\n### {name} ({files} files)\n\n| tool | wall s | peak MB |\n|---|---:|---:|")
    for r in runs:
        print(f"| {r.label} | {r.seconds:.2f} | {r.peak_mb:.0f} |")
    print("")
    print("\n".join(ratios({r.label: r for r in runs})))


def stdlib_times(std: Path, scratch: Path, copies: int) -> tuple[Path, int]:
    big = scratch / f"stdlib-x{copies}"
    for i in range(copies):
        shutil.copytree(std, big / f"copy{i:02d}")
    return big, sum(1 for p in big.rglob("*.py"))


def memory_growth(std: Path, scratch: Path, jobs: int) -> None:
    """Peak RSS of a cold audit (one run each) on the stdlib copied 10 and 20 times."""
    points = []
    for copies in (10, 20):
        big, files = stdlib_times(std, scratch, copies)
        cmd = [sys.executable, "-m", "charter", "audit", str(big), "--format", "json",
               "--output", str(scratch / "out.json"), "--fail-on", "none", "--no-cache",
               "--jobs", str(jobs)]
        run = measure(f"charter cold x{copies}", cmd)
        points.append((files, run))
        shutil.rmtree(big)
    print("\n### stdlib x10 / x20: peak memory (cold, one run each)\n")
    print("| tree | files | wall s | peak MB |\n|---|---:|---:|---:|")
    for files, run in points:
        print(f"| {run.label} | {files} | {run.seconds:.1f} | {run.peak_mb:.0f} |")
    (f1, r1), (f2, r2) = points
    print(f"\n- growth: **{1000 * (r2.peak_mb - r1.peak_mb) / (f2 - f1):.1f} MB per 1,000 files**")


def main_round_two(args: argparse.Namespace) -> int:
    peers = args.peers
    with tempfile.TemporaryDirectory(prefix="charter-perf2-") as tmp:
        scratch = Path(tmp)
        std = scratch / "stdlib"
        n = copy_stdlib(std)
        print_table("stdlib (tests left out)", n,
                    round_two(std, scratch, args.jobs, args.repeat, peers, not args.quick,
                              args.before))
        if args.django is not None:
            dj = scratch / "django"
            shutil.copytree(args.django, dj, symlinks=True)
            files = sum(1 for p in dj.rglob("*") if p.is_file())
            print_table("Django sdist", files,
                        round_two(dj, scratch, args.jobs, args.repeat, peers, not args.quick,
                                  args.before))
        if args.terraform is not None:
            tf = scratch / "terraform"
            shutil.copytree(args.terraform, tf, symlinks=True,
                            ignore=shutil.ignore_patterns(".git"))
            files = sum(1 for p in tf.rglob("*") if p.is_file())
            runs = charter_runs(tf, scratch, args.jobs, args.repeat)
            checkov = tool("checkov", peers)
            if checkov:
                runs.append(measure("checkov", [checkov, "-d", str(tf), "--quiet", "--compact",
                                                "--skip-download"]))
            print_table(f"Terraform: {args.terraform.name}", files, runs)
        if args.memory:
            memory_growth(std, scratch, args.jobs)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", nargs="*", default=[], type=Path)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--sizes", default="2500,5000,10000")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of charter and ruff per measure; the median is shown")
    parser.add_argument("--issue19", action="store_true",
                        help="the round-two set (interleaved rounds, floor, peers)")
    parser.add_argument("--django", type=Path, default=None,
                        help="an unpacked Django sdist (pip download --no-binary :all: "
                        "--no-deps django==5.2)")
    parser.add_argument("--terraform", type=Path, default=None, help="a Terraform tree")
    parser.add_argument("--peers", type=Path, default=None,
                        help="a bin folder holding ruff, semgrep, bandit, detect-secrets, checkov")
    parser.add_argument("--before", type=Path, default=None,
                        help="another charter source tree (e.g. the previous release's), run in "
                        "the same rounds as 'before: charter ...'")
    parser.add_argument("--memory", action="store_true",
                        help="peak memory on the stdlib copied 10 and 20 times")
    args = parser.parse_args()
    import charter

    compileall.compile_dir(Path(charter.__file__).parent, quiet=1)
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, {platform.platform()}; median of {args.repeat} runs "
          "for charter and ruff")
    if args.issue19:
        return main_round_two(args)
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
