"""charter on a hostile repository: never crash, never execute, never leave the target.

The corpus (``tests/hostile_corpus.py``) is generated into ``tmp_path``. It is audited

- in-process with an extra "probe" rule (registered only here) that reads every file with every
  parser charter has, so every hostile file must come back as a ``parse-error`` finding with
  the right reason at the right path, found by walking the tree and by ``git ls-files``;
- as a subprocess (``python -m charter audit``) with the built-in profiles, twice, with the
  result cache cold and then warm: same bytes apart from ``timing``.
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

import pytest
from hostile_corpus import CANARY_SECRET, REAL_FINDING, Corpus, build_corpus

from charter import cli
from charter.analyzers import REGISTRY
from charter.analyzers.base import Analyzer, Emitter
from charter.sources import SourceFile

PROBE_KINDS = frozenset(
    {"python", "yaml", "terraform", "dockerfile", "toml", "json", "go", "rust", "typescript"}
)


class HostileProbe(Analyzer):
    """Reads each file with every parser charter has (test only)."""

    name: ClassVar[str] = "hostile-probe"
    kinds: ClassVar[frozenset[str]] = PROBE_KINDS

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        if file.kind == "python":
            _ = (file.python_ast, file.python_cst)
        elif file.kind == "yaml":
            _ = (file.yaml_documents, file.yaml_nodes)
        elif file.kind == "terraform":
            _ = file.hcl
        elif file.kind == "dockerfile":
            _ = file.dockerfile
        elif file.kind in {"toml", "json"}:
            _ = file.toml if file.kind == "toml" else file.json
        else:
            _ = file.syntax_tree


class BrokenAnalyzer(Analyzer):
    """Raises on every Python file, quoting a secret (test only)."""

    name: ClassVar[str] = "broken-probe"
    kinds: ClassVar[frozenset[str]] = frozenset({"python"})

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        raise ValueError(f"boom in {file.path} near token {CANARY_SECRET!r}")


def _policy_dir(base: Path, analyzer: str, rules: tuple[str, ...]) -> Path:
    """A --policies folder with a rule for ``analyzer`` and a profile of it plus ``rules``."""
    folder = base / f"policies-{analyzer}"
    (folder / "rules").mkdir(parents=True, exist_ok=True)
    (folder / "profiles").mkdir(parents=True, exist_ok=True)
    (folder / "rules" / f"{analyzer}.yaml").write_text(
        f"""id: {analyzer}
title: test-only analyzer {analyzer}
severity: low
analyzer: {analyzer}
applicability: never; test only
docs:
  what: A test-only rule registered by tests/test_hostile.py.
  why: It exercises the engine on hostile input.
sources:
  - profile: hostile
    quote: test only
""",
        encoding="utf-8",
    )
    refs = "\n".join(f"  - id: {rule}" for rule in (analyzer, *rules))
    (folder / "profiles" / "hostile.yaml").write_text(
        f"id: hostile\ntitle: hostile input\nrules:\n{refs}\n", encoding="utf-8"
    )
    return folder


def _hostile_profile_args(target: str, policies: Path) -> list[str]:
    return [
        "audit",
        target,
        "--policies",
        str(policies),
        "--profile",
        "hostile",
        "--format",
        "json",
        "--no-cache",
        # the corpus's pyproject.toml is malformed: read as configuration, it stops the audit
        # (test_hostile_pyproject_stops_the_audit_unless_no_repo_config)
        "--no-repo-config",
    ]


def _run_in_process(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> tuple[int, dict[str, Any], str, str]:
    code = cli.main(args)
    captured = capsys.readouterr()
    assert captured.out.startswith("{"), captured.err
    return code, json.loads(captured.out), captured.out, captured.err


def _assert_safe_paths(report: dict[str, Any], corpus: Corpus) -> None:
    """Relative, no '..', inside the target, never a link or FIFO; a finding about the whole
    repository has no path (and no line)."""
    root = corpus.root.resolve()
    for finding in report["findings"]:
        path = finding["path"]
        if not path:
            assert finding["line"] == 0, finding
            continue
        pure = PurePosixPath(path)
        assert not pure.is_absolute(), path
        assert ".." not in pure.parts, path
        assert str(corpus.outside) not in finding["message"], finding
        assert path not in corpus.never, path
        assert not path.startswith(("link_", "loop_")), path
        full = root / path
        linked = any(path == link or path.startswith(f"{link}/") for link in corpus.named_links)
        if path != corpus.odd_byte_name_shown and full.exists() and not linked:
            # an existing file is reached without links (a rule may also name a file to create)
            assert full.resolve() == full, path


def _parse_errors(report: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for finding in report["findings"]:
        if finding["rule"] == "parse-error":
            found.setdefault(finding["path"], []).append(finding["message"])
    return found


def _has_real_finding(report: dict[str, Any]) -> bool:
    rule, path, line = REAL_FINDING
    return any((f["rule"], f["path"], f["line"]) == (rule, path, line) for f in report["findings"])


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return build_corpus(tmp_path_factory.mktemp("hostile"), tiny_files=400)


@pytest.fixture(scope="module")
def git_corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """The same corpus inside a git work tree (files listed by ``git ls-files``)."""
    if shutil.which("git") is None:
        pytest.fail("git is required by these tests")
    built = build_corpus(tmp_path_factory.mktemp("hostile-git"), tiny_files=50)
    subprocess.run(["git", "init", "-q"], cwd=built.root, check=True)
    # a prepared .git/config (e.g. from an archive) names a command for git to run
    marker = built.root.parent / "markers" / "fsmonitor.marker"
    built.markers.append(marker)
    subprocess.run(
        ["git", "config", "core.fsmonitor", f"touch '{marker}'; echo"], cwd=built.root, check=True
    )
    return built


@pytest.mark.parametrize("variant", ["walk", "git"])
def test_every_hostile_file_becomes_a_finding(
    variant: str,
    corpus: Corpus,
    git_corpus: Corpus,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = corpus if variant == "walk" else git_corpus
    monkeypatch.setitem(REGISTRY, HostileProbe.name, HostileProbe)
    policies = _policy_dir(tmp_path, HostileProbe.name, ("type-hints",))
    code, report, out, err = _run_in_process(
        capsys, _hostile_profile_args(str(target.root), policies)
    )

    assert code in (0, 1), err
    assert "Traceback" not in err
    assert [r["id"] for r in report["rules"] if r["status"] == "error"] == []
    found = _parse_errors(report)
    for path, reason in sorted(target.parse_errors.items()):
        shown = target.shown(path)
        assert shown in found, f"no parse-error for {shown}"
        assert any(reason in message for message in found[shown]), (shown, found[shown])
    for path in target.clean:
        assert path not in found, (path, found.get(path))
    assert _has_real_finding(report)
    _assert_safe_paths(report, target)
    assert CANARY_SECRET not in out + err
    for marker in target.markers:
        assert not marker.exists(), f"audited code ran: {marker.name}"


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CHARTER_DEBUG"}
    return subprocess.run(
        [sys.executable, "-m", "charter", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )


def _without_timing(text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text)
    data.pop("timing", None)
    return data


def _json_diff(first: dict[str, Any], second: dict[str, Any]) -> str:
    a, b = (json.dumps(d, indent=1, sort_keys=True).splitlines() for d in (first, second))
    return "\n".join(list(difflib.unified_diff(a, b, lineterm="", n=2))[:60])


def test_subprocess_audit_is_safe_and_deterministic(corpus: Corpus, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = tmp_path / "first.json"
    second = tmp_path / "second.json"
    runs = [
        _cli(
            "audit",
            str(corpus.root),
            "--format",
            "json",
            "--output",
            str(out),
            "--cache-dir",
            str(cache),
            "--repo-profiles",
            "--no-repo-config",
            "--jobs",
            jobs,
            cwd=tmp_path,
        )
        for out, jobs in ((first, "2"), (second, "1"))
    ]
    for run in runs:
        assert run.returncode in (0, 1), run.stderr
        assert "Traceback" not in run.stderr
        assert CANARY_SECRET not in run.stderr
    text_1 = first.read_text(encoding="utf-8")
    text_2 = second.read_text(encoding="utf-8")
    assert CANARY_SECRET not in text_1
    # cold cache and 2 workers, then warm cache and 1 worker: the same report
    report_1, report_2 = _without_timing(text_1), _without_timing(text_2)
    assert report_1 == report_2, _json_diff(report_1, report_2)
    assert text_1.split('"timing"')[0] == text_2.split('"timing"')[0]

    report = json.loads(text_1)
    assert [r["id"] for r in report["rules"] if r["status"] == "error"] == []
    assert _has_real_finding(report)
    _assert_safe_paths(report, corpus)
    found = _parse_errors(report)
    # the built-in rules always parse Python, and read CI workflows and pyproject.toml
    for path, reason in corpus.parse_errors.items():
        if path.endswith(".py") or path.startswith(".github/") or path == "pyproject.toml":
            if path in corpus.cst_only:
                continue  # LibCST-only limits: only when a LibCST rule reads the file
            shown = corpus.shown(path)
            assert shown in found, shown
            assert any(reason in message for message in found[shown]), (shown, found[shown])
    for marker in corpus.markers:
        assert not marker.exists(), f"audited code ran: {marker.name}"


def test_hostile_pyproject_stops_the_audit_unless_no_repo_config(
    corpus: Corpus, tmp_path: Path
) -> None:
    """charter reads [tool.charter] from the corpus's malformed pyproject.toml: exit 2 and one
    line naming the file and line, never a gate run with defaults instead."""
    run = _cli("audit", str(corpus.root), "--no-cache", cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert f"{corpus.root / 'pyproject.toml'}:1: invalid TOML" in run.stderr


def test_sarif_is_deterministic(corpus: Corpus, tmp_path: Path) -> None:
    runs = [
        _cli(
            "audit",
            str(corpus.root),
            "--format",
            "sarif",
            "--no-cache",
            "--no-repo-config",
            "--jobs",
            jobs,
            cwd=tmp_path,
        )
        for jobs in ("2", "1")
    ]
    for run in runs:
        assert run.returncode in (0, 1), run.stderr
        assert "Traceback" not in run.stderr
    first, second = (json.loads(run.stdout) for run in runs)
    for doc in (first, second):
        for run in doc["runs"]:
            run.get("properties", {}).pop("timing", None)
            for invocation in run.get("invocations", []):
                invocation.pop("startTimeUtc", None)
                invocation.pop("endTimeUtc", None)
    assert first == second, _json_diff(first, second)
    assert CANARY_SECRET not in runs[0].stdout


def _small_repo(root: Path) -> Path:
    (root / "src" / "app").mkdir(parents=True)
    (root / "src" / "app" / "__init__.py").write_text('"""App."""\n', encoding="utf-8")
    (root / "src" / "app" / "api.py").write_text(
        '"""Api."""\n\n\ndef handler(request):\n    return request\n', encoding="utf-8"
    )
    return root


def test_crashing_analyzer_is_an_error_and_other_rules_still_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _small_repo(tmp_path / "repo")
    monkeypatch.setitem(REGISTRY, BrokenAnalyzer.name, BrokenAnalyzer)
    policies = _policy_dir(tmp_path, BrokenAnalyzer.name, ("type-hints",))
    code, report, out, err = _run_in_process(capsys, _hostile_profile_args(str(repo), policies))

    assert code == 2
    status = {r["id"]: r for r in report["rules"]}
    assert status["broken-probe"]["status"] == "error"
    assert "ValueError: boom in src/app/" in status["broken-probe"]["message"]
    assert status["type-hints"]["status"] == "fail"
    assert any(
        (f["rule"], f["path"], f["line"]) == ("type-hints", "src/app/api.py", 4)
        for f in report["findings"]
    )
    assert "broken-probe" in err  # the gate names the rule in error
    assert CANARY_SECRET not in out + err
    assert "AKIA" in status["broken-probe"]["message"]  # redacted, not dropped


def test_max_file_bytes_is_configurable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = _small_repo(tmp_path / "repo")
    (repo / "src" / "app" / "big.py").write_text("x = 1\n" * 400, encoding="utf-8")
    (repo / ".charter.yml").write_text("max-file-bytes: 1000\n", encoding="utf-8")
    code, report, _, err = _run_in_process(
        capsys, ["audit", str(repo), "--format", "json", "--no-cache"]
    )
    assert code in (0, 1), err
    skipped = [
        f
        for f in report["findings"]
        if f["rule"] == "parse-error" and f["path"] == "src/app/big.py"
    ]
    assert len(skipped) == 1
    assert skipped[0]["message"].startswith("skipped: 2400 bytes is over the 1000-byte limit")


def test_alias_bomb_in_charter_config_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The audited repo's own .charter.yml is untrusted input too."""
    from hostile_corpus import _billion_laughs

    repo = _small_repo(tmp_path / "repo")
    (repo / ".charter.yml").write_text(_billion_laughs() + "exclude: *j\n", encoding="utf-8")
    code = cli.main(["audit", str(repo), "--format", "json", "--no-cache"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("charter: error:")
    assert "Traceback" not in err


@pytest.mark.parametrize("extra", [[], ["--diff-base", "HEAD"], ["--ref", "HEAD"]])
def test_git_config_of_the_audited_repo_runs_nothing(
    extra: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A prepared .git/config (e.g. unpacked from an archive) may set core.fsmonitor to a
    command; charter's git calls (file listing, diff mode, --ref) must not run it."""
    repo = _small_repo(tmp_path / "repo")
    marker = tmp_path / "fsmonitor.marker"

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)

    git("init", "-q")
    git("add", "src")
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "init")
    git("config", "core.fsmonitor", f"touch '{marker}'; echo")
    (repo / "src" / "app" / "api.py").write_text("def changed(x):\n    return x\n", "utf-8")
    code = cli.main(["audit", str(repo), "--format", "json", "--no-cache", *extra])
    err = capsys.readouterr().err
    assert code in (0, 1), err
    assert not marker.exists()


def test_internal_error_is_one_redacted_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from charter import api

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"unexpected token {CANARY_SECRET!r} in file")

    monkeypatch.delenv("CHARTER_DEBUG", raising=False)
    monkeypatch.setattr(api, "run", explode)
    code = cli.main(["audit", str(_small_repo(tmp_path / "repo")), "--no-cache"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("charter: internal error: RuntimeError: unexpected token 'AKIA…")
    assert err.count("\n") == 1
    assert CANARY_SECRET not in err


def test_debug_traceback_is_redacted_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """CHARTER_DEBUG=1 shows the traceback, but an exception quoting a secret from an audited
    file does not print the secret there either."""
    from charter import api

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"unexpected token {CANARY_SECRET!r} in file")

    monkeypatch.setenv("CHARTER_DEBUG", "1")
    monkeypatch.setattr(api, "run", explode)
    code = cli.main(["audit", str(_small_repo(tmp_path / "repo")), "--no-cache"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback (most recent call last):" in err
    assert "in explode" in err
    assert "RuntimeError: unexpected token 'AKIA…" in err
    assert CANARY_SECRET not in err
