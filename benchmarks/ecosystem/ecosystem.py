"""The ecosystem check: charter on real public repositories, snapshots, diffs and precision.

After ruff's ecosystem check and mypy_primer: every rule change is judged on code nobody here
wrote. ``repos.yaml`` pins each repository to a commit; fetched code is never committed, only
the compact snapshots of findings (``snapshots/``) and the labels (``labels.yaml``).

Usage (from the repository root)::

    python benchmarks/ecosystem/ecosystem.py checkout            # pinned checkouts, once
    python benchmarks/ecosystem/ecosystem.py run                 # audit each, write snapshots/
    python benchmarks/ecosystem/ecosystem.py diff OLD NEW        # two snapshot folders
    python benchmarks/ecosystem/ecosystem.py compare --base REV  # charter at REV vs this tree
    python benchmarks/ecosystem/ecosystem.py sample [--rule R]   # findings still to label
    python benchmarks/ecosystem/ecosystem.py precision [--write] # docs/precision.md, rule YAML

Checkouts live in ``$CHARTER_ECOSYSTEM_DIR`` (default ``~/.cache/charter-ecosystem``), made
from local mirrors (``--mirror DIR`` holding ``owner+name/repo`` git directories) or cloned
from GitHub. Nothing of an audited repository runs: checkouts are made by a git that reads no
system or global configuration, runs no hook and applies no filter, and charter itself never
executes audited code.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
MANIFEST = HERE / "repos.yaml"
SNAPSHOTS = HERE / "snapshots"
LABELS = HERE / "labels.yaml"
BEFORE_AFTER_DOC = HERE / "before-after.md"
PRECISION_DOC = ROOT / "docs" / "precision.md"
RULES_DIR = ROOT / "policies" / "rules"
SEED = "charter-ecosystem-1"
PER_RULE = 15
LABEL_VALUES = ("tp", "fp", "noise")
#: CodeQL-style precision classes, best first: (name, lowest precision)
CLASSES = (("very-high", 0.95), ("high", 0.85), ("medium", 0.60), ("low", 0.0))


# --- the manifest and checkouts ------------------------------------------------------------


@dataclass(frozen=True)
class Repo:
    repo: str
    commit: str
    kind: str
    about: str = ""

    @property
    def slug(self) -> str:
        return self.repo.replace("/", "+")


def load_manifest(path: Path = MANIFEST) -> list[Repo]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    repos = [Repo(**entry) for entry in data["repos"]]
    reserved = _reserved()
    clash = [r.repo for r in repos if r.repo.lower() in reserved]
    if clash:
        raise SystemExit(f"{path}: reserved repositories must not be used: {', '.join(clash)}")
    return repos


def _reserved() -> set[str]:
    listed = ROOT.parent / "shared" / "reserved-repos.txt"
    if not listed.is_file():
        return set()
    lines = listed.read_text(encoding="utf-8").splitlines()
    return {ln.strip().lower() for ln in lines if ln.strip() and not ln.startswith("#")}


def checkouts_dir() -> Path:
    default = Path.home() / ".cache" / "charter-ecosystem"
    return Path(os.environ.get("CHARTER_ECOSYSTEM_DIR", default))


def _git(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """git that reads no system or global config and runs no hook of the repository."""
    env = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
    }
    base = ["git", "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false"]
    return subprocess.run(
        [*base, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def checkout(repos: Sequence[Repo], dest: Path, mirror: Path | None) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for repo in repos:
        target = dest / repo.slug
        if target.is_dir():
            head = _git("rev-parse", "HEAD", cwd=target).stdout.strip()
            if head == repo.commit:
                print(f"{repo.repo}: up to date")
                continue
            shutil.rmtree(target)
        source = (
            str(mirror / repo.slug / "repo")
            if mirror is not None and (mirror / repo.slug / "repo").is_dir()
            else f"https://github.com/{repo.repo}.git"
        )
        shared = ["--shared"] if "://" not in source else []
        done = _git("clone", "--quiet", "--no-checkout", *shared, source, str(target))
        if done.returncode != 0:
            print(f"{repo.repo}: clone failed: {done.stderr.strip()}", file=sys.stderr)
            continue
        done = _git("checkout", "--quiet", "--detach", repo.commit, cwd=target)
        if done.returncode != 0:
            print(f"{repo.repo}: checkout failed: {done.stderr.strip()}", file=sys.stderr)
            continue
        print(f"{repo.repo}: {repo.commit[:12]}")


# --- running charter and the snapshots -------------------------------------------------------


def _charter_cmd(charter_src: Path | None) -> tuple[list[str], dict[str, str]]:
    env = dict(os.environ)
    if charter_src is not None:
        env["PYTHONPATH"] = str(charter_src / "src")
    # -P: the working directory is never put on sys.path (it could shadow charter)
    return [sys.executable, "-P", "-m", "charter"], env


#: the rules of each charter source that no built-in profile applies, by source
_CATALOG: dict[Path | None, list[str]] = {}


def catalog_rules(charter_src: Path | None = None) -> list[str]:
    """The implemented rules no built-in profile applies and no seed sentence states (rules
    that imported profiles map to, such as ``dockerfile-multi-stage``). The ecosystem check
    applies them too, through one extra profile (:func:`_catalog_profile`), so that they are
    measured on real code like every other rule."""
    if charter_src not in _CATALOG:
        cmd, env = _charter_cmd(charter_src)
        done = subprocess.run(
            [*cmd, "rules", "--format", "json"], env=env, capture_output=True, text=True,
            check=False,
        )  # fmt: skip
        rows = json.loads(done.stdout) if done.returncode == 0 else []
        _CATALOG[charter_src] = [
            r["id"]
            for r in rows
            if r.get("implemented") and not r.get("profiles") and not r.get("sources")
        ]
    return _CATALOG[charter_src]


CATALOG_PROFILE = "ecosystem-catalog"


def _catalog_profile(folder: Path, rules: Sequence[str]) -> list[str]:
    """``--policies`` arguments adding a profile that applies ``rules`` (none when empty)."""
    if not rules:
        return []
    profiles = folder / "profiles"
    profiles.mkdir(parents=True, exist_ok=True)
    body = {
        "id": CATALOG_PROFILE,
        "title": "Rules no built-in profile states (ecosystem check only)",
        "rules": [{"id": "parse-error"}, *({"id": r} for r in rules)],
    }
    (profiles / f"{CATALOG_PROFILE}.yaml").write_text(yaml.safe_dump(body), encoding="utf-8")
    return ["--policies", str(folder)]


def audit_repo(path: Path, charter_src: Path | None = None, strict: bool = False) -> dict[str, Any]:
    cmd, env = _charter_cmd(charter_src)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        args = [*cmd, "audit", str(path), "--format", "json", "--no-cache", "--output", str(out)]
        args += _catalog_profile(Path(tmp) / "policies", catalog_rules(charter_src))
        if strict:
            args.append("--strict")
        done = subprocess.run(args, env=env, cwd=tmp, capture_output=True, text=True, check=False)
        if not out.is_file():
            raise RuntimeError(f"{path}: charter failed ({done.returncode}): {done.stderr[-500:]}")
        report = json.loads(out.read_text(encoding="utf-8"))
    report["_exit_code"] = done.returncode
    report["_gate"] = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
    return report


def _gating(finding: dict[str, Any]) -> bool:
    """Whether the finding fails the default gate (fail-on high): charter 0.1 had only the
    severity; later versions mark findings of rules below high precision advisory."""
    return finding["severity"] in ("critical", "high") and not finding.get("advisory", False)


def snapshot_of(repo: Repo, report: dict[str, Any]) -> dict[str, Any]:
    """The compact, committed form of one audit: what a diff and the labels need."""
    findings = [
        [f["rule"], f["path"], f["line"], f["severity"], _gating(f), f["message"]]
        for f in report["findings"]
        if not f.get("suppressed") and not f.get("baselined")
    ]
    findings.sort(key=lambda r: (r[0], r[1], r[2], r[5]))
    return {
        "repo": repo.repo,
        "commit": repo.commit,
        "charter": report["tool"]["version"],
        "exit_code": report["_exit_code"],
        "gate": report["_gate"],
        "files": report.get("files_scanned"),
        "scores": {
            p["id"]: {
                "score": p.get("score"),
                "applicable": p.get("applicable", p["passed"] + p["failed"] + p["errors"]),
                "provisional": p.get("provisional", False),
            }
            for p in report["profiles"]
            if p["id"] != CATALOG_PROFILE
        },
        "rules": {r["id"]: r["status"] for r in report["rules"]},
        "findings": findings,
    }


def dump_snapshot(snap: dict[str, Any]) -> str:
    """JSON with one finding per line, so that git diffs of snapshots are readable."""
    head = {k: v for k, v in snap.items() if k != "findings"}
    lines = json.dumps(head, indent=1, sort_keys=True, ensure_ascii=False)[:-2]
    rows = ",\n  ".join(json.dumps(f, ensure_ascii=False) for f in snap["findings"])
    if not rows:
        return f'{lines},\n "findings": []\n}}\n'
    return f'{lines},\n "findings": [\n  {rows}\n ]\n}}\n'


def load_snapshots(folder: Path) -> dict[str, dict[str, Any]]:
    out = {}
    for path in sorted(folder.glob("*.json")):
        snap = json.loads(path.read_text(encoding="utf-8"))
        out[snap["repo"]] = snap
    return out


def run(
    repos: Sequence[Repo], dest: Path, out: Path, charter_src: Path | None, strict: bool = False
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for repo in repos:
        path = dest / repo.slug
        if not path.is_dir():
            print(f"{repo.repo}: no checkout in {dest}; run 'checkout' first", file=sys.stderr)
            continue
        report = audit_repo(path, charter_src, strict)
        snap = snapshot_of(repo, report)
        (out / f"{repo.slug}.json").write_text(dump_snapshot(snap), encoding="utf-8")
        gating = sum(1 for f in snap["findings"] if f[4])
        print(
            f"{repo.repo:<52} exit {snap['exit_code']}  {len(snap['findings']):>5} findings "
            f"({gating} gating)",
            flush=True,
        )


# --- diff ------------------------------------------------------------------------------------


def _key(f: Sequence[Any]) -> tuple[Any, ...]:
    return (f[0], f[1], f[2], f[5])


def diff(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> str:
    """ruff-ecosystem style: per repository, findings added, removed and changed."""
    lines: list[str] = []
    totals: Counter[str] = Counter()
    per_rule: dict[str, Counter[str]] = defaultdict(Counter)
    for repo in sorted(set(old) | set(new)):
        a = {_key(f): f for f in old.get(repo, {}).get("findings", [])}
        b = {_key(f): f for f in new.get(repo, {}).get("findings", [])}
        # a finding that stayed at its place with another message or severity is "changed"
        place_a = defaultdict(list)
        for k in set(a) - set(b):
            place_a[k[:3]].append(k)
        changed: list[tuple[Sequence[Any], Sequence[Any]]] = []
        added: list[Sequence[Any]] = []
        for k in sorted(set(b) - set(a), key=str):
            gone = place_a.get(k[:3])
            if gone:
                changed.append((a[gone.pop()], b[k]))
            else:
                added.append(b[k])
        removed = [a[k] for ks in place_a.values() for k in ks]
        flipped = [
            (a[k], b[k]) for k in set(a) & set(b) if (a[k][3], a[k][4]) != (b[k][3], b[k][4])
        ]
        changed += flipped
        exit_a = old.get(repo, {}).get("exit_code")
        exit_b = new.get(repo, {}).get("exit_code")
        if not (added or removed or changed) and exit_a == exit_b:
            continue
        lines.append(
            f"## {repo}: +{len(added)} -{len(removed)} ~{len(changed)}"
            + (f" (exit {exit_a} -> {exit_b})" if exit_a != exit_b else "")
        )
        for f in sorted(added, key=str):
            lines.append(f"+ {_show(f)}")
            per_rule[f[0]]["added"] += 1
        for f in sorted(removed, key=str):
            lines.append(f"- {_show(f)}")
            per_rule[f[0]]["removed"] += 1
        for before, after in sorted(changed, key=str):
            lines.append(f"~ {_show(before)}\n  -> {_show(after)}")
            per_rule[after[0]]["changed"] += 1
        totals.update(added=len(added), removed=len(removed), changed=len(changed))
        lines.append("")
    head = [
        f"# ecosystem diff: +{totals['added']} -{totals['removed']} ~{totals['changed']} "
        f"over {len(set(old) | set(new))} repositories",
        "",
    ]
    if per_rule:
        head.append("| rule | added | removed | changed |")
        head.append("|---|---:|---:|---:|")
        for rule in sorted(per_rule):
            c = per_rule[rule]
            head.append(f"| {rule} | {c['added']} | {c['removed']} | {c['changed']} |")
        head.append("")
    return "\n".join(head + lines) + "\n"


def _show(f: Sequence[Any]) -> str:
    gate = "gating" if f[4] else "advisory"
    return f"{f[1]}:{f[2]} {f[0]} [{f[3]}, {gate}] {f[5]}"


def compare(base: str, repos: Sequence[Repo], dest: Path, out: Path | None) -> str:
    """charter at git revision ``base`` against this work tree, on every checkout."""
    with tempfile.TemporaryDirectory() as tmp:
        old_src = Path(tmp) / "charter-base"
        done = _git("worktree", "add", "--detach", str(old_src), base, cwd=ROOT)
        if done.returncode != 0:
            raise SystemExit(f"cannot check out {base}: {done.stderr.strip()}")
        try:
            old_dir, new_dir = Path(tmp) / "old", out or Path(tmp) / "new"
            run(repos, dest, old_dir, old_src)
            run(repos, dest, new_dir, ROOT)
            return diff(load_snapshots(old_dir), load_snapshots(new_dir))
        finally:
            _git("worktree", "remove", "--force", str(old_src), cwd=ROOT)


# --- labels, sampling and precision ----------------------------------------------------------


@dataclass
class Label:
    repo: str
    rule: str
    path: str
    line: int
    label: str
    reason: str
    message: str = ""


def load_labels(path: Path = LABELS, skip_blank: bool = False) -> list[Label]:
    """Labels from a YAML list; with ``skip_blank``, entries not judged yet (a worklist from
    ``sample`` being filled in) are left out instead of refused."""
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    labels = []
    for i, entry in enumerate(data):
        if skip_blank and not str(entry.get("label") or "").strip():
            continue
        label = Label(**entry)
        if label.label not in LABEL_VALUES:
            raise SystemExit(f"{path}: entry {i + 1}: label must be one of {LABEL_VALUES}")
        if not label.reason.strip():
            raise SystemExit(f"{path}: entry {i + 1}: give a one-line reason")
        labels.append(label)
    return labels


def dump_labels(labels: Iterable[Label], path: Path = LABELS) -> None:
    rows = sorted(labels, key=lambda lb: (lb.rule, lb.repo, lb.path, lb.line, lb.message))
    out = [
        "# Judged findings of the ecosystem check: tp (right), fp (wrong) or noise (defensible,",
        "# but not worth a developer's time). Read the code at the line before labelling; when in",
        "# doubt, noise. Keyed by repo, rule, path, line and message; see README.md.",
    ]
    for lb in rows:
        out.append(
            "- "
            + json.dumps(
                {
                    "repo": lb.repo,
                    "rule": lb.rule,
                    "path": lb.path,
                    "line": lb.line,
                    "label": lb.label,
                    "reason": lb.reason,
                    "message": lb.message,
                },
                ensure_ascii=False,
            )
        )
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class Current:
    repo: str
    rule: str
    path: str
    line: int
    severity: str
    gating: bool
    message: str

    @property
    def order(self) -> str:
        raw = f"{SEED}|{self.repo}|{self.rule}|{self.path}|{self.line}|{self.message}"
        return hashlib.sha256(raw.encode()).hexdigest()


def current_findings(snaps: dict[str, dict[str, Any]]) -> list[Current]:
    return [
        Current(repo, f[0], f[1], f[2], f[3], f[4], f[5])
        for repo, snap in snaps.items()
        for f in snap["findings"]
    ]


def match_labels(
    found: Sequence[Current], labels: Sequence[Label]
) -> tuple[dict[Current, Label], list[Current]]:
    """Each current finding's label: the one with the same message at the same place, else
    the only label at that place (its message changed: listed as stale for a second look)."""
    exact = {(lb.repo, lb.rule, lb.path, lb.line, lb.message): lb for lb in labels}
    out: dict[Current, Label] = {}
    used: set[int] = set()
    for f in found:
        hit = exact.get((f.repo, f.rule, f.path, f.line, f.message))
        if hit is not None:
            out[f] = hit
            used.add(id(hit))
    by_place: dict[tuple[str, str, str, int], list[Label]] = defaultdict(list)
    for lb in labels:
        if id(lb) not in used:
            by_place[(lb.repo, lb.rule, lb.path, lb.line)].append(lb)
    stale: list[Current] = []
    for f in found:
        if f in out:
            continue
        near = by_place.get((f.repo, f.rule, f.path, f.line), [])
        if len(near) == 1:
            out[f] = near.pop()
            used.add(id(out[f]))
            stale.append(f)
    # a repository-level finding whose anchor moved (line 1 of a file -> the file as a whole,
    # or the repository): the same rule and message in the same repository, on both sides once
    by_message: dict[tuple[str, str, str], list[Label]] = defaultdict(list)
    for lb in labels:
        if id(lb) not in used:
            by_message[(lb.repo, lb.rule, lb.message)].append(lb)
    left = Counter((f.repo, f.rule, f.message) for f in found if f not in out)
    for f in found:
        if f in out or f.line > 1:
            continue
        key = (f.repo, f.rule, f.message)
        candidates = by_message.get(key, [])
        if left[key] == 1 and len(candidates) == 1 and candidates[0].line <= 1:
            out[f] = candidates.pop()
            stale.append(f)
    return out, stale


def sample(found: Sequence[Current], per_rule: int = PER_RULE) -> dict[str, list[Current]]:
    """For each rule, its first ``per_rule`` findings in a fixed pseudo-random order: the
    same findings are chosen on every run, and a new finding takes its place by its hash."""
    by_rule: dict[str, list[Current]] = defaultdict(list)
    for f in found:
        by_rule[f.rule].append(f)
    return {rule: sorted(fs, key=lambda f: f.order)[:per_rule] for rule, fs in by_rule.items()}


def worklist(
    snaps: dict[str, dict[str, Any]],
    labels: Sequence[Label],
    dest: Path,
    rules: Sequence[str],
    context: int,
    per_rule: int,
) -> str:
    found = current_findings(snaps)
    labelled, _ = match_labels(found, labels)
    out: list[str] = []
    for rule, chosen in sorted(sample(found, per_rule).items()):
        if rules and rule not in rules:
            continue
        todo = [f for f in chosen if f not in labelled]
        if not todo:
            continue
        out.append(f"# ===== {rule}: {len(todo)} to label (charter explain {rule}) =====")
        for f in todo:
            out.append("")
            file = dest / f.repo.replace("/", "+") / f.path
            if file.is_file() and context > 0:
                try:
                    text = file.read_text(encoding="utf-8", errors="replace").splitlines()
                except OSError:
                    text = []
                lo, hi = max(1, f.line - context), min(len(text), f.line + context)
                for n in range(lo, hi + 1):
                    mark = ">" if n == f.line else " "
                    out.append(f"# {mark}{n:>5} | {text[n - 1][:160]}")
            out.append(f"- repo: {f.repo}")
            out.append(f"  rule: {f.rule}")
            out.append(f"  path: {json.dumps(f.path, ensure_ascii=False)}")
            out.append(f"  line: {f.line}")
            out.append(f"  message: {json.dumps(f.message, ensure_ascii=False)}")
            out.append(f"  # severity {f.severity}, {'gating' if f.gating else 'advisory'}")
            out.append('  label: ""  # tp | fp | noise')
            out.append('  reason: ""')
        out.append("")
    return "\n".join(out) + "\n"


def wilson_low(tp: int, n: int, z: float = 1.96) -> float:
    """Lower bound of the 95% Wilson interval of a proportion (0 when n is 0)."""
    if n == 0:
        return 0.0
    p = tp / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n)


#: fewer labelled findings than this measure nothing: the rule is "unmeasured" (advisory)
MIN_LABELLED = 5


def precision_class(value: float | None, labelled: int = PER_RULE) -> str:
    """The CodeQL-style class of a measured precision; "unmeasured" with too few labels (a
    rule that fired once and was right is not thereby certain)."""
    if value is None or labelled < MIN_LABELLED:
        return "unmeasured"
    for name, floor in CLASSES:
        if value >= floor:
            return name
    return "low"


@dataclass
class RuleStats:
    rule: str
    findings: int = 0
    gating: int = 0
    tp: int = 0
    fp: int = 0
    noise: int = 0

    @property
    def labelled(self) -> int:
        return self.tp + self.fp + self.noise

    @property
    def precision(self) -> float | None:
        return self.tp / self.labelled if self.labelled else None


def stats(snaps: dict[str, dict[str, Any]], labels: Sequence[Label]) -> dict[str, RuleStats]:
    found = current_findings(snaps)
    labelled, _ = match_labels(found, labels)
    table: dict[str, RuleStats] = {}
    for f in found:
        row = table.setdefault(f.rule, RuleStats(f.rule))
        row.findings += 1
        row.gating += f.gating
        lb = labelled.get(f)
        if lb is not None:
            setattr(row, lb.label, getattr(row, lb.label) + 1)
    return table


def totals(snaps: dict[str, dict[str, Any]], labels: Sequence[Label]) -> dict[str, Any]:
    """The issue's two figures on the labelled set: precision of the findings that fail the
    default gate, and of all findings with noise counted as wrong; also volume-weighted."""
    found = current_findings(snaps)
    labelled, _ = match_labels(found, labels)
    gate = [labelled[f].label for f in found if f in labelled and f.gating]
    every = [labelled[f].label for f in found if f in labelled]
    per_rule = stats(snaps, labels)
    weighted_tp = sum(r.findings * (r.precision or 0.0) for r in per_rule.values() if r.labelled)
    weighted_n = sum(r.findings for r in per_rule.values() if r.labelled)
    return {
        "gating_labelled": len(gate),
        "gating_precision": gate.count("tp") / len(gate) if gate else None,
        "all_labelled": len(every),
        "all_precision": every.count("tp") / len(every) if every else None,
        "all_precision_weighted": weighted_tp / weighted_n if weighted_n else None,
        "findings": len(found),
        "gating_findings": sum(f.gating for f in found),
        "repos_failing": sum(1 for s in snaps.values() if s["exit_code"] != 0),
        "repos": len(snaps),
    }


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def before_after_markdown(
    columns: Sequence[tuple[str, dict[str, dict[str, Any]]]], labels: Sequence[Label]
) -> str:
    """Snapshots of several charter versions judged by the same labels: the totals, then each
    rule's findings and precision per version, and its class now (the last column)."""
    names = [name for name, _ in columns]
    tots = [totals(snaps, labels) for _, snaps in columns]
    tables = [stats(snaps, labels) for _, snaps in columns]
    head = "| | " + " | ".join(names) + " |"
    rule = "|---|" + "---:|" * len(names)
    lines = [
        "# Before and after the trust work (issue 13)",
        "",
        "Written by `python benchmarks/ecosystem/ecosystem.py before-after --write`. The same "
        "labels (`labels.yaml`) judge the snapshots of each version on the same 46 pinned "
        "repositories: charter 0.1 (`snapshots-v0.1/`), the versions named by their commit "
        "(snapshots from git history) and now (`snapshots/`). Precision counts `noise` as "
        "wrong; `—` means no labelled finding. A version's figure is over the findings it "
        "has that carry a label, so the sample differs between versions.",
        "",
        head,
        rule,
        "| findings | " + " | ".join(str(t["findings"]) for t in tots) + " |",
        "| repositories failing the default gate | "
        + " | ".join(f"{t['repos_failing']} of {t['repos']}" for t in tots)
        + " |",
        "| precision, all labelled findings | "
        + " | ".join(f"{_pct(t['all_precision'])} (n={t['all_labelled']})" for t in tots)
        + " |",
        "| precision, weighted by rule volume | "
        + " | ".join(_pct(t["all_precision_weighted"]) for t in tots)
        + " |",
        "| precision, findings that fail the default gate | "
        + " | ".join(f"{_pct(t['gating_precision'])} (n={t['gating_labelled']})" for t in tots)
        + " |",
        "",
        "charter 0.1 gated every rule by severity (class `high` as declared by its author).",
        "",
        "| rule | " + " | ".join(f"{n} findings | {n} precision" for n in names) + " | class now |",
        "|---|" + "---:|---:|" * len(names) + "---|",
    ]
    now = {}
    for path in sorted((ROOT / "policies" / "rules").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        now[data["id"]] = (data.get("precision") or {}).get("class", "high (declared)")
    for rule_id in sorted(set().union(*tables) | set(now)):
        cells = []
        for table in tables:
            row = table.get(rule_id, RuleStats(rule_id))
            cells += [str(row.findings), f"{_pct(row.precision)} (n={row.labelled})"]
        klass = now.get(rule_id, "removed")
        lines.append(f"| {rule_id} | " + " | ".join(cells) + f" | {klass} |")
    return "\n".join(lines) + "\n"


def precision_markdown(snaps: dict[str, dict[str, Any]], labels: Sequence[Label]) -> str:
    table = stats(snaps, labels)
    t = totals(snaps, labels)
    _, stale = match_labels(current_findings(snaps), labels)
    lines = [
        "# Measured precision per rule",
        "",
        "Written by `python benchmarks/ecosystem/ecosystem.py precision --write` from the",
        "committed snapshots (`benchmarks/ecosystem/snapshots/`) and labels",
        "(`benchmarks/ecosystem/labels.yaml`): charter's findings on "
        f"{t['repos']} public repositories",
        "that nobody here wrote, each judged by reading the code at the line.",
        "",
        "- **precision** = tp / labelled; `noise` (defensible, not worth a developer's time)",
        "  counts as wrong. The class follows CodeQL: very-high ≥ 95%, high ≥ 85%,",
        "  medium ≥ 60%, low below. Only `high` and `very-high` rules fail the default gate.",
        f"- **unmeasured**: fewer than {MIN_LABELLED} findings on the set. Such a rule is advisory",
        "  until real code gives it enough findings to measure, unless it is right by",
        "  construction (basis `exact`: the suppression rules read charter's own comments).",
        "- one finding kind gates whatever its rule's class: a secret in a provider's issued",
        "  format (`AKIA…`, `ghp_…`, `sk_live_…`; see docs/secrets.md), marked `certain`.",
        "- **low 95%** is the lower bound of the Wilson interval: with 15 labels a measured",
        "  100% only promises about 80%.",
        f"- at most {PER_RULE} findings per rule are labelled, chosen with a fixed seed",
        f"  (`{SEED}`); all of them where fewer exist.",
        "",
        "## Totals",
        "",
        f"- findings: {t['findings']} ({t['gating_findings']} fail the default gate); "
        f"{t['repos_failing']} of {t['repos']} repositories fail it",
        f"- labelled: {t['all_labelled']}; precision over all labelled findings (noise "
        f"wrong): **{_pct(t['all_precision'])}**; weighted by each rule's volume: "
        f"{_pct(t['all_precision_weighted'])}",
        f"- labelled findings that fail the default gate: {t['gating_labelled']}; their "
        f"precision: **{_pct(t['gating_precision'])}**",
        "",
        "## Per rule",
        "",
        "| rule | findings | gating | labelled | tp | fp | noise | precision | low 95% | class |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for rule in sorted(table):
        r = table[rule]
        low = wilson_low(r.tp, r.labelled) if r.labelled else None
        lines.append(
            f"| {rule} | {r.findings} | {r.gating} | {r.labelled} | {r.tp} | {r.fp} | "
            f"{r.noise} | {_pct(r.precision)} | {_pct(low)} | "
            f"{precision_class(r.precision, r.labelled)} |"
        )
    silent = sorted(p.stem for p in RULES_DIR.glob("*.yaml") if p.stem not in table)
    lines += [
        "",
        "## Rules with no finding on the set",
        "",
        "Their precision is unmeasured (advisory), except where it is exact by construction "
        "(`unscanned-file` and the suppression rules gate); see each rule's `precision.basis`.",
        "",
        ", ".join(f"`{r}`" for r in silent) or "none",
        "",
    ]
    if stale:
        lines += ["## Labels whose finding's message changed (check them again)", ""]
        lines += [f"- {f.repo} {f.path}:{f.line} {f.rule}: {f.message}" for f in stale]
        lines.append("")
    return "\n".join(lines)


_PRECISION_BLOCK = re.compile(r"^precision:\n(?:  .*\n)+", re.MULTILINE)


def write_rule_precision(table: dict[str, RuleStats]) -> list[str]:
    """Record each rule's measured figure and class in its YAML (``precision:`` block): every
    shipped rule gets one, "unmeasured" when it fired fewer than MIN_LABELLED times on the
    set. Returns the rules whose class changed."""
    changed = []
    for path in sorted(RULES_DIR.glob("*.yaml")):
        rule = path.stem
        r = table.get(rule, RuleStats(rule))
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        old = (data.get("precision") or {}).get("class")
        cls = precision_class(r.precision, r.labelled)
        declared = data.get("precision") or {}
        if not r.labelled and str(declared.get("basis", "")).startswith("exact"):
            # a rule that is right by construction (it reads charter's own directives) keeps
            # its declared class until the set gives it findings to measure
            continue
        if r.labelled:
            basis = (
                "ecosystem"
                if cls != "unmeasured"
                else (f"ecosystem: only {r.labelled} finding(s), too few to measure")
            )
            measured = f"{r.precision:.2f}"
        else:
            basis = "ecosystem: no finding on the set"
            measured = "null"
        block = (
            "precision:\n"
            f"  class: {cls}\n"
            f"  measured: {measured}\n"
            f"  labelled: {r.labelled}\n"
            f'  basis: "{basis}"\n'
        )
        if "precision" in data:
            text = _PRECISION_BLOCK.sub(block, text, count=1)
        else:
            at = re.search(r"^scope: .*\n", text, flags=re.MULTILINE) or re.search(
                r"^severity: .*\n", text, flags=re.MULTILINE
            )
            cut = at.end() if at else len(text)
            text = text[:cut] + block + text[cut:]
        path.write_text(text, encoding="utf-8")
        if old != cls:
            changed.append(f"{rule}: {old} -> {cls} ({_pct(r.precision)}, n={r.labelled})")
    return changed


# --- command line ----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("checkout", help="make the pinned checkouts")
    mirror = os.environ.get("CHARTER_ECOSYSTEM_MIRROR", "/work/.mirror")
    p.add_argument("--mirror", type=Path, default=Path(mirror))
    p.add_argument("--repo", action="append", default=[])
    p = sub.add_parser("run", help="audit every checkout, write snapshots")
    p.add_argument("--out", type=Path, default=SNAPSHOTS)
    p.add_argument("--repo", action="append", default=[])
    p.add_argument("--charter-src", type=Path, default=None, help="another charter source tree")
    p.add_argument("--strict", action="store_true", help="audit with --strict")
    p = sub.add_parser("diff", help="compare two snapshot folders")
    p.add_argument("old", type=Path)
    p.add_argument("new", type=Path, nargs="?", default=SNAPSHOTS)
    p = sub.add_parser("compare", help="charter at REV against this work tree")
    p.add_argument("--base", default="HEAD")
    p.add_argument("--out", type=Path, default=None, help="keep this tree's snapshots here")
    p.add_argument("--repo", action="append", default=[])
    p = sub.add_parser("sample", help="findings of the fixed sample that have no label yet")
    p.add_argument("--rule", action="append", default=[])
    p.add_argument("--context", type=int, default=5)
    p.add_argument("--per-rule", type=int, default=PER_RULE)
    p.add_argument("--snapshots", type=Path, default=SNAPSHOTS)
    p = sub.add_parser("merge", help="merge label files (YAML lists) into labels.yaml")
    p.add_argument("files", type=Path, nargs="+")
    p = sub.add_parser("precision", help="per-rule precision (docs/precision.md)")
    p.add_argument("--snapshots", type=Path, default=SNAPSHOTS)
    p.add_argument("--write", action="store_true", help="write docs/precision.md and rule YAML")
    p = sub.add_parser("before-after", help="versions side by side on the same labels")
    p.add_argument(
        "--version",
        action="append",
        default=[],
        metavar="NAME=DIR",
        help="a version's snapshots, in order (default: 0.1, then now)",
    )
    p.add_argument("--write", action="store_true", help=f"write {BEFORE_AFTER_DOC.name}")
    args = parser.parse_args(argv)

    repos = load_manifest()
    if getattr(args, "repo", None):
        repos = [r for r in repos if r.repo in args.repo or r.slug in args.repo]
    dest = checkouts_dir()
    if args.cmd == "checkout":
        checkout(repos, dest, args.mirror)
    elif args.cmd == "run":
        run(repos, dest, args.out, args.charter_src, args.strict)
    elif args.cmd == "diff":
        sys.stdout.write(diff(load_snapshots(args.old), load_snapshots(args.new)))
    elif args.cmd == "compare":
        sys.stdout.write(compare(args.base, repos, dest, args.out))
    elif args.cmd == "sample":
        text = worklist(
            load_snapshots(args.snapshots),
            load_labels(),
            dest,
            args.rule,
            args.context,
            args.per_rule,
        )
        sys.stdout.write(text)
    elif args.cmd == "merge":
        merged = {(lb.repo, lb.rule, lb.path, lb.line, lb.message): lb for lb in load_labels()}
        for file in args.files:
            for lb in load_labels(file, skip_blank=True):
                merged[(lb.repo, lb.rule, lb.path, lb.line, lb.message)] = lb
        dump_labels(merged.values())
        print(f"labels.yaml: {len(merged)} labels")
    elif args.cmd == "before-after":
        given = [v.split("=", 1) for v in args.version]
        pairs = given or [["charter 0.1", str(HERE / "snapshots-v0.1")], ["now", str(SNAPSHOTS)]]
        columns = [(name, load_snapshots(Path(folder))) for name, folder in pairs]
        doc = before_after_markdown(columns, load_labels())
        if args.write:
            BEFORE_AFTER_DOC.write_text(doc, encoding="utf-8")
        else:
            sys.stdout.write(doc)
    elif args.cmd == "precision":
        snaps = load_snapshots(args.snapshots)
        labels = load_labels()
        doc = precision_markdown(snaps, labels)
        if args.write:
            PRECISION_DOC.write_text(doc, encoding="utf-8")
            for line in write_rule_precision(stats(snaps, labels)):
                print(f"class changed: {line}")
        else:
            sys.stdout.write(doc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
