"""Fixes in the audit's reports (issue 18): the ``[*]`` mark and the fixable count in text, the
``fix`` field in JSON, SARIF ``fixes[].artifactChanges``, Markdown and github ``suggestion``
blocks; every marked finding is gone after ``charter fix``; a text or JSON audit never loads
the fixers (LibCST)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from charter.cli import main

SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)

APP = """class Cart:
    def __init__(self, owner: str):
        self.owner = owner

    def is_empty(self):
        return len(self.items) == 0

    def label(self, n: int):
        return "cart {}".format(n)

    def maybe(self):
        if self.items:
            return True


def start(retries=3):
    print("go")
"""
# line -> whether charter fix removes the finding there: safe, unsafe, or not at all
MARKS = {2: "safe", 5: "safe", 8: None, 9: "safe", 11: None, 16: "unsafe"}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    return tmp_path


def _audit(repo: Path, fmt: str, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    select = ["--select", "type-hints,f-strings"]
    main(["audit", str(repo), *select, "--format", fmt, "--no-cache", *extra])
    return capsys.readouterr().out


def test_json_says_which_findings_a_fix_removes(repo: Path, capsys: pytest.CaptureFixture[str]):
    report = json.loads(_audit(repo, "json", capsys))
    assert {f["line"]: f["fix"] for f in report["findings"]} == MARKS


def test_text_marks_safe_fixes_and_counts_the_hidden_unsafe_ones(
    repo: Path, capsys: pytest.CaptureFixture[str]
):
    out = _audit(repo, "text", capsys)
    assert "app.py:2:5 [*] method `__init__` is missing" in out
    assert "app.py:9:16 [*] `str.format()` on a literal" in out
    assert "app.py:8:5 method `label` is missing" in out  # `-> str` only after the f-string
    assert "app.py:16:1 function `start` is missing" in out  # unsafe: not marked, counted
    assert (
        "[*] 3 fixable with `charter fix` (1 hidden fix can be enabled with "
        "`charter fix --unsafe-fixes`)." in out
    )


def test_every_marked_finding_is_gone_after_the_fix(repo: Path, capsys: pytest.CaptureFixture[str]):
    main(["fix", str(repo)])
    capsys.readouterr()
    left = {f["line"] for f in json.loads(_audit(repo, "json", capsys))["findings"]}
    assert not left & {line for line, fix in MARKS.items() if fix == "safe"}
    assert 16 in left  # its fix is unsafe
    main(["fix", str(repo), "--unsafe-fixes"])
    capsys.readouterr()
    left = {f["line"] for f in json.loads(_audit(repo, "json", capsys))["findings"]}
    assert left == {11}  # no fix knows that `maybe` can fall off its end: it stays


def test_sarif_carries_each_fix_as_an_artifact_change(
    repo: Path, capsys: pytest.CaptureFixture[str]
):
    log = json.loads(_audit(repo, "sarif", capsys))
    jsonschema.validate(log, SCHEMA)
    results = {
        r["locations"][0]["physicalLocation"]["region"]["startLine"]: r
        for r in log["runs"][0]["results"]
    }
    assert {line for line, r in results.items() if "fixes" in r} == {2, 5, 9, 16}
    assert results[16]["properties"]["fix"] == "unsafe"
    (fix,) = results[16]["fixes"]
    assert fix["description"]["text"].startswith("charter fix (unsafe fix): add `-> None`")
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"] == {"uri": "app.py", "uriBaseId": "%SRCROOT%"}
    assert change["replacements"] == [
        {
            "deletedRegion": {"startLine": 16, "endLine": 16},
            "insertedContent": {"text": "def start(retries: int = 3) -> None:"},
        }
    ]
    # applying every change gives what `charter fix --unsafe-fixes` writes, bar the `-> str`
    # that only the f-string makes possible (a second pass)
    lines = APP.splitlines()
    for r in results.values():
        for f in r.get("fixes", ()):
            for c in f["artifactChanges"]:
                for rep in c["replacements"]:
                    region = rep["deletedRegion"]
                    lines[region["startLine"] - 1 : region["endLine"]] = rep["insertedContent"][
                        "text"
                    ].split("\n")
    main(["fix", str(repo), "--unsafe-fixes"])
    capsys.readouterr()
    fixed = (repo / "app.py").read_text(encoding="utf-8")
    assert "\n".join(lines) + "\n" == fixed.replace(
        "def label(self, n: int) -> str:", "def label(self, n: int):"
    )


def test_markdown_and_github_offer_suggestion_blocks(
    repo: Path, capsys: pytest.CaptureFixture[str]
):
    md = _audit(repo, "markdown", capsys)
    assert "`[*]` 3 fixable with `charter fix`" in md
    assert "| `[*]` method `__init__` is missing" in md
    assert (
        "`app.py:5` charter fix (safe fix): add `-> bool`\n\n"
        "```suggestion\n    def is_empty(self) -> bool:\n```\n"
    ) in md
    gh = _audit(repo, "github", capsys)
    line = next(x for x in gh.splitlines() if "line=9," in x)
    assert line.endswith(
        "%0A%0Acharter fix (safe fix), lines 9-9: write an f-string%0A"
        '```suggestion%0A        return f"cart {n}"%0A```'
    )


def test_a_suggestion_is_fenced_longer_than_the_backticks_in_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    """(``--strict``: suggestions are offered under the gating findings, and f-strings is
    advisory by its measured precision.)"""
    (tmp_path / "app.py").write_text('def f(x: int):\n    print("```{}".format(x))\n')
    md = _audit(tmp_path, "markdown", capsys, "--strict")
    assert '````suggestion\n    print(f"```{x}")\n````' in md


def test_a_text_or_json_audit_never_loads_the_fixers(repo: Path):
    code = (
        "import sys\n"
        "from charter.cli import main\n"
        f"for fmt in ('text', 'json'):\n"
        f"    main(['audit', {str(repo)!r}, '--format', fmt, '--no-cache', '-q'])\n"
        "print('libcst' in sys.modules, 'charter.fixes' in sys.modules, file=sys.stderr)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=300
    )
    assert run.stderr.strip().splitlines()[-1] == "False False"


def test_offering_suggestions_writes_nothing(repo: Path, capsys: pytest.CaptureFixture[str]):
    before = (repo / "app.py").read_bytes()
    for fmt in ("markdown", "sarif", "github"):
        assert "suggestion" in _audit(repo, fmt, capsys) or fmt == "sarif"
    assert (repo / "app.py").read_bytes() == before
    assert not [p.name for p in repo.iterdir() if p.name != "app.py"]  # no temporary file left


def test_legacy_sample_every_finding_with_a_fix_is_gone_after_unsafe_fixes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    sample = Path(__file__).parent.parent / "sample_repos" / "legacy-service"
    repo = tmp_path / "legacy"
    shutil.copytree(sample, repo)
    main(["audit", str(repo), "--format", "json", "--no-cache"])
    before = json.loads(capsys.readouterr().out)["findings"]
    marked = {(f["rule"], f["path"], f["line"]) for f in before if f["fix"]}
    assert marked == {("terraform-pinned-providers", "terraform/main.tf", 5)}
    main(["audit", str(repo), "--no-cache"])
    assert "(1 hidden fix can be enabled with `charter fix --unsafe-fixes`)" in (
        capsys.readouterr().out
    )
    main(["fix", str(repo), "--unsafe-fixes"])
    capsys.readouterr()
    main(["audit", str(repo), "--format", "json", "--no-cache"])
    after = json.loads(capsys.readouterr().out)["findings"]
    assert not marked & {(f["rule"], f["path"], f["line"]) for f in after}
    assert not [f for f in after if f["fix"]]
    tf = (sample / "terraform" / "main.tf").read_bytes()
    assert (repo / "terraform" / "main.tf").read_bytes() == tf.replace(
        b'version = ">= 4.0"', b'version = "~> 4.0"'
    )
