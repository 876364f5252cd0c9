"""Secrets on human-labelled code: charter, detect-secrets, CredSweeper and gitleaks on CredData.

Samsung's CredData (https://github.com/Samsung/CredData) labels about 73,000 lines of 297 public
repositories, each pinned to a commit, as a credential (``T``), not one (``F``) or a template
(``X``). This benchmark rebuilds a subset and runs every peer on the same trees, in one run.

Method (``python benchmarks/secrets_creddata.py --help``):

1. **Which repositories.** ``benchmarks/creddata-repos.yaml`` lists them (``repo``, ``commit``,
   ``meta``). Each commit must be the one CredData's ``snapshot.json`` pins (its key starts
   with the commit), and no repository of ``shared/reserved-repos.txt`` may appear: those are
   kept for independent measurement; the script refuses to run when one is listed.
2. **Which files.** CredData's ``meta/<meta>.csv`` (``<meta>`` = crc32 of the snapshot key, as
   in CredData's ``download_data.py``) names each labelled file by ``FileID``: the first 8 hex
   characters of sha256 of the file's path in the repository. The script lists the commit's
   tree (``git ls-tree``), hashes every path, and writes the blobs whose FileID is labelled to
   ``WORK/<meta>/<original path>`` (``git cat-file --batch`` on blob ids: no checkout, no
   hooks, no filters, no audited code run). Labels whose file is not found are counted and
   left out; a repository whose mirror or commit is missing is skipped and recorded.
3. **Tools**, each once over the whole ``WORK`` tree, wall time measured:
   - charter: ``python -m charter audit WORK --format json --select no-hardcoded-secrets
     --no-cache --no-repo-config --fail-on none``; every finding counts (advisory included),
     and the gating subset (not advisory, not suppressed) is scored apart;
   - charter-all (``--tools ...,charter-all``): the same audit with ``outside_source: all``
     (through a ``--policies`` override), the secret-scanner sweep: secret-named literals and
     generic forms are reported in tests, fixtures, examples and docs too, where the default
     reports only issued provider formats. CredData labels test and example credentials ``T``,
     so the sweep is the variant comparable with the peers' scans;
   - charter+ML (``--tools ...,charter-ml``): the same audit with the rule's optional ML stage
     (``ml_validator: true`` through a ``--policies`` override; needs ``charter[ml]``):
     CredSweeper's model judges the look-alikes charter's value judge leaves out. That model
     was trained on CredData, so these figures are in-sample and optimistic;
   - detect-secrets: ``detect-secrets scan --all-files`` in ``WORK`` (default plugins);
   - CredSweeper: ``credsweeper --path WORK --save-json`` (default rules and ML validator).
     Its model was trained on CredData, so its figures are in-sample;
   - gitleaks: ``gitleaks detect --no-git --source WORK`` when a ``gitleaks`` binary is on
     PATH; otherwise recorded as not available.
   Peers run from ``--peers-venv`` (a separate virtualenv) so charter's environment is
   unchanged.
4. **Scoring, by line.** A reported line inside a ``T`` label (``LineStart..LineEnd``) is a
   true positive; any other reported line (labelled ``F``/``X``, or unlabelled) is a false
   positive. A ``T`` label with no reported line inside it is a miss.
   precision = TP / reported lines, recall = detected T labels / T labels.
   CredData labelled the candidates of its own scanners, so an unlabelled line counted false
   may now and then hold a real credential.
5. **Output.** The Markdown results (counts only, never a value) go to ``--output``; with
   ``--debug FILE`` one masked line per finding is written there (keep it outside the repo).
   Tool outputs that hold values (CredSweeper's JSON) are read from a temporary folder that
   is removed.
"""

from __future__ import annotations

import argparse
import binascii
import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REPOS = ROOT / "benchmarks" / "creddata-repos.yaml"
DEFAULT_RESERVED = ROOT.parent / "shared" / "reserved-repos.txt"
DEFAULT_CREDDATA = Path("/work/.mirror/Samsung+CredData/repo")
DEFAULT_MIRRORS = Path("/work/.mirror")
RULE = "no-hardcoded-secrets"
GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_NO_REPLACE_OBJECTS": "1",
}

LANGUAGES = {
    ".py": "Python", ".pyi": "Python", ".pyx": "Python", ".ipynb": "Python",
    ".go": "Go", ".rb": "Ruby", ".rake": "Ruby", ".erb": "Ruby",
    ".java": "Java", ".kt": "Kotlin", ".scala": "Scala", ".groovy": "Groovy",
    ".gradle": "Groovy", ".js": "JavaScript", ".mjs": "JavaScript", ".cjs": "JavaScript",
    ".jsx": "JavaScript", ".ts": "TypeScript", ".tsx": "TypeScript", ".vue": "JavaScript",
    ".cs": "C#", ".php": "PHP", ".hs": "Haskell", ".ex": "Elixir", ".exs": "Elixir",
    ".c": "C", ".h": "C", ".cc": "C++", ".cpp": "C++", ".sh": "Shell", ".bash": "Shell",
    ".ps1": "PowerShell", ".sql": "SQL", ".tf": "Terraform", ".rs": "Rust",
}
CONFIG_EXTS = {
    ".yml", ".yaml", ".json", ".toml", ".ini", ".conf", ".cfg", ".properties", ".env",
    ".xml", ".config", ".j2", ".tfstate", ".ndjson",
}
DOC_EXTS = {".md", ".rst", ".txt", ".adoc", ".asciidoc", ".markdown", ".html"}


# ---------------------------------------------------------------------------- pure functions


def file_id(path: str) -> str:
    """CredData's FileID: the first 8 hex characters of sha256 of the repository path."""
    return hashlib.sha256(path.encode()).hexdigest()[:8]


def meta_id(snapshot_key: str) -> str:
    """CredData's repository id (``meta/<id>.csv``): crc32 of the snapshot key's bytes."""
    return f"{binascii.crc32(binascii.unhexlify(snapshot_key)):08x}"


def extension(path: str) -> str:
    """The extension as CredData records it: ``os.path.splitext`` of the path, lower case."""
    return os.path.splitext(path)[1].lower()  # noqa: PTH122 - as CredData computes it


@dataclass(frozen=True)
class Label:
    """One labelled line range of one file."""

    file_id: str
    start: int
    end: int
    truth: str
    category: str
    ext: str


def parse_meta(text: str) -> list[Label]:
    """The rows of a CredData ``meta/*.csv`` file."""
    out = []
    for row in csv.DictReader(io.StringIO(text)):
        start, end = int(row["LineStart"]), int(row["LineEnd"])
        out.append(
            Label(row["FileID"], start, max(start, end), row["GroundTruth"], row["Category"],
                  extension(row["FilePath"]))
        )
    return out


Key = tuple[str, str]  # (repository id, path in the repository)


@dataclass
class Score:
    """Line-level counts of one tool."""

    reported: int = 0
    tp: int = 0
    fp: int = 0
    t_labels: int = 0
    detected: int = 0
    #: (key, line, reason): reason is the label (F/X, with category) or "unlabelled"
    false_lines: list[tuple[Key, int, str, str]] = field(default_factory=list)
    #: (key, start, category) of T labels without a reported line
    missed: list[tuple[Key, int, str]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / self.reported if self.reported else 0.0

    @property
    def recall(self) -> float:
        return self.detected / self.t_labels if self.t_labels else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score(labels: Mapping[Key, list[Label]], reported: Iterable[tuple[Key, int]]) -> Score:
    """Line-level precision and recall of ``reported`` lines against ``labels``.

    A reported line inside a T label is a true positive; any other reported line (inside F or
    X labels only, or unlabelled) a false positive; a T label (distinct file and line range)
    with no reported line inside it is a miss."""
    lines = sorted(set(reported))
    by_file: dict[Key, set[int]] = {}
    for key, line in lines:
        by_file.setdefault(key, set()).add(line)
    out = Score(reported=len(lines))
    for key, line in lines:
        rows = labels.get(key, [])
        inside = [r for r in rows if r.start <= line <= r.end]
        if any(r.truth == "T" for r in inside):
            out.tp += 1
        else:
            out.fp += 1
            if inside:
                first = inside[0]
                out.false_lines.append((key, line, first.truth, first.category))
            else:
                out.false_lines.append((key, line, "unlabelled", "unlabelled"))
    for key, rows in labels.items():
        seen: set[tuple[int, int]] = set()
        found = by_file.get(key, set())
        for r in rows:
            if r.truth != "T" or (r.start, r.end) in seen:
                continue
            seen.add((r.start, r.end))
            out.t_labels += 1
            if any(r.start <= n <= r.end for n in found):
                out.detected += 1
            else:
                out.missed.append((key, r.start, r.category))
    return out


def mask(value: str) -> str:
    """At most the first 3 characters (and at most a fifth) of a value, and its length."""
    shown = value[: min(3, len(value) // 5)]
    return f"{shown}…({len(value)} chars)"


def split_reported(root: Path, path: str) -> Key | None:
    """``(repository id, path in the repository)`` of a tool's path under ``root``."""
    p = Path(path)
    if p.is_absolute():
        try:
            p = p.relative_to(root)
        except ValueError:
            return None
    parts = PurePosixPath(p.as_posix()).parts
    parts = tuple(x for x in parts if x != ".")
    if len(parts) < 2:
        return None
    return parts[0], "/".join(parts[1:])


def repo_languages(exts: Iterable[str], top: int = 3) -> list[str]:
    """The main languages of a repository's labelled files, by extension."""
    counts = Counter(LANGUAGES[e] for e in exts if e in LANGUAGES)
    return [name for name, _ in counts.most_common(top)]


def file_group(ext: str) -> str:
    """code / config / docs / other, from the extension."""
    if ext in LANGUAGES:
        return "code"
    if ext in CONFIG_EXTS:
        return "config"
    if ext in DOC_EXTS:
        return "docs"
    return "other"


# ---------------------------------------------------------------------------- git plumbing


def git(git_dir: Path, *args: str, data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(
        ["git", "--git-dir", str(git_dir), "-c", "core.hooksPath=/dev/null",
         "-c", "safe.directory=*", *args],
        input=data, capture_output=True, check=False, env=env,
    )


def git_dir_of(mirrors: Path, repo: str) -> Path | None:
    base = mirrors / repo.replace("/", "+") / "repo"
    for cand in (base / ".git", base):
        if (cand / "objects").is_dir():
            return cand
    return None


def creddata_text(creddata: Path, path: str) -> str:
    proc = git(creddata, "show", f"HEAD:{path}")
    if proc.returncode != 0:
        raise SystemExit(f"CredData: cannot read {path}: {proc.stderr.decode()[:200]}")
    return proc.stdout.decode("utf-8")


def tree_blobs(git_dir: Path, commit: str) -> list[tuple[str, str]]:
    """(blob id, path) of the regular files of a commit."""
    proc = git(git_dir, "ls-tree", "-r", "-z", "--full-tree", commit)
    if proc.returncode != 0:
        return []
    out = []
    for entry in proc.stdout.split(b"\0"):
        if not entry:
            continue
        meta, _, path = entry.partition(b"\t")
        mode, kind, sha = meta.split()
        if kind == b"blob" and mode in (b"100644", b"100755"):
            out.append((sha.decode(), path.decode("utf-8", "surrogateescape")))
    return out


def write_blobs(git_dir: Path, wanted: list[tuple[str, str]], dest: Path) -> set[str]:
    """Write each blob at ``dest/path``, through one ``git cat-file --batch``; the paths
    written (a mirror may lack the content of its largest files)."""
    written: set[str] = set()
    if not wanted:
        return written
    proc = git(git_dir, "cat-file", "--batch", data="".join(f"{s}\n" for s, _ in wanted).encode())
    data = proc.stdout
    pos = 0
    root = dest.resolve()
    for _sha, path in wanted:
        nl = data.index(b"\n", pos)
        header = data[pos:nl].split()
        if len(header) < 3:  # "<sha> missing"
            pos = nl + 1
            continue
        size = int(header[2])
        body = data[nl + 1: nl + 1 + size]
        pos = nl + 1 + size + 1
        target = (dest / path).resolve()
        if root not in target.parents:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        written.add(path)
    return written


# ---------------------------------------------------------------------------- dataset


@dataclass
class RepoEntry:
    repo: str
    commit: str
    meta: str
    status: str = "used"
    files: int = 0
    labels: int = 0
    t_labels: int = 0
    missing_files: int = 0
    languages: list[str] = field(default_factory=list)


def load_reserved(path: Path) -> set[str]:
    if not path.is_file():
        raise SystemExit(f"reserved list not found: {path} (pass --reserved)")
    return {
        line.strip().lower()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    }


def build(
    entries: list[RepoEntry], creddata: Path, mirrors: Path, work: Path,
) -> dict[Key, list[Label]]:
    """Materialise the labelled files; the labels by (repository id, path)."""
    snapshot = json.loads(creddata_text(creddata, "snapshot.json"))
    by_commit = {key[:40]: (key, url) for key, url in snapshot.items()}
    labels: dict[Key, list[Label]] = {}
    for e in entries:
        pinned = by_commit.get(e.commit)
        if pinned is None or meta_id(pinned[0]) != e.meta:
            raise SystemExit(f"{e.repo}: commit {e.commit} / meta {e.meta} not in snapshot.json")
        if not pinned[1].lower().endswith("/" + e.repo.lower()):
            raise SystemExit(f"{e.repo}: snapshot.json says {pinned[1]}")
        rows = parse_meta(creddata_text(creddata, f"meta/{e.meta}.csv"))
        git_dir = git_dir_of(mirrors, e.repo)
        if git_dir is None:
            e.status = "skipped: no mirror"
            continue
        if git(git_dir, "cat-file", "-e", f"{e.commit}^{{commit}}").returncode != 0:
            e.status = "skipped: commit missing from mirror"
            continue
        wanted_ids = {r.file_id: r.ext for r in rows}
        chosen: dict[str, tuple[str, str]] = {}
        for sha, path in tree_blobs(git_dir, e.commit):
            fid = file_id(path)
            if fid in wanted_ids and extension(path) == wanted_ids[fid] and fid not in chosen:
                chosen[fid] = (sha, path)
        dest = work / e.meta
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir(parents=True)
        written = write_blobs(git_dir, list(chosen.values()), dest)
        chosen = {fid: sp for fid, sp in chosen.items() if sp[1] in written}
        e.files = len(chosen)
        e.missing_files = len(set(wanted_ids) - set(chosen))
        for r in rows:
            if r.file_id not in chosen:
                continue
            labels.setdefault((e.meta, chosen[r.file_id][1]), []).append(r)
            e.labels += 1
        e.t_labels = len({
            (r.file_id, r.start, r.end) for r in rows if r.truth == "T" and r.file_id in chosen
        })
        e.languages = repo_languages(extension(p) for _s, p in chosen.values())
    return labels


# ---------------------------------------------------------------------------- tools


@dataclass
class ToolRun:
    name: str
    version: str = ""
    seconds: float = 0.0
    status: str = "ok"
    lines: set[tuple[Key, int]] = field(default_factory=set)
    gating: set[tuple[Key, int]] | None = None


def _timed(
    cmd: list[str], cwd: Path | None = None, env: Mapping[str, str] | None = None,
) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False,
                          env=None if env is None else dict(env))
    return proc, time.perf_counter() - started


def _version(cmd: list[str], env: Mapping[str, str] | None = None) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False,
                          env=None if env is None else dict(env))
    if proc.returncode != 0:
        return ""
    return (proc.stdout or proc.stderr).strip().splitlines()[-1][:60]


def override_policies(folder: Path, params: Mapping[str, object]) -> Path:
    """A policy folder that overrides the rule's parameters with ``params`` (the audit runs
    with ``--no-repo-config``: a parameter cannot come from a configuration file in WORK)."""
    rule = yaml.safe_load((ROOT / "policies" / "rules" / f"{RULE}.yaml").read_text("utf-8"))
    rule["params"] = {**(rule.get("params") or {}), **params}
    (folder / "rules").mkdir(parents=True, exist_ok=True)
    (folder / "rules" / f"{RULE}.yaml").write_text(yaml.safe_dump(rule), encoding="utf-8")
    return folder


def ml_policies(folder: Path) -> Path:
    """A policy folder that overrides the rule with ``ml_validator: true``."""
    return override_policies(folder, {"ml_validator": True})


def run_charter(
    work: Path, debug: list[str], *, ml: bool = False, sweep: bool = False
) -> ToolRun:
    """charter's rule; ``ml``: with its optional ML stage (CredSweeper's model judges the
    look-alikes charter's value judge leaves out; needs ``charter[ml]`` in this Python);
    ``sweep``: with ``outside_source: all`` (everything reported in tests, fixtures, examples
    and docs too)."""
    # the charter of this checkout (its src/ first), whatever is installed
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])}
    params: dict[str, object] = {}
    if ml:
        params["ml_validator"] = True
    if sweep:
        params["outside_source"] = "all"
    name = "charter" + ("-all" if sweep else "") + ("+ML" if ml else "")
    run = ToolRun(name, _version([sys.executable, "-m", "charter", "--version"], env))
    with tempfile.TemporaryDirectory(prefix="creddata-charter-") as tmp:
        out = Path(tmp) / "report.json"
        extra = (
            ["--policies", str(override_policies(Path(tmp) / "policies", params))]
            if params else []
        )
        proc, run.seconds = _timed([
            sys.executable, "-m", "charter", "audit", str(work), "--format", "json",
            "--select", RULE, "--no-cache", "--no-repo-config", "--fail-on", "none",
            "--output", str(out), *extra,
        ], env=env)
        if proc.returncode not in (0, 1) or not out.is_file():
            run.status = f"failed ({proc.returncode}): {proc.stderr.strip()[-300:]}"
            return run
        report = json.loads(out.read_text(encoding="utf-8"))
    run.gating = set()
    for f in report["findings"]:
        if f["rule"] != RULE or not f.get("line"):
            continue
        key = split_reported(work, f["path"])
        if key is None:
            continue
        run.lines.add((key, int(f["line"])))
        if not f.get("advisory") and not f.get("suppressed"):
            run.gating.add((key, int(f["line"])))
        debug.append(f"{name}\t{key[0]}/{key[1]}:{f['line']}\t"
                     f"{'advisory' if f.get('advisory') else 'gating'}\t{f['message'][:120]}")
    return run


def run_detect_secrets(work: Path, venv: Path, debug: list[str]) -> ToolRun:
    exe = venv / "bin" / "detect-secrets"
    run = ToolRun("detect-secrets")
    if not exe.is_file():
        run.status = f"not installed in {venv}"
        return run
    run.version = _version([str(exe), "--version"])
    proc, run.seconds = _timed([str(exe), "scan", "--all-files"], cwd=work)
    if proc.returncode != 0:
        run.status = f"failed ({proc.returncode}): {proc.stderr.strip()[-300:]}"
        return run
    for path, items in json.loads(proc.stdout)["results"].items():
        key = split_reported(work, path)
        if key is None:
            continue
        for item in items:
            run.lines.add((key, int(item["line_number"])))
            where = f"{key[0]}/{key[1]}:{item['line_number']}"
            debug.append(f"detect-secrets\t{where}\t{item['type']}")
    return run


def run_credsweeper(work: Path, venv: Path, debug: list[str]) -> ToolRun:
    exe = venv / "bin" / "credsweeper"
    run = ToolRun("CredSweeper")
    if not exe.is_file():
        run.status = f"not installed in {venv}"
        return run
    run.version = _version([str(exe), "--version"])
    with tempfile.TemporaryDirectory(prefix="creddata-credsweeper-") as tmp:
        out = Path(tmp) / "out.json"
        proc, run.seconds = _timed([
            str(exe), "--path", str(work), "--save-json", str(out), "--no-stdout",
            "--jobs", str(os.cpu_count() or 1),
        ])
        if proc.returncode != 0 or not out.is_file():
            run.status = f"failed ({proc.returncode}): {proc.stderr.strip()[-300:]}"
            return run
        # the JSON holds the values: read, mask, and let the folder go
        items = json.loads(out.read_text(encoding="utf-8"))
    for item in items:
        for ld in item.get("line_data_list", []):
            key = split_reported(work, ld["path"])
            if key is None:
                continue
            run.lines.add((key, int(ld["line_num"])))
            debug.append(f"CredSweeper\t{key[0]}/{key[1]}:{ld['line_num']}\t{item['rule']}\t"
                         f"{mask(str(ld.get('value') or ''))}")
    return run


def run_gitleaks(work: Path, debug: list[str]) -> ToolRun:
    run = ToolRun("gitleaks")
    exe = shutil.which("gitleaks")
    if exe is None:
        run.status = "not available offline (no gitleaks binary on PATH)"
        return run
    run.version = _version([exe, "version"])
    with tempfile.TemporaryDirectory(prefix="creddata-gitleaks-") as tmp:
        out = Path(tmp) / "out.json"
        proc, run.seconds = _timed([
            exe, "detect", "--no-git", "--source", str(work), "--report-format", "json",
            "--report-path", str(out), "--redact", "--exit-code", "0",
        ])
        if proc.returncode != 0 or not out.is_file():
            run.status = f"failed ({proc.returncode}): {proc.stderr.strip()[-300:]}"
            return run
        items = json.loads(out.read_text(encoding="utf-8"))
    for item in items or []:
        key = split_reported(work, item["File"])
        if key is None:
            continue
        run.lines.add((key, int(item["StartLine"])))
        debug.append(f"gitleaks\t{key[0]}/{key[1]}:{item['StartLine']}\t{item['RuleID']}")
    return run


# ---------------------------------------------------------------------------- report


def _path_class(path: str) -> str:
    if str(ROOT / "src") not in sys.path:  # this checkout's classifier, whatever is installed
        sys.path.insert(0, str(ROOT / "src"))
    try:
        from charter.pathclass import PathClassifier
    except ImportError:  # pragma: no cover - charter is installed where this runs
        return "?"
    return PathClassifier().by_path(path)


def _counter_table(title: str, counts: Counter[str], top: int = 15) -> list[str]:
    lines = [f"| {title} | count |", "|---|---:|"]
    for name, n in counts.most_common(top):
        lines.append(f"| {name or '(none)'} | {n} |")
    rest = sum(counts.values()) - sum(n for _, n in counts.most_common(top))
    if rest:
        lines.append(f"| (other) | {rest} |")
    return lines


def breakdown(s: Score, labels: Mapping[Key, list[Label]]) -> list[str]:
    """charter's false positives and misses by CredData category, path class and extension."""
    del labels
    out: list[str] = []
    fp_reason = Counter(reason for _k, _l, reason, _c in s.false_lines)
    fp_cat = Counter(cat for _k, _l, _r, cat in s.false_lines)
    fp_class = Counter(_path_class(k[1]) for k, _l, _r, _c in s.false_lines)
    fp_ext = Counter(extension(k[1]) or "(none)" for k, _l, _r, _c in s.false_lines)
    fp_group = Counter(file_group(extension(k[1])) for k, _l, _r, _c in s.false_lines)
    miss_cat = Counter(cat for _k, _l, cat in s.missed)
    miss_class = Counter(_path_class(k[1]) for k, _l, _c in s.missed)
    miss_ext = Counter(extension(k[1]) or "(none)" for k, _l, _c in s.missed)
    miss_group = Counter(file_group(extension(k[1])) for k, _l, _c in s.missed)
    sections = [
        (f"**False positives: {s.fp}** (reported lines outside every T label)", [
            ("label of the line", fp_reason), ("CredData category (F/X lines)", fp_cat),
            ("charter path class", fp_class), ("file group", fp_group), ("extension", fp_ext),
        ]),
        (f"**Misses: {len(s.missed)}** (T labels with no reported line)", [
            ("CredData category", miss_cat), ("charter path class", miss_class),
            ("file group", miss_group), ("extension", miss_ext),
        ]),
    ]
    for heading, tables in sections:
        out.extend([heading, ""])
        for title, counts in tables:
            out.extend([*_counter_table(title, counts), ""])
    return out


def ml_delta(
    runs: list[ToolRun], scores: Mapping[str, Score], labels: Mapping[Key, list[Label]],
) -> list[str]:
    """What the ML stage adds to charter alone: the lines only charter+ML reports, scored,
    and the CredData categories of the T labels it detects that charter alone misses."""
    by_name = {r.name: r for r in runs}
    added = by_name["charter+ML"].lines - by_name["charter"].lines
    s = score(labels, added)
    gained = Counter(c for _, _, c in scores["charter"].missed)
    gained.subtract(Counter(c for _, _, c in scores["charter+ML"].missed))
    return [
        f"The ML stage adds {s.reported} lines to charter's: {s.tp} inside a T label, "
        f"{s.fp} not ({s.precision:.2f} precision); CredSweeper's model was trained on "
        "CredData, so these figures are in-sample and optimistic.",
        "",
        *_counter_table("T labels the ML stage detects that charter alone misses",
                        +gained),
    ]


def render(
    entries: list[RepoEntry], runs: list[ToolRun], scores: dict[str, Score],
    labels: Mapping[Key, list[Label]], work_files: int,
) -> str:
    used = [e for e in entries if e.status == "used"]
    t_total = sum(e.t_labels for e in used)
    lines = [
        "## Results",
        "",
        f"{len(used)} repositories, {work_files} files, "
        f"{sum(e.labels for e in used)} labels, {t_total} T labels "
        f"(one run, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs).",
        "",
        "| tool | version | reported lines | TP | FP | T detected | precision | recall | F1 "
        "| time (s) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        if run.status != "ok":
            lines.append(f"| {run.name} | {run.status} | | | | | | | | |")
            continue
        for name, s in ((run.name, scores[run.name]),
                        *(((f"{run.name} (gating only)", scores[f"{run.name}:gating"]),)
                          if run.gating is not None else ())):
            time_cell = f"{run.seconds:.1f}" if name == run.name else "(same run)"
            lines.append(
                f"| {name} | {run.version if name == run.name else ''} | {s.reported} | {s.tp} "
                f"| {s.fp} | {s.detected}/{s.t_labels} | {s.precision:.2f} | {s.recall:.2f} "
                f"| {s.f1:.2f} | {time_cell} |"
            )
    if "charter" in scores and "charter+ML" in scores:
        lines += ["", *ml_delta(runs, scores, labels)]
    lines += ["", "### charter: where it goes wrong", ""]
    if "charter" in scores:
        lines += breakdown(scores["charter"], labels)
    lines += [
        "### Repositories", "",
        "| repository | commit | meta | status | files | labels | T | missing files | languages |",
        "|---|---|---|---|---:|---:|---:|---:|---|",
    ]
    for e in entries:
        lines.append(
            f"| {e.repo} | {e.commit[:12]} | {e.meta} | {e.status} | {e.files} | {e.labels} "
            f"| {e.t_labels} | {e.missing_files} | {', '.join(e.languages)} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="charter, detect-secrets, CredSweeper and gitleaks on CredData-labelled "
        "files of public repositories (line-level precision, recall, F1, wall time).",
        epilog="Needs git, the CredData git directory and a local mirror of each listed "
        "repository (MIRRORS/owner+name/repo). Not run by the test suite.",
    )
    parser.add_argument("--repos", type=Path, default=DEFAULT_REPOS,
                        help="YAML list of repositories and commits [%(default)s]")
    parser.add_argument("--creddata", type=Path, default=DEFAULT_CREDDATA,
                        help="CredData git directory [%(default)s]")
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS,
                        help="folder of repository mirrors, owner+name/repo [%(default)s]")
    parser.add_argument("--reserved", type=Path, default=DEFAULT_RESERVED,
                        help="repositories never to use [%(default)s]")
    parser.add_argument("--work", type=Path, default=Path("/work/creddata"),
                        help="scratch folder for the rebuilt files, emptied first [%(default)s]")
    parser.add_argument("--peers-venv", type=Path, default=Path("/tmp/peers-venv"),
                        help="virtualenv with detect-secrets and credsweeper [%(default)s]")
    parser.add_argument("--tools", default="charter,detect-secrets,credsweeper,gitleaks",
                        help="comma list of tools to run; charter-all: charter with "
                        "outside_source: all (the sweep of tests, fixtures, examples and docs); "
                        "charter-ml: charter with its optional ML stage (needs charter[ml]) "
                        "[%(default)s]")
    parser.add_argument("--output", type=Path, help="write the Markdown results here")
    parser.add_argument("--json", type=Path, help="write the counts as JSON here")
    parser.add_argument("--debug", type=Path,
                        help="one masked line per finding (keep it outside the repository)")
    parser.add_argument("--keep-work", action="store_true",
                        help="do not empty --work first (each listed repository is rewritten)")
    args = parser.parse_args(argv)

    reserved = load_reserved(args.reserved)
    raw = yaml.safe_load(args.repos.read_text(encoding="utf-8"))
    entries = [RepoEntry(r["repo"], r["commit"], r["meta"]) for r in raw["repositories"]]
    clash = sorted(e.repo for e in entries if e.repo.lower() in reserved)
    if clash:
        raise SystemExit(f"reserved repositories listed: {', '.join(clash)}")
    work = args.work.resolve()
    if ROOT in (work, *work.parents):
        raise SystemExit("--work must be outside the charter repository")
    if not args.keep_work:
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    print(f"building {len(entries)} repositories in {work}", file=sys.stderr)
    labels = build(entries, args.creddata, args.mirrors, work)
    for e in entries:
        if e.status != "used":
            print(f"  {e.repo}: {e.status}", file=sys.stderr)
    work_files = sum(1 for p in work.rglob("*") if p.is_file())

    tools = {t.strip().lower() for t in args.tools.split(",") if t.strip()}
    debug: list[str] = []
    runs: list[ToolRun] = []
    if "charter" in tools:
        runs.append(run_charter(work, debug))
    if "charter-all" in tools:
        runs.append(run_charter(work, debug, sweep=True))
    if "charter-ml" in tools:
        runs.append(run_charter(work, debug, ml=True))
    if "detect-secrets" in tools:
        runs.append(run_detect_secrets(work, args.peers_venv, debug))
    if "credsweeper" in tools:
        runs.append(run_credsweeper(work, args.peers_venv, debug))
    if "gitleaks" in tools:
        runs.append(run_gitleaks(work, debug))
    scores: dict[str, Score] = {}
    for run in runs:
        print(f"  {run.name}: {run.status}, {len(run.lines)} lines, {run.seconds:.1f}s",
              file=sys.stderr)
        if run.status != "ok":
            continue
        scores[run.name] = score(labels, run.lines)
        if run.gating is not None:
            scores[f"{run.name}:gating"] = score(labels, run.gating)
    text = render(entries, runs, scores, labels, work_files)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        print(text)
    if args.json:
        args.json.write_text(json.dumps({
            name: {"reported": s.reported, "tp": s.tp, "fp": s.fp, "t_labels": s.t_labels,
                   "detected": s.detected, "precision": round(s.precision, 4),
                   "recall": round(s.recall, 4), "f1": round(s.f1, 4)}
            for name, s in scores.items()
        } | {"_time_s": {r.name: round(r.seconds, 2) for r in runs}}, indent=2) + "\n",
            encoding="utf-8")
    if args.debug:
        args.debug.write_text("\n".join(debug) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
