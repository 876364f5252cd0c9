"""Agreement of charter's health and Terraform-pinning rules with checkov.

Method (rerun with ``python benchmarks/health_vs_checkov.py REPO_DIR [REPO_DIR ...]``):

1. The trees: checkouts of real public repositories (docs/benchmarks-health.md used
   GoogleCloudPlatform/microservices-demo, dockersamples/example-voting-app,
   terraform-aws-modules/terraform-aws-vpc and terraform-aws-modules/terraform-aws-eks),
   exported to plain folders outside this repository, plus one synthetic Terraform file with
   one module block per kind of source.
2. checkov (``CHECKOV=/path/to/checkov``, default ``checkov`` on PATH; install it in its own
   virtualenv; ``CHECKOV_CACHE=DIR`` keeps its JSON output between runs), frameworks
   kubernetes, dockerfile and terraform, checks:
   CKV_K8S_8 (liveness probe), CKV_K8S_9 (readiness probe), CKV_DOCKER_2 (HEALTHCHECK),
   CKV_TF_1 (git module source pinned to a commit) and CKV_TF_2 (module source pinned to a
   version tag); in a second run (kubernetes and dockerfile only) CKV_K8S_10/12/13 (CPU and
   memory requests, memory limit), CKV_K8S_23 (root containers), CKV_DOCKER_3 (a USER is
   created) and CKV_DOCKER_8 (the last USER is not root). ``--skip-download`` keeps it offline.
3. charter through the API with one profile holding ``health-checks``,
   ``terraform-pinned-modules``, ``terraform-pinned-providers``, ``container-non-root`` and
   ``k8s-resource-limits`` (default parameters).
4. The units compared, each with a pass/fail verdict from each tool:
   - a Kubernetes workload (file, kind, name) for liveness (K8S_8) and readiness (K8S_9):
     charter fails it when a finding on that file names the workload and the probe;
   - a Dockerfile (path) for HEALTHCHECK: charter fails it on a finding in that file;
   - a module block (file, name): charter fails it on a finding at that block; checkov fails
     it when CKV_TF_1 *and* CKV_TF_2 fail (a module that passes either is pinned for checkov);
   - a workload for resources (checkov: any of K8S_10/12/13 fails) and for non-root (K8S_23),
     a Dockerfile for USER (DOCKER_3 or DOCKER_8 fails): charter fails it on a
     ``k8s-resource-limits`` / ``container-non-root`` finding naming it.
   Units only one tool sees (a kind charter does not check, a file charter ignores, a Helm
   template) are listed apart as scope differences. Agreement is ``|same verdict| / |units
   both saw|``; every disagreement is printed with the two verdicts so it can be explained.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from charter.analyzers.base import path_matches
from charter.analyzers.health.checks import HealthChecksParams
from charter.analyzers.health.manifests import k8s_facts
from charter.engine import run_audit
from charter.policy import (
    PolicySet,
    Profile,
    ProfileRuleRef,
    builtin_policy_dir,
    load_rule_file,
)
from charter.sources import SourceFile

CHECKS = "CKV_K8S_8,CKV_K8S_9,CKV_DOCKER_2,CKV_TF_1,CKV_TF_2"
#: container hygiene: memory/CPU requests, memory limit, root containers, Dockerfile USER
CONTAINER_CHECKS = "CKV_K8S_10,CKV_K8S_12,CKV_K8S_13,CKV_K8S_23,CKV_DOCKER_3,CKV_DOCKER_8"
RULES = (
    "health-checks",
    "terraform-pinned-modules",
    "terraform-pinned-providers",
    "container-non-root",
    "k8s-resource-limits",
)
PROBE = {"CKV_K8S_8": "livenessProbe", "CKV_K8S_9": "readinessProbe"}
RESOURCES = {"CKV_K8S_10", "CKV_K8S_12", "CKV_K8S_13"}


def run_checkov(root: Path, checks: str = CHECKS, tag: str = "") -> list[dict]:
    exe = os.environ.get("CHECKOV", "checkov")
    frameworks = ["kubernetes", "dockerfile"] + ([] if tag else ["terraform"])
    cmd = [
        exe, "-d", str(root), "--framework", *frameworks,
        "--check", checks, "-o", "json", "--compact", "--skip-download",
    ]
    cache_dir = os.environ.get("CHECKOV_CACHE")
    cache = Path(cache_dir) / f"{root.name}{tag}.json" if cache_dir else None
    if cache is not None and cache.is_file():
        data = json.loads(cache.read_text(encoding="utf-8"))
    else:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        data = json.loads(proc.stdout or "[]")
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps(data), encoding="utf-8")
    return data if isinstance(data, list) else [data]


def rel_path(root: Path, file_path: str) -> str:
    """checkov paths start with ``/`` and sometimes with the scanned folder's name."""
    path = file_path.lstrip("/")
    prefix = root.name + "/"
    return path[len(prefix):] if path.startswith(prefix) else path


def checkov_units(root: Path) -> dict[tuple, bool]:
    """unit -> True when checkov fails it."""
    units: dict[tuple, bool] = {}
    modules: dict[tuple, list[bool]] = defaultdict(list)
    for framework in run_checkov(root):
        results = framework.get("results", {})
        for status, failed in (("passed_checks", False), ("failed_checks", True)):
            for r in results.get(status, []):
                path = rel_path(root, r["file_path"])
                check = r["check_id"]
                if check in PROBE:
                    kind, _ns, name = r["resource"].split(".", 2)
                    units[("k8s", PROBE[check], path, kind, name)] = failed
                elif check == "CKV_DOCKER_2":
                    units[("docker", "HEALTHCHECK", path)] = failed
                elif check in {"CKV_TF_1", "CKV_TF_2"}:
                    name = r["resource"].split(".")[-1]
                    modules[("module", "pinned", path, name)].append(failed)
    for unit, verdicts in modules.items():
        units[unit] = all(verdicts)
    # container hygiene: a workload fails resources when any of requests.cpu/memory or
    # limits.memory is missing (charter's default, CPU limit not required)
    grouped: dict[tuple, list[bool]] = defaultdict(list)
    for framework in run_checkov(root, CONTAINER_CHECKS, "-containers"):
        results = framework.get("results", {})
        for status, failed in (("passed_checks", False), ("failed_checks", True)):
            for r in results.get(status, []):
                path = rel_path(root, r["file_path"])
                check = r["check_id"]
                if check in RESOURCES or check == "CKV_K8S_23":
                    kind, _ns, name = r["resource"].split(".", 2)
                    what = "resources" if check in RESOURCES else "non-root"
                    grouped[("k8s", what, path, kind, name)].append(failed)
                elif check in {"CKV_DOCKER_3", "CKV_DOCKER_8"}:
                    grouped[("docker", "USER", path)].append(failed)
    for unit, verdicts in grouped.items():
        units[unit] = any(verdicts)
    return units


def charter_units(root: Path) -> tuple[dict[tuple, bool], dict[str, list]]:
    # only the compared rules (and parse-error), so other rules' state cannot interfere
    folder = builtin_policy_dir() / "rules"
    policies = PolicySet(
        rules={r: load_rule_file(folder / f"{r}.yaml") for r in (*RULES, "parse-error")},
        profiles={},
    )
    profile = Profile(
        id="bench", title="benchmark", rules=tuple(ProfileRuleRef(id=r) for r in RULES)
    )
    report = run_audit(root, policies, [profile])
    by_file: dict[str, list] = defaultdict(list)
    for f in report.findings:
        by_file[f.path].append(f)
    units: dict[tuple, bool] = {}
    # every workload charter checks, so that passes are units too
    ignored = HealthChecksParams().ignore  # charter does not look there: scope, not a pass
    for path in sorted(p.relative_to(root).as_posix() for p in root.rglob("*.y*ml")):
        if path_matches(path, ignored):
            continue
        nodes = SourceFile(root, path).yaml_nodes or []  # parse errors: no workloads
        for wl in k8s_facts(nodes):
            label = f"{wl['workload']} {wl['name']}:"
            for probe in ("livenessProbe", "readinessProbe"):
                failed = any(
                    f.rule == "health-checks" and f.message.startswith(label)
                    and probe in f.message
                    for f in by_file[path]
                )
                units[("k8s", probe, path, wl["workload"], wl["name"])] = failed
            if not wl["containers"]:
                continue
            for what, rule in (("resources", "k8s-resource-limits"), ("non-root",
                                                                      "container-non-root")):
                units[("k8s", what, path, wl["workload"], wl["name"])] = any(
                    f.rule == rule and f.message.startswith(label) for f in by_file[path]
                )
    for path in (p.relative_to(root).as_posix() for p in root.rglob("*")):
        name = Path(path).name.lower()
        if name == "dockerfile" or name.startswith("dockerfile.") or name.endswith(".dockerfile"):
            if path_matches(path, ignored):
                continue
            units[("docker", "HEALTHCHECK", path)] = any(
                f.rule == "health-checks" for f in by_file[path]
            )
            units[("docker", "USER", path)] = any(
                f.rule == "container-non-root" for f in by_file[path]
            )
    module_re = re.compile(r"module `([^`]+)`")
    for path in (p.relative_to(root).as_posix() for p in root.rglob("*.tf")):
        text = (root / path).read_text(encoding="utf-8", errors="replace")
        for name in re.findall(r'^module\s+"([^"]+)"', text, flags=re.M):
            flagged = any(
                f.rule == "terraform-pinned-modules"
                and (m := module_re.search(f.message)) is not None and m.group(1) == name
                for f in by_file[path]
            )
            units[("module", "pinned", path, name)] = flagged
    extra = {
        "provider findings (no checkov equivalent)": [
            f"{f.path}:{f.line} {f.message}" for f in report.findings
            if f.rule == "terraform-pinned-providers"
        ],
        "health-checks findings on code and compose (no checkov equivalent)": [
            f"{f.path}:{f.line} {f.message}" for f in report.findings
            if f.rule == "health-checks" and not f.path.lower().endswith(
                (".yaml", ".yml")) and "dockerfile" not in f.path.lower()
        ] + [
            f"{f.path}:{f.line} {f.message}" for f in report.findings
            if f.rule == "health-checks" and "compose" in f.path.lower()
        ],
        "skipped": [e for r in report.rules for e in r.evidence if e.startswith("skipped")],
    }
    return units, extra


def compare(root: Path) -> dict:
    theirs = checkov_units(root)
    ours, extra = charter_units(root)
    both = sorted(set(theirs) & set(ours))
    same = [u for u in both if theirs[u] == ours[u]]
    differ = [(u, ours[u], theirs[u]) for u in both if theirs[u] != ours[u]]
    per_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for u in both:
        key = f"{u[0]}:{u[1]}"
        per_kind[key][1] += 1
        per_kind[key][0] += theirs[u] == ours[u]
    return {
        "repo": root.name,
        "units_both": len(both),
        "agree": len(same),
        "agreement": round(100.0 * len(same) / len(both), 1) if both else None,
        "per_kind": {k: f"{a}/{n}" for k, (a, n) in sorted(per_kind.items())},
        "disagreements": [
            {"unit": list(u), "charter_fails": o, "checkov_fails": t} for u, o, t in differ
        ],
        "only_checkov": [[list(u), theirs[u]] for u in sorted(set(theirs) - set(ours))],
        "only_charter": [[list(u), ours[u]] for u in sorted(set(ours) - set(theirs))],
        **extra,
    }


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    results = [compare(Path(arg).resolve()) for arg in argv]
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
