"""charter's ``no-hardcoded-secrets`` against detect-secrets: recall, false positives, wall time.

Method (rerun with ``python benchmarks/secrets_vs_detect_secrets.py``; ``--install`` pip-installs
detect-secrets if it is missing; it is deliberately not a charter dependency):

1. Two trees, both copied to a temporary folder so neither tool sees git metadata or caches:
   - the labelled corpus ``tests/corpus/secrets/files`` (``labels.yaml`` beside it lists every
     planted secret and look-alike at ``path:line``);
   - this interpreter's standard library (``sysconfig.get_paths()["stdlib"]``) without
     ``site-packages``, ``__pycache__`` and the test packages (``test``, ``tests``,
     ``idle_test``). It holds no credentials, so every finding there is a false positive.
2. charter: the CLI, ``charter audit TREE --policies P --profile secrets-only --format json
   --no-cache --fail-on none``, where P holds a profile with the one rule (the always-on
   engine rules run too). Default jobs (one worker per CPU).
3. detect-secrets: ``detect-secrets scan --all-files`` run in TREE (default plugins and
   filters), JSON ``results`` by file and line.
4. Corpus metrics, by exact ``path:line``: recall = secret lines reported / secret lines;
   false positives = look-alike lines reported (and, apart, reported lines with no label).
   Standard library: number of reported lines. Wall time: one run of each command, end to end
   (process start, policy loading and charter's always-on rules such as parse-error, which
   ``ast``-parses every Python file, included); charter's own ``timing.total_s`` is shown too.
   Rerun on a quiet machine for final figures.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus" / "secrets"
SKIP = {"site-packages", "__pycache__", "test", "tests", "idle_test"}
PROFILE = """\
id: secrets-only
title: Only the secrets rule
rules:
  - id: no-hardcoded-secrets
"""


def ensure_detect_secrets(install: bool) -> str:
    exe = shutil.which("detect-secrets")
    if exe is not None:
        return exe
    if not install and importlib.util.find_spec("detect_secrets") is None:
        sys.exit(
            "detect-secrets is not installed; run 'pip install detect-secrets' or pass --install"
        )
    if install:
        subprocess.run([sys.executable, "-m", "pip", "install", "detect-secrets"], check=True)
    exe = shutil.which("detect-secrets")
    if exe is None:
        sys.exit("detect-secrets installed but not on PATH")
    return exe


def copy_tree(src: Path, dst: Path) -> Path:
    def ignore(_folder: str, names: list[str]) -> list[str]:
        return [n for n in names if n in SKIP or n.endswith(".pyc")]

    shutil.copytree(src, dst, ignore=ignore, symlinks=True)
    return dst


def run_charter(tree: Path, policies: Path) -> tuple[set[tuple[str, int]], float, float]:
    cmd = [
        sys.executable, "-m", "charter", "audit", str(tree), "--policies", str(policies),
        "--profile", "secrets-only", "--format", "json", "--no-cache", "--fail-on", "none",
    ]
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        sys.exit(f"charter failed ({proc.returncode}): {proc.stderr.strip()[:500]}")
    report = json.loads(proc.stdout)
    found = {
        (f["path"], int(f["line"]))
        for f in report["findings"]
        if f["rule"] == "no-hardcoded-secrets"
    }
    return found, elapsed, float(report.get("timing", {}).get("total_s", 0.0))


def run_detect_secrets(exe: str, tree: Path) -> tuple[set[tuple[str, int]], float]:
    started = time.perf_counter()
    proc = subprocess.run(
        [exe, "scan", "--all-files"], cwd=tree, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"detect-secrets failed ({proc.returncode}): {proc.stderr.strip()[:500]}")
    results = json.loads(proc.stdout)["results"]
    found = {
        (path.replace("\\", "/"), int(item["line_number"]))
        for path, items in results.items()
        for item in items
    }
    return found, elapsed


def corpus_metrics(found: set[tuple[str, int]], labels: list[dict]) -> dict[str, float | int]:
    secrets = {(x["path"], int(x["line"])) for x in labels if x["label"] == "secret"}
    looks = {(x["path"], int(x["line"])) for x in labels if x["label"] == "lookalike"}
    hit = secrets & found
    false = looks & found
    return {
        "secrets": len(secrets),
        "found": len(hit),
        "recall_pct": round(100 * len(hit) / len(secrets), 1),
        "lookalikes": len(looks),
        "false_positives": len(false),
        "fp_pct": round(100 * len(false) / len(looks), 1),
        "unlabelled_lines": len(found - secrets - looks),
    }


def table(title: str, rows: list[tuple[str, object, object]]) -> None:
    print(f"\n{title}")
    print(f"| {'':38} | {'charter':>12} | {'detect-secrets':>14} |")
    print(f"|{'-' * 40}|{'-' * 14}|{'-' * 16}|")
    for name, a, b in rows:
        print(f"| {name:38} | {a!s:>12} | {b!s:>14} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--install", action="store_true", help="pip install detect-secrets")
    parser.add_argument("--skip-stdlib", action="store_true", help="corpus only")
    args = parser.parse_args()
    exe = ensure_detect_secrets(args.install)
    labels = yaml.safe_load((CORPUS / "labels.yaml").read_text(encoding="utf-8"))["labels"]

    with tempfile.TemporaryDirectory(prefix="charter-secrets-bench-") as tmp:
        work = Path(tmp)
        policies = work / "policies"
        (policies / "profiles").mkdir(parents=True)
        (policies / "profiles" / "secrets-only.yaml").write_text(PROFILE, encoding="utf-8")

        corpus = copy_tree(CORPUS / "files", work / "corpus")
        c_found, c_time, _ = run_charter(corpus, policies)
        d_found, d_time = run_detect_secrets(exe, corpus)
        c, d = corpus_metrics(c_found, labels), corpus_metrics(d_found, labels)
        table(
            f"Labelled corpus ({c['secrets']} planted secrets, {c['lookalikes']} look-alikes)",
            [
                ("recall (secret lines reported)", f"{c['found']} = {c['recall_pct']}%",
                 f"{d['found']} = {d['recall_pct']}%"),
                ("false positives (look-alike lines)", f"{c['false_positives']} = {c['fp_pct']}%",
                 f"{d['false_positives']} = {d['fp_pct']}%"),
                ("reported lines without a label", c["unlabelled_lines"], d["unlabelled_lines"]),
                ("wall time (s)", f"{c_time:.2f}", f"{d_time:.2f}"),
            ],
        )
        missed = sorted(
            (x["path"], x["line"], x["kind"])
            for x in labels
            if x["label"] == "secret" and (x["path"], int(x["line"])) not in c_found
        )
        for path, line, kind in missed:
            print(f"  charter missed {path}:{line} ({kind})")

        if args.skip_stdlib:
            return
        stdlib = copy_tree(Path(sysconfig.get_paths()["stdlib"]), work / "stdlib")
        files = sum(1 for p in stdlib.rglob("*") if p.is_file())
        c_found, c_time, c_audit = run_charter(stdlib, policies)
        d_found, d_time = run_detect_secrets(exe, stdlib)
        table(
            f"Python {sys.version.split()[0]} standard library ({files} files, tests left out)",
            [
                ("reported lines (all false positives)", len(c_found), len(d_found)),
                ("wall time (s)", f"{c_time:.2f}", f"{d_time:.2f}"),
                ("  of which the audit itself (s)", f"{c_audit:.2f}", "-"),
                ("speed-up (wall time)", f"{d_time / c_time:.1f}x", "1.0x"),
            ],
        )
        for path, line in sorted(c_found):
            print(f"  charter reported {path}:{line}")


if __name__ == "__main__":
    main()
