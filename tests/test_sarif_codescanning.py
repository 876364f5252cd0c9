"""SARIF as GitHub code scanning takes it: paths from the repository root whatever folder was
audited, ``security-severity`` on security rules, ``helpUri`` on a generated docs page, and
GitHub's documented limits (results per run and per rule, locations, tags, size)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from urllib.parse import unquote

import jsonschema
import pytest
from helpers import write_tree
from test_diff import git

from charter import api
from charter.catalog import RULE_DOCS_DIR, rule_pages
from charter.models import Finding, Location, Severity
from charter.policy import load_policies
from charter.reporters import sarif

DATA = Path(__file__).parent / "data"
# the official 2.1.0 schema (the same file as ../shared/schemas/sarif-schema-2.1.0.json)
SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
OPTIONS = api.Options(profiles=("ci-test",), policy_dirs=(DATA / "policies",), use_cache=False)
UNTYPED = "def f(a):\n    return a\n"


def _uris(log: dict) -> list[str]:
    run = log["runs"][0]
    out = []
    for result in run["results"]:
        for loc in [*result["locations"], *result.get("relatedLocations", [])]:
            out.append(loc["physicalLocation"]["artifactLocation"]["uri"])
    return out


def _repo(root: Path, files: dict[str, str]) -> Path:
    write_tree(root, files)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "init")
    return root


# --- paths from the repository root ------------------------------------------------------------


def test_subfolder_audit_writes_paths_from_the_repository_root(tmp_path: Path):
    repo = _repo(tmp_path / "repo", {"services/api/app.py": UNTYPED, "README.md": "x\n"})
    result = api.run(repo / "services" / "api", OPTIONS)
    log = sarif.build(result.report, result.policies)
    jsonschema.validate(log, SCHEMA)
    uris = _uris(log)
    assert uris and set(uris) == {"services/api/app.py"}
    for uri in uris:
        assert (repo / unquote(uri)).is_file()
    run = log["runs"][0]
    assert run["properties"]["target-prefix"] == "services/api/"
    assert "root of the git repository" in (
        run["originalUriBaseIds"]["%SRCROOT%"]["description"]["text"]
    )


def test_subfolder_with_reserved_characters_is_encoded_and_prefixed(tmp_path: Path):
    repo = _repo(tmp_path / "repo", {"svc #1/ä%b/app.py": UNTYPED})
    result = api.run(repo / "svc #1" / "ä%b", OPTIONS)
    uris = _uris(sarif.build(result.report, result.policies))
    assert set(uris) == {"svc%20%231/%C3%A4%25b/app.py"}
    assert all((repo / unquote(u)).is_file() for u in uris)


def test_snapshot_of_a_subfolder_at_a_ref_is_prefixed_too(tmp_path: Path):
    repo = _repo(tmp_path / "repo", {"pkg/app.py": UNTYPED})
    result = api.run(repo / "pkg", api.replace(OPTIONS, ref="main"))
    assert set(_uris(sarif.build(result.report, result.policies))) == {"pkg/app.py"}


def test_outside_git_paths_stay_relative_to_the_target(tmp_path: Path):
    root = write_tree(tmp_path / "plain" / "sub", {"app.py": UNTYPED})
    result = api.run(root, OPTIONS)
    log = sarif.build(result.report, result.policies)
    assert set(_uris(log)) == {"app.py"}
    assert "target-prefix" not in log["runs"][0]["properties"]


def test_repository_root_audit_is_unchanged(tmp_path: Path):
    repo = _repo(tmp_path / "repo", {"app.py": UNTYPED})
    result = api.run(repo, OPTIONS)
    assert "prefix" not in result.report.extra["git"]
    assert set(_uris(sarif.build(result.report, result.policies))) == {"app.py"}


# --- security-severity and helpUri ---------------------------------------------------------------

SECURITY_RULES = {
    "ci-dependency-scan", "ci-security-scan", "container-non-root", "jwt-verification",
    "k8s-cluster-policies", "no-hardcoded-secrets", "no-secrets-in-logs", "parameterized-sql",
    "rate-limiting", "security-headers", "terraform-encryption-at-rest",
    "terraform-iam-least-privilege", "terraform-no-open-ingress", "tls-verification",
    "unscanned-file",
}


def _all_rules_log(tmp_path: Path) -> tuple[dict, api.Audit]:
    root = write_tree(tmp_path / "r", {"app.py": UNTYPED})
    profiles = tuple(sorted(load_policies([]).profiles))
    result = api.run(root, api.Options(profiles=profiles, use_cache=False))
    return sarif.build(result.report, result.policies), result


def test_every_security_rule_has_a_security_severity_by_its_severity(tmp_path: Path):
    log, result = _all_rules_log(tmp_path)
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    flagged = {i for i, r in result.policies.rules.items() if r.security}
    assert flagged >= SECURITY_RULES
    scale = {"critical": 9.5, "high": 8.0, "medium": 5.5, "low": 3.0}
    for rule_id, descriptor in rules.items():
        props = descriptor["properties"]
        if rule_id in flagged:
            assert float(props["security-severity"]) == scale[props["severity"]], rule_id
            assert "security" in props["tags"]
        else:
            assert "security-severity" not in props, rule_id
        assert len(props["tags"]) <= sarif.MAX_TAGS


def test_help_uri_points_at_the_generated_docs_page(tmp_path: Path):
    log, _ = _all_rules_log(tmp_path)
    docs = Path(__file__).resolve().parents[1] / "docs" / "rules"
    for descriptor in log["runs"][0]["tool"]["driver"]["rules"]:
        uri = descriptor["helpUri"]
        assert uri == f"https://github.com/charter-dev/charter/blob/main/docs/rules/{descriptor['id']}.md"
        assert (docs / f"{descriptor['id']}.md").is_file(), uri


def test_rule_docs_pages_are_current():
    """docs/rules/ is generated (python scripts/gen_rule_docs.py): a page that differs from what
    the rule's YAML gives now, a missing page or a page of a removed rule fails here (in CI)."""
    docs = Path(__file__).resolve().parents[1] / RULE_DOCS_DIR
    pages = rule_pages(load_policies())
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in docs.glob("*.md")}
    stale = sorted(n for n in pages.keys() | on_disk.keys() if pages.get(n) != on_disk.get(n))
    assert stale == [], "stale docs/rules pages; run: python scripts/gen_rule_docs.py"


def test_rule_page_has_every_section():
    page = rule_pages(load_policies())["no-hardcoded-secrets.md"]
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead",
                    "## Parameters", "## Profiles", "## Precision", "## Profile sentences"):
        assert heading in page
    assert "| scope | source, test, example, tooling, migration |" in page
    assert "SARIF security-severity 9.5" in page


def test_a_custom_rule_without_a_page_has_no_help_uri(tmp_path: Path):
    pol = write_tree(
        tmp_path / "pol",
        {
            "rules/my-rule.yaml": (
                "id: my-rule\ntitle: My own rule\nseverity: low\n"
                "applicability: Never; always checked.\n"
                "docs:\n  what: Checks a thing we care about.\n  why: Because it matters to us.\n"
                "sources:\n- profile: mine\n  quote: do the thing\n"
            ),
            "profiles/mine.yaml": (
                "id: mine\ntitle: Mine\nrules:\n- id: my-rule\n- id: type-hints\n"
            ),
        },
    )
    root = write_tree(tmp_path / "r", {"app.py": UNTYPED})
    result = api.run(root, api.Options(profiles=("mine",), policy_dirs=(pol,), use_cache=False))
    driver = sarif.build(result.report, result.policies)["runs"][0]["tool"]["driver"]
    rules = {r["id"]: r for r in driver["rules"]}
    assert "helpUri" not in rules["my-rule"]
    assert rules["type-hints"]["helpUri"].endswith("/docs/rules/type-hints.md")


# --- caps ----------------------------------------------------------------------------------------


def _finding(rule: str, i: int, severity: Severity, **kw: object) -> Finding:
    return Finding(
        rule=rule, severity=severity, path=f"f{i}.py", line=i + 1, message="m",
        fingerprint=f"{rule}:{i}", **kw,  # type: ignore[arg-type]
    )


def test_caps_keep_the_highest_severity_per_rule_and_per_run(tmp_path: Path):
    root = write_tree(tmp_path / "r", {"app.py": UNTYPED})
    result = api.run(root, OPTIONS)
    findings = []
    # one rule over the per-rule cap: its critical findings come last in the report's order
    findings += [_finding("type-hints", i, Severity.LOW) for i in range(5_500)]
    findings += [_finding("type-hints", 10_000 + i, Severity.CRITICAL) for i in range(100)]
    findings += [
        _finding("type-hints", 20_000 + i, Severity.CRITICAL, suppressed=True) for i in range(50)
    ]
    # six rules of 4,500: 27,000 more, over the per-run cap
    for r in range(6):
        findings += [_finding(f"rule-{r}", i, Severity.MEDIUM if r < 3 else Severity.LOW)
                     for i in range(4_500)]
    report = result.report.model_copy(update={"findings": tuple(findings)})
    log = json.loads(sarif.render(report, result.policies))
    jsonschema.validate(log, SCHEMA)
    run = log["runs"][0]
    results = run["results"]
    assert len(results) == sarif.MAX_RESULTS
    by_rule: dict[str, list[dict]] = {}
    for r in results:
        by_rule.setdefault(r["ruleId"], []).append(r)
    hints = by_rule["type-hints"]
    assert len(hints) == sarif.MAX_RESULTS_PER_RULE
    assert sum(r["properties"]["severity"] == "critical" for r in hints) == 100
    assert not [r for r in hints if "suppressions" in r]  # suppressed ones go first
    # medium rules before low ones
    assert all(len(by_rule[f"rule-{r}"]) == 4_500 for r in range(3))
    assert sum(len(by_rule.get(f"rule-{r}", [])) for r in range(3, 6)) == 25_000 - 5_000 - 13_500
    # kept results stay in the report's order
    order = {f.fingerprint: i for i, f in enumerate(findings)}
    keys = [order[r["partialFingerprints"]["charter/v1"]] for r in results]
    assert keys == sorted(keys)
    (invocation,) = run["invocations"]
    notes = invocation["toolExecutionNotifications"]
    assert all(n["level"] == "warning" for n in notes)
    assert "25,000 of 32,650 findings written" in notes[0]["message"]["text"]
    per_rule = {n["associatedRule"]["id"]: n["properties"] for n in notes[1:]}
    assert per_rule["type-hints"] == {"kept": 5_000, "dropped": 650}
    assert per_rule["rule-5"]["kept"] + per_rule["rule-5"]["dropped"] == 4_500
    assert "rule-0" not in per_rule
    assert run["properties"]["capped"]["kept"] == 25_000
    summary = sarif.cap_summary(report)
    assert summary is not None and "25,000 of 32,650 findings written" in summary
    assert "type-hints 650" in summary


def test_uncapped_run_has_no_notification(tmp_path: Path):
    root = write_tree(tmp_path / "r", {"app.py": UNTYPED})
    result = api.run(root, OPTIONS)
    run = sarif.build(result.report, result.policies)["runs"][0]
    assert "invocations" not in run and "capped" not in run["properties"]
    assert sarif.cap_summary(result.report) is None


def test_related_locations_are_capped(tmp_path: Path):
    root = write_tree(tmp_path / "r", {"app.py": UNTYPED})
    result = api.run(root, OPTIONS)
    many = tuple(Location(path=f"x{i}.py", line=1) for i in range(250))
    f = _finding("type-hints", 1, Severity.HIGH, related=many)
    report = result.report.model_copy(update={"findings": (f,)})
    (res,) = sarif.build(report, result.policies)["runs"][0]["results"]
    assert len(res["relatedLocations"]) == sarif.MAX_RELATED
    assert res["properties"]["related-dropped"] == 150


# --- a 2,000-file repository, audited from a subfolder ------------------------------------------


def test_subfolder_audit_of_a_2000_file_repository_meets_githubs_limits(tmp_path: Path):
    repo = tmp_path / "mono"
    body = "".join(f"def fn{i}(a, b):\n    return a\n\n\n" for i in range(20))
    files = {f"services/api/pkg{d}/mod{i}.py": body for d in range(20) for i in range(100)}
    files["services/api/pyproject.toml"] = "[project]\nname = 'api'\n"
    files["README.md"] = "mono\n"
    _repo(repo, files)
    target = repo / "services" / "api"
    result = api.run(target, api.Options(profiles=("backend-polyglot",), use_cache=False))
    assert result.report.files_scanned >= 2_000
    text = sarif.render(result.report, result.policies)
    log = json.loads(text)
    jsonschema.validate(log, SCHEMA)
    assert len(log["runs"]) <= 20
    run = log["runs"][0]
    results = run["results"]
    assert len(results) <= 25_000
    counts: dict[str, int] = {}
    for r in results:
        counts[r["ruleId"]] = counts.get(r["ruleId"], 0) + 1
        assert len(r["locations"]) <= 1_000
        assert len(r.get("relatedLocations", [])) <= 100
    assert max(counts.values()) <= 5_000
    assert counts["type-hints"] == 5_000  # 40,000 found, capped
    assert len(run["tool"]["driver"]["rules"]) <= 25_000
    assert all(len(d["properties"]["tags"]) <= 10 for d in run["tool"]["driver"]["rules"])
    assert len(gzip.compress(text.encode("utf-8"))) <= 10 * 1024 * 1024
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert any(n.get("associatedRule", {}).get("id") == "type-hints" for n in notes)
    uris = set(_uris(log))
    assert all(u.startswith("services/api") for u in uris)
    for uri in uris:
        assert (repo / unquote(uri)).exists(), uri


# --- JUnit time attributes (issue 16, "also seen") --------------------------------------------


def test_junit_has_time_on_suites_and_cases(tmp_path: Path):
    import xml.etree.ElementTree as ET

    from charter.reporters import junit

    root = write_tree(tmp_path / "r", {"app.py": UNTYPED})
    result = api.run(root, OPTIONS)
    report = result.report.model_copy(update={"timing": {**result.report.timing, "total_s": 1.25}})
    tree = ET.fromstring(junit.render(report, result.policies))
    assert tree.get("time") == "1.250"
    suites = tree.findall("testsuite")
    assert suites and all(s.get("time") == "1.250" for s in suites)
    cases = [c for s in suites for c in s.findall("testcase")]
    assert cases and all(c.get("time") == "0" for c in cases)
    # without timing (a report built by hand) the attributes are still there
    bare = result.report.model_copy(update={"timing": {}})
    assert ET.fromstring(junit.render(bare, result.policies)).get("time") == "0.000"


def test_every_format_says_when_sarif_is_capped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """Over the cap, SARIF says so in its notifications; the text report, the Markdown summary
    and the SARIF run's stderr say so too, and none of them drops a finding of its own."""
    from charter.cli import main

    untyped = "".join(f"def f{i}(x):\n    return x\n\n\n" for i in range(6))
    root = write_tree(tmp_path / "r", {"app.py": untyped})
    monkeypatch.setattr(sarif, "MAX_RESULTS_PER_RULE", 2)
    args = [str(root), "--select", "type-hints", "--no-repo-config", "--no-cache"]

    assert main(["audit", *args]) == 1
    text = capsys.readouterr().out
    assert "note: SARIF capped for GitHub code scanning: 2 of 6 findings written" in text
    assert "type-hints 4" in text

    assert main(["audit", *args, "--format", "markdown"]) == 1
    md = capsys.readouterr().out
    assert "> [!WARNING]\n> SARIF capped for GitHub code scanning: 2 of 6 findings written" in md
    assert "**6 finding(s)**" in md

    assert main(["audit", *args, "--format", "sarif"]) == 1
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)["runs"][0]["results"]) == 2
    assert "charter: SARIF capped for GitHub code scanning: 2 of 6 findings written" in captured.err

    monkeypatch.setattr(sarif, "MAX_RESULTS_PER_RULE", 5_000)
    assert main(["audit", *args]) == 1
    assert "SARIF capped" not in capsys.readouterr().out
