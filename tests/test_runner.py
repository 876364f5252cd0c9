"""Parallel runs and the result cache must not change what an audit reports."""

from __future__ import annotations

import faulthandler
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from helpers import write_tree

from charter import api
from charter.analyzers import REGISTRY
from charter.analyzers.base import Analyzer, AstAnalyzer
from charter.engine import AuditOptions, run_audit
from charter.policy import PolicySet, Profile, ProfileRuleRef


def _tree(root: Path, n: int = 80) -> Path:
    files = {f"src/pkg/mod{i}.py": f"def f{i}(x):\n    return x\n" for i in range(n)}
    files["src/pkg/__init__.py"] = ""
    files["src/pkg/ok.py"] = "def ok() -> int:\n    return 1\n"
    files["pyproject.toml"] = "[project]\nname = 'pkg'\nversion = '1'\n"
    return write_tree(root, files)


def _json(report) -> dict:
    data = report.model_dump(mode="json")
    data.pop("timing")
    return data


def test_pool_and_sequential_give_identical_reports(tmp_path: Path, policies: PolicySet):
    root = _tree(tmp_path / "repo")
    profiles = [policies.profiles["backend-polyglot"]]
    one = run_audit(root, policies, profiles, AuditOptions(jobs=1))
    two = run_audit(root, policies, profiles, AuditOptions(jobs=2))
    assert _json(one) == _json(two)
    lines = sorted(f"{f.path}:{f.line}" for f in two.findings if f.rule == "type-hints")
    assert lines == sorted(f"src/pkg/mod{i}.py:1" for i in range(80))


def test_warm_cache_reuses_every_file_and_matches_cold(tmp_path: Path):
    root = _tree(tmp_path / "repo")
    cache = tmp_path / "cache"
    opts = api.Options(profiles=("backend-polyglot",), use_cache=True, cache_dir=cache)
    cold = api.audit(root, opts)
    warm = api.audit(root, opts)
    assert cold.timing["cache_hits"] == 0
    assert warm.timing["cache_misses"] == 0
    assert warm.timing["cache_hits"] == cold.files_scanned
    assert _json(cold) == _json(warm)
    assert (cache / ".gitignore").read_text(encoding="utf-8").strip().endswith("*")


def test_changed_file_is_reanalyzed(tmp_path: Path):
    root = _tree(tmp_path / "repo", n=3)
    opts = api.Options(profiles=("backend-polyglot",), use_cache=True, cache_dir=tmp_path / "c")
    first = api.audit(root, opts)
    assert "src/pkg/mod1.py" in {f.path for f in first.findings if f.rule == "type-hints"}
    (root / "src/pkg/mod1.py").write_text("def f1(x: int) -> int:\n    return x\n")
    second = api.audit(root, opts)
    assert second.timing["cache_misses"] == 1
    assert "src/pkg/mod1.py" not in {f.path for f in second.findings if f.rule == "type-hints"}


def test_repo_rule_reruns_when_a_file_it_read_changes(tmp_path: Path):
    root = _tree(tmp_path / "repo", n=1)
    opts = api.Options(profiles=("backend-polyglot",), use_cache=True, cache_dir=tmp_path / "c")
    status = lambda r: next(x.status.value for x in r.rules if x.id == "src-layout")  # noqa: E731
    assert status(api.audit(root, opts)) == "pass"
    (root / "pyproject.toml").unlink()
    (root / "setup.py").write_text("from setuptools import setup\nsetup()\n")
    report = api.audit(root, opts)
    assert status(report) == "fail"
    assert ("src-layout", "setup.py", 1) in {(f.rule, f.path, f.line) for f in report.findings}


def test_policy_change_invalidates_the_cache(tmp_path: Path):
    root = _tree(tmp_path / "repo", n=2)
    extra = write_tree(
        tmp_path / "pol",
        {"profiles/mine.yaml": "id: mine\ntitle: mine only\nrules:\n  - id: type-hints\n"},
    )
    cache = tmp_path / "c"
    opts = api.Options(profiles=("mine",), policy_dirs=(extra,), use_cache=True, cache_dir=cache)
    api.audit(root, opts)
    (extra / "profiles/mine.yaml").write_text(
        "id: mine\ntitle: mine only\nrules:\n"
        "  - id: type-hints\n    params: {include_tests: true}\n"
    )
    again = api.audit(root, opts)
    assert again.timing["cache_hits"] == 0


def test_corrupt_cache_is_ignored(tmp_path: Path):
    root = _tree(tmp_path / "repo", n=2)
    cache = tmp_path / "c"
    opts = api.Options(profiles=("backend-polyglot",), use_cache=True, cache_dir=cache)
    cold = api.audit(root, opts)
    stored = sorted(p.suffix for p in cache.iterdir() if p.name != ".gitignore")
    assert stored == [".jsonl", ".report"]
    for f in cache.glob("*.jsonl"):
        f.write_text("{not json", encoding="utf-8")
    again = api.audit(root, opts)
    assert json.dumps(_json(cold)) == json.dumps(_json(again))
    # a stored report cut short, or one whose JSON is not a report, is recomputed
    for bad in ('{"key": 1', "{}\n{}", ""):
        for f in cache.glob("*.report"):
            f.write_text(bad, encoding="utf-8")
        for f in cache.glob("*.jsonl"):
            f.write_text("{not json", encoding="utf-8")
        redone = api.audit(root, opts)
        assert "report_reused" not in redone.timing
        assert json.dumps(_json(cold)) == json.dumps(_json(redone))

    # a result cache cut mid-line, or with a damaged entry: what is left is used, the rest is
    # analyzed again, and the report is the same
    (stored_cache,) = cache.glob("*.jsonl")
    text = stored_cache.read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[1].startswith("F\t")
    damaged = "\n".join([lines[0], lines[1].replace("\t{", "\t{oops", 1), *lines[2:]])
    for broken in (text[: len(text) // 2], damaged, text + "\nF\tnot json\tx\t{}"):
        stored_cache.write_text(broken, encoding="utf-8")
        for f in cache.glob("*.report"):
            f.unlink()
        redone = api.audit(root, opts)
        assert json.dumps(_json(cold)) == json.dumps(_json(redone))
    stored_cache.write_text(damaged, encoding="utf-8")
    for f in cache.glob("*.report"):
        f.unlink()
    assert api.audit(root, opts).timing["cache_misses"] == 1  # the damaged entry only


def _with_probe(policies: PolicySet, monkeypatch, probe: type[AstAnalyzer]):
    """Policies with a test-only rule run by ``probe``, and a profile of it and type-hints."""
    monkeypatch.setitem(REGISTRY, probe.name, probe)
    rule = policies.rules["type-hints"].model_copy(
        update={"id": probe.name, "analyzer": probe.name, "params": {}}
    )
    merged = PolicySet(
        rules={**policies.rules, probe.name: rule}, profiles=policies.profiles, dirs=policies.dirs
    )
    profile = Profile(
        id="p",
        title="probe test",
        rules=(ProfileRuleRef(id="type-hints"), ProfileRuleRef(id=probe.name)),
    )
    return merged, profile


class _Crasher(AstAnalyzer):
    """Kills its worker process on one file, as a native parser bug would."""

    name = "crasher"
    PARENT = os.getpid()

    def visit_Module(self, node) -> None:
        if self.file.path.endswith("mod7.py") and os.getpid() != self.PARENT:
            # the worker inherits pytest's faulthandler, whose dump ("Fatal Python error:
            # Segmentation fault" and every thread's stack) would read as a broken suite
            faulthandler.disable()
            os.kill(os.getpid(), signal.SIGSEGV)


def test_a_file_that_kills_its_worker_is_skipped_and_nothing_else_is_lost(
    tmp_path: Path, policies: PolicySet, monkeypatch
):
    merged, profile = _with_probe(policies, monkeypatch, _Crasher)
    root = _tree(tmp_path / "repo")
    report = run_audit(root, merged, [profile], AuditOptions(jobs=2))
    hints = {f.path for f in report.findings if f.rule == "type-hints"}
    assert hints == {f"src/pkg/mod{i}.py" for i in range(80) if i != 7}
    skipped = [(f.path, f.message) for f in report.findings if f.rule == "parse-error"]
    assert skipped == [
        ("src/pkg/mod7.py", "skipped: analyzing this file crashed the worker process")
    ]


def test_the_deliberate_worker_crash_prints_no_fatal_error_dump(tmp_path: Path):
    """The crash above is on purpose: the suite's output must not show a crash dump."""
    test = "tests/test_runner.py::test_a_file_that_kills_its_worker_is_skipped_and_nothing_else"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-o", "addopts=", "-p", "no:cacheprovider",
         test + "_is_lost"],
        cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout
    assert "Fatal Python error" not in proc.stdout + proc.stderr
    assert "Segmentation fault" not in proc.stdout + proc.stderr


class _Sleeper(AstAnalyzer):
    """Hangs on one file, as a pathological input would."""

    name = "sleeper"

    def visit_Module(self, node) -> None:
        if self.file.path.endswith("mod1.py"):
            time.sleep(30)


def test_a_file_over_the_time_cap_is_skipped_and_the_rest_is_reported(
    tmp_path: Path, policies: PolicySet, monkeypatch
):
    merged, profile = _with_probe(policies, monkeypatch, _Sleeper)
    root = _tree(tmp_path / "repo", n=3)
    started = time.perf_counter()
    report = run_audit(root, merged, [profile], AuditOptions(jobs=1, max_file_seconds=0.5))
    assert time.perf_counter() - started < 10
    assert {f.path for f in report.findings if f.rule == "type-hints"} == {
        "src/pkg/mod0.py", "src/pkg/mod2.py"
    }
    assert [(f.path, f.message) for f in report.findings if f.rule == "parse-error"] == [
        ("src/pkg/mod1.py", "skipped: analysis took over 0.5 s (max-file-seconds)")
    ]


# --- the report cache: a warm run with nothing changed reuses the finished report ------------


def test_warm_run_reuses_the_finished_report_and_it_is_identical(tmp_path: Path):
    root = _tree(tmp_path / "repo", n=5)
    opts = api.Options(use_cache=True, cache_dir=tmp_path / "c")
    cold = api.audit(root, opts)
    warm = api.audit(root, opts)
    assert "report_reused" not in cold.timing
    assert warm.timing["report_reused"] == 1
    assert warm.timing["cache_hits"] == cold.files_scanned
    assert _json(cold) == _json(warm)
    assert [f.sort_key for f in warm.findings] == [f.sort_key for f in cold.findings]


def test_report_is_not_reused_when_a_file_a_baseline_or_an_option_changes(tmp_path: Path):
    root = _tree(tmp_path / "repo", n=3)
    cache = tmp_path / "c"
    opts = api.Options(profiles=("backend-polyglot",), use_cache=True, cache_dir=cache)
    api.audit(root, opts)
    (root / "src/pkg/mod1.py").write_text("def f1(x: int) -> int:\n    return x\n")
    changed = api.audit(root, opts)
    assert "report_reused" not in changed.timing
    assert "src/pkg/mod1.py" not in {f.path for f in changed.findings}
    assert api.audit(root, opts).timing.get("report_reused") == 1
    # another option, another report: the same rules without one profile's worth of findings
    narrower = api.audit(root, api.Options(profiles=("backend-conventions",), use_cache=True,
                                           cache_dir=cache))
    assert "report_reused" not in narrower.timing
    assert {p.id for p in narrower.profiles} == {"backend-conventions"}
    # a baseline is part of the set-up: writing one changes what is active
    baseline = tmp_path / "baseline.json"
    api.write_baseline(root, baseline, opts)
    with_baseline = api.audit(root, api.Options(profiles=("backend-polyglot",), use_cache=True,
                                                cache_dir=cache, baseline=baseline))
    assert "report_reused" not in with_baseline.timing
    assert with_baseline.findings and all(f.baselined for f in with_baseline.findings
                                          if f.rule == "type-hints")


class _ProbeExists(Analyzer):
    """A repo rule that depends on a path outside the audited files (an excluded one)."""

    name = "probe-exists"

    def check_repo(self, repo, out) -> None:
        if repo.exists("notes/flag.txt"):
            out.report(1, "notes/flag.txt is present", path="notes/flag.txt")


def test_report_is_recomputed_when_a_path_a_repo_rule_probed_appears(
    tmp_path: Path, monkeypatch
):
    """The report cache keys on the discovered files *and* on every path a repo rule read or
    probed outside them: here an excluded file whose existence the rule checks."""
    monkeypatch.setitem(REGISTRY, _ProbeExists.name, _ProbeExists)
    pol = write_tree(
        tmp_path / "pol",
        {
            "rules/probe-exists.yaml": (
                "id: probe-exists\ntitle: probe\nseverity: high\nanalyzer: probe-exists\n"
                "applicability: always\ndocs: {what: a flag file exists, why: a test probe}\n"
                "sources: [{profile: probe, quote: keep the flag}]\n"
            ),
            "profiles/probe.yaml": "id: probe\ntitle: probe\nrules:\n  - id: probe-exists\n",
        },
    )
    root = _tree(tmp_path / "repo", n=1)
    opts = api.Options(profiles=("probe",), policy_dirs=(pol,), exclude=("notes/",),
                       use_cache=True, cache_dir=tmp_path / "c")
    status = lambda r: next(x.status.value for x in r.rules if x.id == "probe-exists")  # noqa: E731
    assert status(api.audit(root, opts)) == "pass"
    assert api.audit(root, opts).timing.get("report_reused") == 1
    (root / "notes").mkdir()
    (root / "notes/flag.txt").write_text("x\n")
    again = api.audit(root, opts)
    assert "report_reused" not in again.timing
    assert status(again) == "fail"


def test_a_skip_for_the_time_cap_is_never_cached(tmp_path: Path, policies: PolicySet, monkeypatch):
    """A time-capped file is this run's problem, not the file's: the next run analyzes it."""
    merged, profile = _with_probe(policies, monkeypatch, _Sleeper)
    root = _tree(tmp_path / "repo", n=3)
    opts = AuditOptions(jobs=1, max_file_seconds=0.5, cache_dir=tmp_path / "c")
    first = run_audit(root, merged, [profile], opts)
    assert [f.path for f in first.findings if f.rule == "parse-error"] == ["src/pkg/mod1.py"]
    again = run_audit(root, merged, [profile], opts)
    assert again.timing["cache_misses"] == 1  # mod1.py, analyzed (and capped) again


class _SetFact(AstAnalyzer):
    """Records a fact JSON cannot hold (a set) on one file: an analyzer bug."""

    name = "set-fact"

    def visit_Module(self, node) -> None:
        if self.file.path.endswith("mod1.py"):
            self.out.fact({"a", "b"})


def test_a_fact_json_cannot_hold_costs_only_that_files_cache_entry(
    tmp_path: Path, policies: PolicySet, monkeypatch
):
    merged, profile = _with_probe(policies, monkeypatch, _SetFact)
    root = _tree(tmp_path / "repo", n=4)
    opts = AuditOptions(jobs=1, cache_dir=tmp_path / "c")
    first = run_audit(root, merged, [profile], opts)
    again = run_audit(root, merged, [profile], opts)
    assert again.timing["cache_misses"] == 1  # src/pkg/mod1.py only
    assert again.timing["cache_hits"] == first.files_scanned - 1
    assert _json(first) == _json(again)


def test_a_repo_rule_is_reused_until_something_it_reads_changes(tmp_path: Path, monkeypatch):
    """A repo-level rule's cached result is keyed by what it read (files and their content)
    and what it asked of the file list (``named``, ``select``, ``answer``...), not by the whole
    list: a file it never looks at leaves it reused; a change to one it reads, or a new file
    its lookups find, runs it again. The status is always the uncached audit's."""
    from charter.analyzers.repo.ruff_configured import RuffConfiguredAnalyzer

    runs: list[str] = []
    check = RuffConfiguredAnalyzer.check_repo

    def counted(self, repo, out):
        runs.append(self.instance_key)
        return check(self, repo, out)

    monkeypatch.setattr(RuffConfiguredAnalyzer, "check_repo", counted)
    root = _tree(tmp_path / "repo", n=3)
    opts = api.Options(profiles=("backend-conventions",), use_cache=True, cache_dir=tmp_path / "c")

    def status() -> str:
        cached = api.audit(root, opts)
        fresh = api.audit(root, api.Options(profiles=("backend-conventions",)))
        got = {r.id: (r.status, r.message) for r in cached.rules}
        assert got == {r.id: (r.status, r.message) for r in fresh.rules}
        return got["ruff-configured"][0].value

    assert status() == "fail" and len(runs) == 2  # cached audit, then the uncached one
    # unrelated: a document, a new module (a Python project either way)
    write_tree(root, {"docs/guide.md": "# guide\n", "src/pkg/more.py": "X = 1\n"})
    assert status() == "fail" and len(runs) == 3  # only the uncached audit ran it
    # a file it reads changes: pyproject.toml gains [tool.ruff]
    ruff = "[project]\nname = 'pkg'\n\n[tool.ruff]\nline-length = 99\n"
    write_tree(root, {"pyproject.toml": ruff})
    assert status() == "fail" and len(runs) == 5
    # a new file one of its lookups finds: a ruff.toml (no longer judged by the pyproject)
    write_tree(root, {"ruff.toml": "line-length = 80\n"})
    status()
    assert len(runs) == 7
    write_tree(root, {"notes.txt": "n\n"})
    status()
    assert len(runs) == 8


def test_a_cached_fixable_finding_serialises_without_warnings():
    """A finding read back from the cache keeps its fix as the enum: a str made pydantic warn
    once per finding whenever a report was written (thousands of lines on stderr)."""
    import warnings

    from charter.cache import _FINDING_ORDER, _finding, _plain
    from charter.models import Applicability, Finding, Report, Severity, ToolInfo

    found = Finding(rule="r", severity=Severity.LOW, path="a.py", line=1, message="m",
                    fingerprint="f", fix=Applicability.SAFE)  # fmt: skip
    row = json.loads(json.dumps([_plain(getattr(found, n)) for n in _FINDING_ORDER]))
    back = _finding(row)
    assert back == found and back.fix is Applicability.SAFE
    report = Report(tool=ToolInfo(version="0"), target=".", profiles=(), rules=(),
                    findings=(back,), files_scanned=1)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert '"fix":"safe"' in report.model_dump_json()


def test_a_derived_value_carries_what_computing_it_asked_to_every_rule(tmp_path: Path):
    """Rules share a derived value (the CI model, merged facts): each depends on what computing
    it read and asked, also what the rule that computed it had asked before; a value is shared
    across scope views only when asked to, and only while their answers agree."""
    from charter.repo import RepoIndex
    from charter.runner import _TrackingRepo

    root = write_tree(tmp_path / "r", {"Makefile": "all:\n", "app.py": "", "tests/t.py": ""})
    files = ["Makefile", "app.py", "tests/t.py"]
    full = RepoIndex(root, files, classes={"tests/t.py": "test"})
    first, second = _TrackingRepo(full), _TrackingRepo(full)
    first.has("Makefile")  # asked before computing: still an input of the value
    value = first.derived("k", lambda: (first.has("Makefile"), first.source("Makefile").text))
    assert second.derived("k", lambda: None) == value  # computed once
    assert {("has", "Makefile")} <= second.queries and second.read_paths == {"Makefile"}

    # a value computed from what a view captured is its own, per view, unless shared
    source, both = full.scoped(frozenset({"source"})), full.scoped(frozenset({"source", "test"}))
    a, b = _TrackingRepo(source), _TrackingRepo(both)
    count = lambda repo: len(repo.of_kind("python"))  # noqa: E731
    assert a.derived("n", lambda: count(a)) == 1 and b.derived("n", lambda: count(b)) == 2
    assert a.derived("s", lambda: count(a), share=True) == 1
    assert b.derived("s", lambda: count(b), share=True) == 2  # its answers differ: computed
    c = _TrackingRepo(source)
    c._derived.clear()
    assert c.derived("s", lambda: 99, share=True) == 1  # same answers: the shared value


def test_a_cache_file_is_written_when_another_process_made_the_folders_gitignore_first(
    tmp_path: Path, monkeypatch
):
    """Two audits writing to one cache folder at once (history stretches side by side): the
    one whose ``.gitignore`` appears between its check and its create still writes its file."""
    from charter import cache

    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / ".gitignore").write_text("*\n", encoding="utf-8")  # the other process's
    real_exists = Path.exists

    def racing(self: Path, *args, **kwargs) -> bool:  # not there yet when looked at
        return False if self.name == ".gitignore" else real_exists(self, *args, **kwargs)

    monkeypatch.setattr(Path, "exists", racing)
    target = folder / "0123456789abcdef.jsonl"
    cache._write_atomic(folder, target, b'{"format": 1}\n')
    assert target.read_bytes() == b'{"format": 1}\n'
