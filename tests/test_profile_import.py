"""Importing agent profile documents: statements, rule mapping, the CLI, repo profiles, drift."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from charter import cli
from charter.policy import PolicySet, load_policies
from charter.profile_import import (
    Statement,
    discover_documents,
    import_profile,
    parse_document,
    read_document,
    references,
)

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "policies" / "seeds"
SAMPLE = ROOT / "sample_repos" / "agent-profile-repo"
BUILTIN = [
    "backend-data-infra",
    "backend-incremental",
    "backend-distributed",
    "backend-conventions",
    "backend-polyglot",
]


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# ---------------------------------------------------------------- the five seeds


@pytest.mark.parametrize("profile_id", BUILTIN)
def test_importing_a_seed_gives_its_builtin_rule_set(policies: PolicySet, profile_id: str) -> None:
    builtin = policies.profiles[profile_id]
    assert builtin.seed is not None
    result = import_profile(read_document(SEEDS / builtin.seed), policies)
    imported = {r.id for r in result.profile.rules}
    # rules with no prose to match (parse-error, suppression hygiene) are not imported
    expected = {r.id for r in builtin.rules if policies.rules[r.id].matches}
    share = len(imported & expected) / len(expected)
    figures = (
        f"{profile_id}: built-in {len(expected)} rules, imported {len(imported)}, "
        f"{share:.0%} of the built-in rules, missing {sorted(expected - imported)}, "
        f"not supported {sorted(imported - expected)}"
    )
    print(figures)
    assert share >= 0.9, figures
    assert imported <= expected, figures  # no rule the document does not support


@pytest.mark.parametrize("profile_id", BUILTIN)
def test_every_statement_is_quoted_from_its_line(policies: PolicySet, profile_id: str) -> None:
    seed = policies.profiles[profile_id].seed
    assert seed is not None
    text = (SEEDS / seed).read_text(encoding="utf-8")
    lines = text.splitlines()
    document = parse_document(text, seed)
    assert document.statements
    for statement in document.statements:
        # a sentence hard-wrapped over lines starts on its line
        first = statement.text.split("  ")[0][:30]
        assert first in lines[statement.line - 1], (statement, lines[statement.line - 1])


def test_builtin_manual_items_stay_manual_on_import(policies: PolicySet) -> None:
    """A statement the built-in profile lists for manual review maps to no rule on import."""
    for profile_id in BUILTIN:
        builtin = policies.profiles[profile_id]
        assert builtin.seed is not None
        result = import_profile(read_document(SEEDS / builtin.seed), policies)
        encoded = {(m.statement.line, m.statement.text) for m in result.encoded}
        wrongly = [
            (item.line, item.quote) for item in builtin.manual if (item.line, item.quote) in encoded
        ]
        assert not wrongly, f"{profile_id}: manual items mapped to rules: {wrongly}"


# ---------------------------------------------------------------- other teams' phrasing


@pytest.mark.parametrize(
    ("statement", "rule_id"),
    [
        ("Always add type annotations to public functions", "type-hints"),
        ("Never hardcode secrets", "no-hardcoded-secrets"),
        ("Pin provider versions", "terraform-pinned-providers"),
        ("Terraform modules must be pinned to a version", "terraform-pinned-modules"),
        ("Use a `src/` layout", "src-layout"),
        ("Every service exposes /healthz and /readyz endpoints", "health-checks"),
        ("Use structured JSON logging", "structured-logging"),
        ("Keep test coverage above 85%", "coverage-threshold"),
        ("Wrap Go errors with %w", "go-error-wrapping"),
        ("Never use unwrap() in production Rust code", "rust-no-unwrap"),
        ("Use parameterized queries; never build SQL from strings", "parameterized-sql"),
        ("Set timeouts on every HTTP call", "http-timeouts"),
        ("Run ruff and mypy in CI", "ci-runs-linters"),
        ("Run the test suite in CI on every push", "ci-runs-tests"),
        ("Containers must not run as root", "container-non-root"),
        ("Use Polars lazy frames", "polars-lazy"),
        ("Protect endpoints with rate limiting", "rate-limiting"),
        ("Do not use bare except", "no-silent-failures"),
        ("Run pip-audit in CI", "ci-dependency-scan"),
        ("Use Alembic for database migrations", "migrations-present"),
        ("Version the API in the URL path (`/v1/`)", "api-versioned-routes"),
        ("Protect every form against CSRF", "csrf-protection"),
        ("Never disable CSRF protection", "csrf-protection"),
        ("Require authentication on every mutating endpoint", "routes-require-auth"),
        (
            "**Type Safety is Paramount:** The TypeScript type system is your tool",
            "typescript-strict",
        ),
    ],
)
def test_statements_in_other_words_are_recognised(
    policies: PolicySet, statement: str, rule_id: str
) -> None:
    doc = parse_document(f"- {statement}\n", "AGENTS.md")
    result = import_profile(doc, policies)
    assert rule_id in result.sources, f"{statement!r} -> {[m.rules for m in result.mappings]}"


def test_tests_asked_for_only_under_a_condition_do_not_demand_a_suite(
    policies: PolicySet,
) -> None:
    doc = parse_document(
        "- Add unit tests only when the golden files cannot cover the case\n"
        "- Write unit tests for every parser\n",
        "AGENTS.md",
    )
    result = import_profile(doc, policies)
    assert [s.line for s in result.sources["tests-present"]] == [2]


def test_maintainability_is_not_maintaining_type_safety(policies: PolicySet) -> None:
    doc = parse_document(
        "- Compare before and after to show gains in type safety or maintainability\n",
        "AGENTS.md",
    )
    result = import_profile(doc, policies)
    assert not {"typescript-strict", "strict-type-checking"} & set(result.sources)


def test_prose_without_a_standard_maps_to_no_rule(policies: PolicySet) -> None:
    doc = parse_document(
        "- Coordinate with the frontend engineer on API contracts\n"
        "- Keep pull requests small and focused\n"
        "- Ask before deleting data\n"
        "- Add an entry to `CHANGELOG.md` for user-facing changes\n"
        "- Open bugs with the `.github/ISSUE_TEMPLATE/bug.md` form\n",
        "AGENTS.md",
    )
    result = import_profile(doc, policies)
    # a project's own CHANGELOG.md or issue form is not the agent's `.project/` build plan
    assert [r.id for r in result.profile.rules] == []
    assert len(result.profile.manual) == 5


# ---------------------------------------------------------------- parsing


DOC = """\
---
name: Orders Backend
description: Backend agent for orders.
---

# Orders backend

You build the orders service. Keep it simple.

## Rules

- Use type hints for all function signatures
- **Security**: Never hardcode secrets; use secure secret management
  1. Read `.project/build-plan.md` first

Idioms:

```markdown
- Use type hints for all function signatures (an example, not a statement)
```

```
1. Write unit tests for every service function
```
"""


def test_parse_document_front_matter_statements_and_lines() -> None:
    doc = parse_document(DOC, "backend.md")
    assert doc.name == "Orders Backend"
    assert doc.description == "Backend agent for orders."
    assert [(s.line, s.text) for s in doc.statements] == [
        (8, "You build the orders service."),
        (8, "Keep it simple."),
        (12, "Use type hints for all function signatures"),
        (13, "**Security**: Never hardcode secrets; use secure secret management"),
        (14, "Read `.project/build-plan.md` first"),
        (23, "Write unit tests for every service function"),
    ]


def test_front_matter_that_is_not_strict_yaml_is_read_leniently() -> None:
    seed = next(SEEDS.glob("003_*.txt"))
    doc = read_document(seed)
    assert doc.name == "backend-engineer"
    assert "Keywords: API, backend" in doc.description


def test_document_without_front_matter_is_named_after_the_file() -> None:
    doc = parse_document("- Use type hints for all function signatures\n", "AGENTS.md")
    assert doc.name == "AGENTS"
    assert doc.front_matter == {}
    assert [s.line for s in doc.statements] == [1]


def test_import_maps_statements_and_keeps_the_rest_manual(policies: PolicySet) -> None:
    result = import_profile(parse_document(DOC, "backend.md"), policies, profile_id="orders")
    rule_ids = [r.id for r in result.profile.rules]
    assert "parse-error" not in rule_ids  # reported apart from the scores, not a profile rule
    assert {"type-hints", "no-hardcoded-secrets", "tests-present", "agent-build-plan"} <= set(
        rule_ids
    )
    # "You build the orders service." is context, not a demand: not for manual review
    assert [(m.line, m.quote) for m in result.profile.manual] == [(8, "Keep it simple.")]
    assert [s.line for s in result.sources["type-hints"]] == [12]


# ---------------------------------------------------------------- the CLI


def test_cli_import_prints_coverage_and_writes_a_loadable_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    agent = _write(tmp_path, {"backend.md": DOC}) / "backend.md"
    out = tmp_path / "pol" / "profiles" / "orders-backend.yaml"
    code = cli.main(["profile", "import", str(agent), "--output", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    rows = {line.split()[0] + " " + line.split()[-1] for line in captured.out.splitlines()[:6]}
    assert "12 type-hints" in rows
    assert "8 (context)" in rows  # "You build the orders service."
    assert "Keep it simple.  " in captured.out and "manual: not checkable" in captured.out
    assert "encoded by" in captured.out
    assert "orders-backend" in captured.err

    loaded = load_policies([tmp_path / "pol"])
    profile = loaded.profiles["orders-backend"]
    assert "type-hints" in [r.id for r in profile.rules]
    assert (8, "Keep it simple.") in [(m.line, m.quote) for m in profile.manual]
    assert '# line 12: "Use type hints for all function signatures"' in out.read_text(
        encoding="utf-8"
    )

    repo = _write(tmp_path / "repo", {"app.py": "def f(x):\n    return x\n"})
    out_json = tmp_path / "report.json"
    args = ["audit", str(repo), "--policies", str(tmp_path / "pol"), "--profile"]
    args += ["orders-backend", "--format", "json", "--output", str(out_json)]
    assert cli.main(args) == 1
    report = json.loads(out_json.read_text(encoding="utf-8"))
    assert [p["id"] for p in report["profiles"]] == ["orders-backend"]
    assert ("type-hints", "app.py", 1) in {
        (f["rule"], f["path"], f["line"]) for f in report["findings"]
    }


def test_cli_import_of_a_missing_file_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["profile", "import", str(tmp_path / "nope.md")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and "nope.md" in err[0]


def test_cli_import_of_broken_front_matter_names_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _write(tmp_path, {"agent.md": "---\n[unclosed, list\n---\n- Use type hints\n"})
    code = cli.main(["profile", "import", str(root / "agent.md")])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "agent.md" in err[0] and "front matter" in err[0]


# ---------------------------------------------------------------- drift references


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Read `.project/build-plan.md` for current task assignments", [".project/build-plan.md"]),
        ("Always begin by reading the `CLAUDE.md` file in the project root", ["CLAUDE.md"]),
        ("Follow existing architectural patterns from CLAUDE.md", ["CLAUDE.md"]),
        ("file an issue in `.project/issues/open/` using the template", [".project/issues/open/"]),
        ("Run `make lint` before committing", ["make lint"]),
        ("Run `npm run build:prod` first", ["npm run build:prod"]),
        ("Look for linting configs (`.eslintrc`, `ruff.toml`, `.golangci.yml`)", []),
        ("Check for `package.json`, `Cargo.toml`, `go.mod`, etc.", []),
        ("`src/` layout with `pyproject.toml` — not flat modules", []),
        ('Errors are values: Wrap with `fmt.Errorf("doing X: %w", err)`', []),
        ("Run `go vet` and `cargo clippy`", []),
    ],
)
def test_references_of_a_statement(text: str, tokens: list[str]) -> None:
    assert [r.token for r in references(Statement(1, text))] == tokens


def test_discover_documents_default_and_custom_globs(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            ".claude/agents/backend.md": "- x\n",
            ".claude/agents/notes.txt": "- x\n",
            "AGENTS.md": "- x\n",
            "CLAUDE.md": "- x\n",
            "docs/CLAUDE.md": "- x\n",
            "agents/ops.md": "- x\n",
        },
    )
    # nested AGENTS.md/CLAUDE.md files are profiles of their folder; notes.txt is not markdown
    assert discover_documents(root) == [
        ".claude/agents/backend.md",
        "AGENTS.md",
        "CLAUDE.md",
        "docs/CLAUDE.md",
    ]
    assert discover_documents(root, ["agents/*.md"]) == ["agents/ops.md"]


# ---------------------------------------------------------------- auditing repo profiles


def _audit_json(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict, str]:
    out = tmp_path / "report.json"
    code = cli.main([*args, "--format", "json", "--output", str(out)])
    err = capsys.readouterr().err
    return code, json.loads(out.read_text(encoding="utf-8")), err


def test_sample_repo_is_audited_against_its_own_agent_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report, _ = _audit_json(
        ["audit", str(SAMPLE), "--profile", "backend-incremental", "--repo-profiles"],
        tmp_path,
        capsys,
    )
    assert code == 1
    profiles = {p["id"]: p for p in report["profiles"]}
    assert list(profiles) == ["backend-incremental", "agent-backend"]
    mine = profiles["agent-backend"]
    assert mine["title"] == "orders-backend (.claude/agents/backend.md)"
    assert [r["id"] if isinstance(r, dict) else r for r in mine["rules"]] == [
        "agent-build-plan",
        "type-hints",
        "src-layout",
        "no-hardcoded-secrets",
        "tests-present",
        "profile-drift",
    ]
    assert [(m["line"], m["quote"]) for m in mine["manual"]] == [
        (14, "Update `docs/decisions.md` when you change the architecture"),
        (15, "Run `make lint` and `make test` before every commit"),
        (26, "Coordinate with the frontend engineer on API contracts"),
        (27, "Keep pull requests small and focused"),
    ]
    drift = sorted(
        (f["path"], f["line"], f["message"])
        for f in report["findings"]
        if f["rule"] == "profile-drift"
    )
    assert [(p, n) for p, n, _ in drift] == [
        (".claude/agents/backend.md", 13),
        (".claude/agents/backend.md", 15),
    ]
    assert "`.project/build-plan.md`" in drift[0][2]
    assert "`make lint`" in drift[1][2]


def test_repo_profiles_can_be_switched_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The sample turns repo profiles on in [tool.charter]; the flag wins."""
    _, report, _ = _audit_json(
        ["audit", str(SAMPLE), "--profile", "backend-incremental", "--no-repo-profiles"],
        tmp_path,
        capsys,
    )
    assert [p["id"] for p in report["profiles"]] == ["backend-incremental"]
    assert "profile-drift" not in {r["id"] for r in report["rules"]}


def test_agents_md_and_claude_md_are_profiles_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _write(
        tmp_path / "repo",
        {
            "AGENTS.md": "# Agents\n\n- Never hardcode secrets\n- Read `docs/plan.md` first\n",
            "CLAUDE.md": "- Use type hints for all function signatures\n",
            "app.py": "x = 1\n",
        },
    )
    args = ["audit", str(repo), "--profile", "backend-incremental", "--repo-profiles"]
    _, report, _ = _audit_json(args, tmp_path, capsys)
    ids = [p["id"] for p in report["profiles"]]
    assert ids == ["backend-incremental", "agents", "claude"]
    drift = [(f["path"], f["line"]) for f in report["findings"] if f["rule"] == "profile-drift"]
    assert drift == [("AGENTS.md", 4)]


def test_repo_profile_glob_option_and_no_profiles_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _write(tmp_path / "repo", {"agents/ops.md": "- Never hardcode secrets\n"})
    args = ["audit", str(repo), "--profile", "backend-incremental"]
    _, report, err = _audit_json([*args, "--repo-profiles"], tmp_path, capsys)
    assert [p["id"] for p in report["profiles"]] == ["backend-incremental"]
    assert "no agent profiles found" in err
    _, report, _ = _audit_json([*args, "--repo-profile-glob", "agents/*.md"], tmp_path, capsys)
    assert [p["id"] for p in report["profiles"]] == ["backend-incremental", "agents-ops"]
