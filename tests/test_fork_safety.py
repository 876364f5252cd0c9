"""Safe on a fork's pull request (issue 14).

Each test builds the hostile repository a pull request could contain, audits it the way CI
does, and checks what a user (or the CI runner reading stdout) sees.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest
from helpers import write_tree
from markdown_it import MarkdownIt

from charter import api
from charter.cli import main
from charter.models import Finding, Severity
from charter.reporters import REPORTERS

# ==============================================================================================
# Output injection and configuration in force (issue 14, items 6 and 5)
# ==============================================================================================

DATA = Path(__file__).parent / "data"
SARIF_SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
FORMATS = ("text", "json", "sarif", "markdown", "junit", "github")
UNTYPED = "def f(x):\n    return x\n"

#: a file name that, printed at the start of a line, is a GitHub workflow command
NEWLINE_NAME = "a\n::error file=app.py,line=1::pwned\n.py"
#: ESC (a terminal's colour sequence), C1 CSI and BEL
ESC_NAME = "esc\x1b[31mred\x9b\x07.py"
#: characters XML 1.0 forbids
XML_NAME = "ctl\x01\x0b\x0c\x1f.py"
#: a backtick that closes the code span, then a link and raw HTML
TICK_NAME = "tick`[click](https:/evil.example/x)`<b>bold</b>&amp;.py"
#: characters a URI gives a meaning to, and a non-ASCII letter
URI_NAME = "sp ace#frag%20?q=1é.py"
HOSTILE = {
    NEWLINE_NAME: UNTYPED,
    ESC_NAME: UNTYPED,
    XML_NAME: UNTYPED,
    TICK_NAME: UNTYPED,
    URI_NAME: UNTYPED,
    "sup.py": "X = 1  # charter: ignore[\x1b[2Jclear] -- why\n",
}


def _shown(name: str) -> str:
    """How a human format shows a name: control characters as escapes."""
    return (
        name.replace("\n", "\\n")
        .replace("\x1b", "\\x1b")
        .replace("\x9b", "\\x9b")
        .replace("\x07", "\\x07")
        .replace("\x01", "\\x01")
        .replace("\x0b", "\\x0b")
        .replace("\x0c", "\\x0c")
        .replace("\x1f", "\\x1f")
    )


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A repository whose file names are attacks, audited in every format by the CLI."""
    base = tmp_path_factory.mktemp("hostile-names")
    root = write_tree(base / "repo", HOSTILE)
    outputs: dict[str, str] = {}
    for fmt in FORMATS:
        out = base / f"report.{fmt}"
        args = ["audit", str(root), "--profile", "backend-polyglot", "--no-cache", "--jobs", "1"]
        assert main([*args, "--format", fmt, "--output", str(out)]) in (0, 1)
        outputs[fmt] = out.read_bytes().decode("utf-8")
    return root, outputs


def test_the_hostile_names_are_audited(hostile: tuple[Path, dict[str, str]]):
    """The attack files are findings (so the tests below look at real output)."""
    data = json.loads(hostile[1]["json"])
    paths = {f["path"] for f in data["findings"] if f["rule"] == "type-hints"}
    assert {NEWLINE_NAME, ESC_NAME, XML_NAME, TICK_NAME, URI_NAME} <= paths
    unused = [f["message"] for f in data["findings"] if f["rule"] == "unused-suppression"]
    assert any("\x1b[2Jclear" in m for m in unused)  # JSON keeps the exact value, escaped


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_a_newline_in_a_file_name_starts_no_workflow_command(
    hostile: tuple[Path, dict[str, str]], fmt: str
):
    """GitHub Actions reads every stdout line that starts with ``::`` as a command. The only
    such lines are charter's own annotations (github format), never text from a file name."""
    out = hostile[1][fmt]
    lines = out.splitlines()
    if fmt == "text":
        assert not [line for line in lines if line.lstrip().startswith("::")]
        assert f"{_shown(NEWLINE_NAME)}:1:1 function `f` is missing" in out
    else:  # every line is one annotation whose properties hold no raw ":"
        annotation = re.compile(r"^::(error|warning|notice) [^:]*::")
        assert [line for line in lines if not annotation.match(line)] == []
        (pwned,) = [line for line in lines if "pwned" in line]
        assert pwned.startswith(
            "::error file=a\\n%3A%3Aerror file=app.py%2Cline=1%3A%3Apwned\\n.py,line=1,col=1,"
        )


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_raw_control_character_reaches_any_format(
    hostile: tuple[Path, dict[str, str]], fmt: str
):
    """ESC, BEL, C0 and C1 controls from file names and suppression ids are shown as escapes
    in the human formats and are JSON escapes in JSON and SARIF: never a raw byte."""
    out = hostile[1][fmt]
    raw = {c for c in out if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F}
    assert sorted(f"{ord(c):#04x}" for c in raw) == []
    if fmt in ("text", "markdown", "junit", "github"):
        seen = MarkdownIt("commonmark").enable("table").render(out) if fmt == "markdown" else out
        assert _shown(ESC_NAME) in seen
        assert "'\\x1b[2Jclear'" in seen  # the suppression id
    if fmt == "json":  # the escapes stand for the exact characters
        assert ESC_NAME in [f["path"] for f in json.loads(out)["findings"]]
    if fmt == "sarif":
        results = json.loads(out)["runs"][0]["results"]
        uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]
        assert ESC_NAME in [unquote(uri) for uri in uris]


def test_junit_is_well_formed_with_names_xml_forbids(hostile: tuple[Path, dict[str, str]]):
    tree = ET.fromstring(hostile[1]["junit"])
    failures = "\n".join(f.text or "" for f in tree.iter("failure"))
    assert f"{_shown(XML_NAME)}:1:1: function `f`" in failures
    assert f"{_shown(ESC_NAME)}:1:1: function `f`" in failures


def test_every_format_survives_lone_surrogates_and_nul(tmp_path: Path):
    """A finding text that UTF-8 or XML 1.0 cannot carry as it is (a lone surrogate, NUL) is
    written escaped by every reporter: the JUnit file parses, the JSON formats load."""
    root = write_tree(tmp_path / "repo", {"app.py": UNTYPED})
    result = api.run(root, api.Options(profiles=("backend-polyglot",), use_cache=False))
    odd = Finding(
        rule="type-hints", severity=Severity.HIGH, path="odd\udcff\x00.py", line=1,
        message="bad \ud800 \x00 \ufffe text", fingerprint="0" * 20,
    )
    report = result.report.model_copy(update={"findings": (*result.report.findings, odd)})
    for fmt in FORMATS:
        out = REPORTERS[fmt](report, result.policies)
        out.encode("utf-8")  # no lone surrogate left
        assert "\x00" not in out and "\ufffe" not in out
        if fmt == "junit":
            failures = "".join(f.text or "" for f in ET.fromstring(out).iter("failure"))
            assert "odd\\udcff\\x00.py:1:1: bad \\ud800 \\x00 \\ufffe text" in failures
        if fmt == "json":  # exact, as JSON escapes
            messages = [f["message"] for f in json.loads(out)["findings"]]
            assert "bad \ud800 \x00 \ufffe text" in messages
        if fmt == "sarif":
            texts = [r["message"]["text"] for r in json.loads(out)["runs"][0]["results"]]
            assert "bad \\ud800 \\x00 \\ufffe text" in texts


def test_markdown_backticks_and_html_in_a_path_stay_text(hostile: tuple[Path, dict[str, str]]):
    """Rendered as GitHub does (CommonMark and tables), the summary has no link, no raw HTML,
    and shows the hostile path exactly, in one code element."""
    page = hostile[1]["markdown"]
    html = MarkdownIt("commonmark").enable("table").render(page)
    assert "<a " not in html and "<b>" not in html and "<img" not in html
    shown = TICK_NAME.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert f"<code>{shown}:1</code>" in html
    assert f"<code>{_shown(ESC_NAME)}:1</code>" in html


# RFC 3986 relative-ref with a path only (no authority, query or fragment): segments of
# unreserved characters, percent-encodings and sub-delims/":"/"@", the first without ":"
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-F]{2})"
_NOCOLON = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=@]|%[0-9A-F]{2})"
RELATIVE_PATH_URI = re.compile(rf"^{_NOCOLON}+(?:/{_PCHAR}*)*$")


def test_sarif_uris_are_percent_encoded_relative_references(
    hostile: tuple[Path, dict[str, str]],
):
    root, outputs = hostile
    log = json.loads(outputs["sarif"])
    jsonschema.validate(log, SARIF_SCHEMA)
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for result in log["runs"][0]["results"]
        for loc in result["locations"] + result.get("relatedLocations", [])
    }
    for uri in uris:
        assert RELATIVE_PATH_URI.match(uri), uri
        parts = urlsplit(uri)
        assert (parts.scheme, parts.netloc, parts.query, parts.fragment) == ("", "", "", "")
    findings = json.loads(outputs["json"])["findings"]
    paths = {f["path"] or "." for f in findings}
    paths |= {r["path"] for f in findings for r in f["related"]}
    assert {unquote(uri) for uri in uris} <= paths  # each one names a path of the report
    named = {NEWLINE_NAME, ESC_NAME, XML_NAME, TICK_NAME, URI_NAME}
    assert named <= {unquote(uri) for uri in uris}
    assert all((root / name).is_file() for name in named)
    assert "sp%20ace%23frag%2520%3Fq%3D1%C3%A9.py" in uris
    assert "a%0A%3A%3Aerror%20file%3Dapp.py%2Cline%3D1%3A%3Apwned%0A.py" in uris


# --- item 5: the repository's own configuration is visible ----------------------------------

FAKE_KEY = "AKIA" + "QYLPMN5HHHFPZAM2"
QUIET_DETECTOR = """detectors:
  - id: aws-access-key-id
    description: switched off by the repository
    regex: 'x'
    keywords: [x]
    enabled: false
"""
WEAKENING = """\
fail-on: none
exclude: ["vendor/**"]
path-classes: {generated: ["gen/**"]}
baseline: .charter-baseline.json
policies: [ci/policies]
rules:
  no-hardcoded-secrets: {disable: true}
  type-hints: {severity: low, scope: [test]}
"""
EXPECTED = [
    ("setting", "fail-on", "none", ".charter.yml"),
    ("rule", "no-hardcoded-secrets", "disabled", ".charter.yml"),
    ("rule", "type-hints", "severity low; scope test", ".charter.yml"),
    ("exclude", "vendor/**", "not audited", ".charter.yml"),
    ("path-class", "gen/**", "classed as generated", ".charter.yml"),
    ("baseline", ".charter-baseline.json", "the findings it records are accepted", ".charter.yml"),
    ("policies", "ci/policies", "policy folder loaded", ".charter.yml"),
    ("detector", "aws-access-key-id", "disabled", "ci/policies/secrets/quiet.yaml"),
]


def _weakened(root: Path) -> Path:
    return write_tree(root, {
        "s.py": f'AWS_ACCESS_KEY_ID = "{FAKE_KEY}"\n',
        "vendor/v.py": UNTYPED,
        ".charter.yml": WEAKENING,
        ".charter-baseline.json": '{"charter-baseline": 1, "findings": [\n\n]}\n',
        "ci/policies/secrets/quiet.yaml": QUIET_DETECTOR,
    })


def _audit(root: Path, fmt: str, tmp: Path, *extra: str) -> tuple[int, str]:
    out = tmp / f"out.{fmt}"
    code = main(["audit", str(root), "--profile", "backend-polyglot", "--no-cache",
                 "--format", fmt, "--output", str(out), *extra])
    return code, out.read_text(encoding="utf-8")


def test_every_format_states_the_repositorys_own_configuration(tmp_path: Path):
    root = _weakened(tmp_path / "repo")
    outputs = {fmt: _audit(root, fmt, tmp_path)[1] for fmt in FORMATS}
    lines = [f"{kind} {name}: {change} ({source})" for kind, name, change, source in EXPECTED]

    text = outputs["text"]
    block = text[text.index("Configuration from the repository"):].split("\n\n")[0]
    assert "--no-repo-config" in block.splitlines()[0]
    assert [line.strip() for line in block.splitlines()[1:]] == lines

    data = json.loads(outputs["json"])
    assert [tuple(c.values()) for c in data["repo_config"]] == EXPECTED
    sarif = json.loads(outputs["sarif"])
    jsonschema.validate(sarif, SARIF_SCHEMA)
    assert sarif["runs"][0]["properties"]["repo-config"] == data["repo_config"]

    page = outputs["markdown"]
    section = page[page.index("### Configuration from the repository"):].split("\n\n")[2]
    assert section.splitlines()[2:] == [
        f"| {kind} | `{name}` | {change} | `{source}` |" for kind, name, change, source in EXPECTED
    ]
    junit = ET.fromstring(outputs["junit"])
    props = [p.get("value") for p in junit.iter("property") if p.get("name") == "repo-config"]
    assert props == lines
    (notice,) = [line for line in outputs["github"].splitlines() if "configuration from" in line]
    assert notice.startswith("::notice file=.charter.yml,title=charter%3A configuration")
    assert all(line in notice for line in lines)


def test_a_flag_replaces_the_repositorys_setting_and_it_is_not_listed(tmp_path: Path):
    root = _weakened(tmp_path / "repo")
    _, out = _audit(root, "json", tmp_path, "--fail-on", "high", "--baseline",
                    str(root / ".charter-baseline.json"))
    kinds = [(c["kind"], c["name"]) for c in json.loads(out)["repo_config"]]
    assert ("setting", "fail-on") not in kinds
    assert ("baseline", ".charter-baseline.json") not in kinds
    assert ("rule", "no-hardcoded-secrets") in kinds  # still in force: listed


def test_no_repository_configuration_means_nothing_is_stated(tmp_path: Path):
    """With --no-repo-config, or a repository without settings, no format mentions it and the
    JSON and SARIF fields are empty lists (present, never missing)."""
    weakened = _weakened(tmp_path / "weakened")
    plain = write_tree(tmp_path / "plain", {"app.py": UNTYPED})
    for root, extra in ((weakened, ["--no-repo-config"]), (plain, [])):
        for fmt in FORMATS:
            out = _audit(root, fmt, tmp_path, *extra)[1]
            assert "onfiguration from the repository" not in out
            if fmt == "json":
                assert json.loads(out)["repo_config"] == []
            if fmt == "sarif":
                assert json.loads(out)["runs"][0]["properties"]["repo-config"] == []
            if fmt == "junit":
                assert "repo-config" not in out


def test_a_policy_folder_that_replaces_a_rule_and_a_profile_is_stated(tmp_path: Path):
    """A replaced rule says what it changed (here: a lower severity, and a precision class
    that no longer gates); a replaced profile names the rules it drops."""
    origins = api.policies_for().origins
    secrets = origins["rule:no-hardcoded-secrets"].read_text(encoding="utf-8")
    hints = origins["rule:type-hints"].read_text(encoding="utf-8")
    profile = origins["profile:backend-polyglot"].read_text(encoding="utf-8")
    dropped = profile.replace("\n- id: no-hardcoded-secrets\n", "\n")
    assert dropped != profile
    found = re.search(r"\bclass: ([a-z-]+)", hints)
    assert found is not None
    built_in = found.group(1)
    assert built_in in ("high", "very-high")  # gating, so that "low" no longer gates
    secrets = secrets.replace("severity: critical", "severity: low")
    root = write_tree(tmp_path / "repo", {
        "app.py": UNTYPED,
        ".charter.yml": "policies: [pol]\n",
        "pol/rules/no-hardcoded-secrets.yaml": secrets,
        "pol/rules/type-hints.yaml": hints.replace(f"class: {built_in}", "class: low"),
        "pol/profiles/backend-polyglot.yaml": dropped,
    })
    listed = json.loads(_audit(root, "json", tmp_path)[1])["repo_config"]
    changes = {(c["kind"], c["name"]): c for c in listed}
    secret_rule = changes["rule", "no-hardcoded-secrets"]
    assert secret_rule["change"] == "replaces the built-in rule; severity critical -> low"
    assert secret_rule["source"] == "pol/rules/no-hardcoded-secrets.yaml"
    assert changes["rule", "type-hints"]["change"] == (
        f"replaces the built-in rule; precision {built_in} -> low: no longer gates (advisory)"
    )
    assert "drops no-hardcoded-secrets" in changes["profile", "backend-polyglot"]["change"]


# --- item 5: the paths the repository's settings name stay inside it ------------------------

def _limited() -> None:  # pragma: no cover - runs in the child
    """At most 2 GB of address space: today's code read /dev/zero until MemoryError."""
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def _charter(root: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "charter", "audit", str(root), "--no-cache", "--jobs", "1",
           "--profile", "backend-polyglot"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=root.parent,
                          preexec_fn=_limited, check=False)


def _one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr
    assert err.count("\n") == 1 and err.startswith("charter: error: "), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, err
    return err


def test_a_fifo_baseline_is_refused_and_does_not_hang(tmp_path: Path):
    root = write_tree(tmp_path / "repo", {"app.py": UNTYPED, ".charter.yml": "baseline: b.json\n"})
    os.mkfifo(root / "b.json")
    err = _one_line_error(_charter(root), ".charter.yml", "field 'baseline'", "'b.json'", "FIFO")
    assert "--no-repo-config" in err


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("/dev/zero", "absolute path"),
        ("../../../../../../../../dev/zero", "'..'"),
        ("zero.json", "symlink 'zero.json'"),
        ("outside.json", "symlink 'outside.json'"),
        ("folder", "a folder, not a regular file"),
        ("big.json", "over the 50 MB limit"),
    ],
)
def test_a_baseline_outside_the_repository_or_not_a_plain_file_is_refused(
    tmp_path: Path, value: str, why: str
):
    settings = f"baseline: {value}\n"
    root = write_tree(tmp_path / "repo", {"app.py": UNTYPED, ".charter.yml": settings})
    write_tree(tmp_path, {"secret.json": '{"charter-baseline": 1, "findings": []}\n'})
    (root / "zero.json").symlink_to("/dev/zero")
    (root / "outside.json").symlink_to(tmp_path / "secret.json")
    (root / "folder").mkdir()
    with (root / "big.json").open("wb") as sparse:
        sparse.truncate(51 << 20)
    _one_line_error(_charter(root), ".charter.yml", "field 'baseline'", why, "point it at a file")


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("../outside", "'..'"),
        ("linked", "symlink 'linked'"),
        ("pol", "'pol/rules/r.yaml' is a symlink"),
        ("fifo", "a FIFO, not a folder"),
        ("/tmp", "absolute path"),
    ],
)
def test_a_policy_folder_outside_the_repository_is_refused(tmp_path: Path, value: str, why: str):
    outside = write_tree(tmp_path / "outside", {"secrets/x.yaml": QUIET_DETECTOR})
    root = write_tree(tmp_path / "repo", {
        "app.py": UNTYPED,
        ".charter.yml": f"policies: [{value}]\n",
        "pol/profiles/.keep": "",
    })
    (root / "linked").symlink_to(outside)
    (root / "pol" / "rules").mkdir()
    (root / "pol" / "rules" / "r.yaml").symlink_to(outside / "secrets" / "x.yaml")
    os.mkfifo(root / "fifo")
    _one_line_error(_charter(root), ".charter.yml", "field 'policies'", why)
