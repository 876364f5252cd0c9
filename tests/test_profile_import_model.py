"""What the import reads in a profile: instructions vs descriptions, polarity, language scope,
concept matching, the manual split, and how reports quote a repository's own profiles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from charter import cli
from charter.policy import PolicySet, load_policies
from charter.profile_import import (
    ImportResult,
    coverage_table,
    import_profile,
    parse_document,
    profile_yaml,
)


def _import(policies: PolicySet, text: str, path: str = "AGENTS.md") -> ImportResult:
    return import_profile(parse_document(text, path), policies)


def _by_text(result: ImportResult) -> dict[str, str]:
    """Each statement's kind, by its text."""
    return {s.text: s.kind for s in result.document.statements}


def _kinds(text: str) -> list[tuple[int, str, str]]:
    return [(s.line, s.kind, s.text) for s in parse_document(text, "AGENTS.md").statements]


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# ---------------------------------------------------------------- the statement model


def test_hard_wrapped_lines_are_one_sentence_quoted_from_its_first_line() -> None:
    doc = "Intro.\n\n- Use structured JSON logging in every\n  service, and never log tokens.\n"
    assert _kinds(doc)[1:] == [
        (
            3,
            "instruction",
            "Use structured JSON logging in every service, and never log tokens.",
        )
    ]


def test_descriptions_are_not_instructions(policies: PolicySet) -> None:
    doc = """\
You are an expert in NumPy and Pandas.

**Expertise**: Advanced Python (decorators, asyncio), type hints (mypy), pytest.

Key capabilities:

- Designing microservices with circuit breakers
- Writing comprehensive unit tests with pytest

## Examples

- Use the python-pro agent to add type hints to this module

Delivered the orders API with 92% test coverage.

| Rule | Why |
|------|-----|
| Use type hints | safety |

```text
├── CHANGELOG.md
└── .project/build-plan.md
```

```python
def f(x):  # Use type hints for all function signatures
    return x
```
"""
    result = _import(policies, doc)
    assert result.sources == {}  # nothing here asks the agent to do anything
    kinds = _by_text(result)
    assert kinds["You are an expert in NumPy and Pandas."] == "description"
    assert kinds["Designing microservices with circuit breakers"] == "description"
    assert kinds["Delivered the orders API with 92% test coverage."] == "description"
    texts = " ".join(kinds)
    assert "CHANGELOG" not in texts and "| Rule" not in texts and "def f" not in texts


def test_a_command_glossed_in_a_list_is_context_not_a_demand(policies: PolicySet) -> None:
    doc = """\
## Commands

- `make check` - runs ruff and mypy over the package
- `just test`: run pytest with the coverage gate
- **`tox -e docs`** — builds the documentation
- `make release` - never run it from a feature branch
- `make fmt`, `make vet` - format and vet the tree
- Lint: `uv run ruff check .`
"""
    kinds = _by_text(_import(policies, doc))
    assert kinds["`make check` - runs ruff and mypy over the package"] == "context"
    assert kinds["`just test`: run pytest with the coverage gate"] == "context"
    assert kinds["**`tox -e docs`** — builds the documentation"] == "context"
    assert kinds["`make fmt`, `make vet` - format and vet the tree"] == "context"
    # a label that names its command glosses it the other way round ("how to lint");
    # a gloss that forbids something still asks for it
    assert kinds["Lint: `uv run ruff check .`"] == "context"
    assert kinds["`make release` - never run it from a feature branch"] == "instruction"


def test_items_completing_an_open_condition_are_context(policies: PolicySet) -> None:
    doc = """\
Run the full check suite when you change:

- `src/` or the test fixtures.
- Build or lint configuration such as `pyproject.toml` or CI workflows.

When writing tests:

- Use pytest fixtures, not setUp methods
"""
    kinds = _by_text(_import(policies, doc))
    assert kinds["`src/` or the test fixtures."] == "context"
    assert (
        kinds["Build or lint configuration such as `pyproject.toml` or CI workflows."] == "context"
    )
    # a lead-in whose condition is complete introduces instructions
    assert kinds["Use pytest fixtures, not setUp methods"] == "instruction"


def test_a_purpose_clause_does_not_make_a_deliverable_an_instruction(
    policies: PolicySet,
) -> None:
    doc = """\
## Deliverables

- **Fixture Library**: A set of shared fixtures for the services to ensure tests stay isolated.

## Rules

- Ensure every service has tests.
"""
    result = _import(policies, doc)
    kinds = _by_text(result)
    assert (
        kinds[
            "**Fixture Library**: A set of shared fixtures for the services to ensure tests stay "
            "isolated."
        ]
        == "description"
    )
    assert kinds["Ensure every service has tests."] == "instruction"
    assert [s.line for s in result.sources["tests-present"]] == [7]


def test_a_gerund_for_a_purpose_in_a_competency_list_is_a_description(
    policies: PolicySet,
) -> None:
    doc = """\
## Core Competencies

- Error handling:
  - Wrapping errors for context with `%w`.

## Stack

- Alembic for database migrations
"""
    kinds = _by_text(_import(policies, doc))
    assert kinds["Wrapping errors for context with `%w`."] == "description"
    assert kinds["Alembic for database migrations"] == "instruction"


def test_a_label_naming_only_products_is_the_stack_not_a_standard(policies: PolicySet) -> None:
    doc = """\
## Tooling

- **Unit Testing**: Terratest, Go Test
- **Coverage**: JaCoCo, Istanbul (nyc)
- **Database**: Query tuning, connection pooling
- **Orchestration**: Temporal for pipeline reliability
- **Types**: Use mypy in strict mode
"""
    result = _import(policies, doc)
    kinds = _by_text(result)
    assert kinds["**Unit Testing**: Terratest, Go Test"] == "description"
    assert kinds["**Coverage**: JaCoCo, Istanbul (nyc)"] == "description"
    # practices, a tool for a purpose and an imperative are still asked for
    assert kinds["**Database**: Query tuning, connection pooling"] == "instruction"
    assert kinds["**Orchestration**: Temporal for pipeline reliability"] == "instruction"
    assert kinds["**Types**: Use mypy in strict mode"] == "instruction"
    assert "tests-present" not in result.sources and "coverage-threshold" not in result.sources


def test_labelled_items_under_a_topic_lead_in_outline_the_topic(policies: PolicySet) -> None:
    doc = """\
## Observability

**Dependable logging shaped by twelve-factor ideas:**

- **Log Format**: Structured JSON logging over print statements
- **Secrets**: Never log tokens or passwords

**Standards for logs:**

- **Log Format**: Structured JSON logging over print statements
"""
    result = _import(policies, doc)
    kinds = [(s.line, s.kind) for s in result.document.statements]
    assert kinds == [(5, "description"), (6, "instruction"), (10, "instruction")]
    # the standards list asks for the same thing the topic outline only names
    assert [s.line for s in result.sources["structured-logging"]] == [10]
    assert [s.line for s in result.sources["no-secrets-in-logs"]] == [6]


def test_items_of_a_capabilities_lead_in_describe_whatever_their_mood(
    policies: PolicySet,
) -> None:
    doc = """\
Key Capabilities:

- Service Design: Design resilient services with circuit breakers and retries
- Build Tooling: Build system configuration, bundler tuning, cache layout
- Secrets: Never log tokens or passwords

Tools:

- docs-search: Research library documentation and best practices
- browser-bot: End-to-end testing with screenshots
"""
    result = _import(policies, doc)
    kinds = [s.kind for s in result.document.statements]
    assert kinds == ["description", "description", "instruction", "context", "context"]
    assert set(result.sources) == {"no-secrets-in-logs"}


def test_items_of_a_definition_of_done_are_criteria(policies: PolicySet) -> None:
    doc = """\
## Definition of Done

- Every new endpoint is documented in the OpenAPI spec.

## Notes

- Every new endpoint is documented in the OpenAPI spec.
"""
    result = _import(policies, doc)
    assert [(s.line, s.kind) for s in result.document.statements] == [
        (3, "instruction"),
        (7, "context"),
    ]
    assert [s.line for s in result.sources["api-documentation"]] == [3]


def test_a_what_i_do_section_lists_capabilities(policies: PolicySet) -> None:
    doc = "## What I Do\n\n- Writes unit tests with pytest\n- Structured JSON logging\n"
    kinds = [s.kind for s in _import(policies, doc).document.statements]
    assert kinds == ["description", "description"]


def test_container_rules_map_unnamed_sentences_only_in_a_container_profile(
    policies: PolicySet,
) -> None:
    sentence = "- Right-size resources and apply least privilege everywhere\n"
    cloud = "You design cloud accounts with Terraform.\n\n- Keep Terraform state remote\n"
    kube = "You run services on Kubernetes.\n\n- Deploy every service to Kubernetes\n"
    python = "You write Python.\n\n- Use Python 3.12\n- Containers must not run as root\n"
    assert not {"k8s-resource-limits", "container-non-root"} & set(
        _import(policies, cloud + sentence).sources
    )
    assert {"k8s-resource-limits", "container-non-root"} <= set(
        _import(policies, kube + sentence).sources
    )
    # a sentence that names containers maps in any profile
    assert "container-non-root" in _import(policies, python).sources


def test_only_instructions_are_manual_items(policies: PolicySet) -> None:
    doc = "You build the orders service.\n\n- Coordinate with the frontend engineer\n"
    result = _import(policies, doc)
    assert [m.quote for m in result.profile.manual] == ["Coordinate with the frontend engineer"]


# ---------------------------------------------------------------- polarity


def test_a_statement_asking_the_opposite_disables_the_rule_and_says_so(
    policies: PolicySet,
) -> None:
    doc = "- Add type hints to new helpers\n- Do not introduce type annotations in tests\n"
    result = _import(policies, doc)
    assert "type-hints" not in [r.id for r in result.profile.rules]
    assert [s.line for s in result.disabled["type-hints"]] == [2]
    table = coverage_table(result)
    assert "disables type-hints" in table
    assert "disabled by the profile: type-hints" in table
    assert "# type-hints is left out: line 2 asks the opposite" in profile_yaml(result)


@pytest.mark.parametrize(
    ("statement", "maps", "opposes"),
    [
        ("Use Polars instead of pandas", ["polars-for-dataframes"], []),
        ("Use pandas for dataframes", [], ["polars-for-dataframes"]),
        ("Never use `.unwrap()` in library code", ["rust-no-unwrap"], []),
        ("Avoid bare `except:` clauses", ["no-silent-failures"], []),
        ("Never log tokens or passwords", ["no-secrets-in-logs"], []),
        ("Restrict CORS to known origins", ["cors-restricted"], []),
        ("Never allow CORS from any origin", ["cors-restricted"], []),
        ("Do not use `panic!` in production Rust code", ["rust-no-panic"], []),
        ("Never panic in Go library code", ["go-no-panic"], []),
        ("Do not add `# type: ignore` without a reason", ["tool-suppression-justified"], []),
    ],
)
def test_polarity_must_agree_with_the_rule(
    policies: PolicySet, statement: str, maps: list[str], opposes: list[str]
) -> None:
    (mapping,) = _import(policies, f"- {statement}\n").mappings
    assert [r for r in mapping.rules if r in maps + opposes] == maps
    assert [r for r in mapping.opposes if r in maps + opposes] == opposes


def test_items_of_a_list_of_things_to_avoid_name_the_demand(policies: PolicySet) -> None:
    doc = "## Anti-Patterns to Avoid\n\n- Missing circuit breakers and retry logic\n"
    result = _import(policies, doc)
    assert {"circuit-breakers"} <= set(result.sources)
    assert result.disabled == {}


# ---------------------------------------------------------------- scope


def test_a_go_statement_never_maps_to_a_python_only_rule(policies: PolicySet) -> None:
    (mapping,) = _import(policies, "- Handle every error in Go code; no bare returns\n").mappings
    assert "no-silent-failures" not in mapping.rules  # a Python analyzer


def test_encoded_rules_fit_the_profile_stack(policies: PolicySet) -> None:
    go = "---\nname: go-pro\ndescription: Go engineer\n---\n- Always add type annotations\n"
    python = "---\nname: py-pro\ndescription: Python engineer\n---\n- Always add type annotations\n"
    assert "type-hints" not in _import(policies, go).sources
    assert "type-hints" in _import(policies, python).sources


# ---------------------------------------------------------------- matching


@pytest.mark.parametrize(
    ("statement", "rule_id"),
    [
        ("Validate JWTs on every request", "jwt-verification"),
        ("Set timeouts on all outbound HTTP requests", "http-timeouts"),
        ("Make POST endpoints idempotent", "idempotency-keys"),
        ("Document unsafe code blocks with safety invariants", "rust-unsafe-justified"),
        ("Document every `unsafe` block with its safety invariants", "rust-unsafe-justified"),
        ("Wrapped errors with context", "go-error-wrapping"),
        ("Test coverage exceeding 80%", "coverage-threshold"),
        ("Encryption at rest and transit", "terraform-encryption-at-rest"),
        ("Never exposes sensitive information in logs", "no-secrets-in-logs"),
        ("禁止 `Any`", "no-explicit-any"),
        ("**Testing:** Write tests before or alongside implementation", "tests-present"),
        ("Every change must pass all linting and tests", "ci-runs-tests"),
        (
            "Once you bump a dependency, run `uv lock` so the lockfile follows",
            "dependency-lock",
        ),
        ("Format and lint the code before you push", "formatter-enforced"),
        ("Tests covering each bug fix", "tests-present"),
        ("Do not hard-code secrets or tokens in code", "no-hardcoded-secrets"),
        ("Ship multi-stage images for every service", "dockerfile-multi-stage"),
        ("Emit structured JSON logs from every handler", "structured-logging"),
        ("Keep code tidy with the repository formatters; run them in CI", "formatter-enforced"),
        ("Propagate trace context across every hop", "tracing"),
        ("Put the trace IDs in the log lines of each request", "request-id-in-logs"),
        ("Never commit API keys or tokens to the repository", "no-hardcoded-secrets"),
        ("Ensure no sensitive data is hard-coded in the images", "no-hardcoded-secrets"),
        ("Each bug fix needs a regression test", "tests-present"),
        ("Handle errors gracefully in every view", "no-silent-failures"),
        ("Keep Terraform state in remote backends", "terraform-remote-state-locking"),
        ("Document every module with docstrings", "docstrings"),
        ("Prefer `/internal` for non-public packages", "go-project-layout"),
        ("In Go, prefer returning errors over panicking", "go-no-panic"),
        ("Never embed secrets directly in the manifests", "no-hardcoded-secrets"),
        (
            "Keep provider and module versions pinned to known-good ranges",
            "terraform-pinned-providers",
        ),
        ("Use TypeScript with no implicit `any`", "typescript-strict"),
        ("Format with `black` and lint with `flake8`", "formatter-enforced"),
        ("Coverage must be 100% on every file", "coverage-threshold"),
        ("Create GitHub Actions workflows for testing, building, linting", "ci-runs-linters"),
        ("No `print()` in library code; use the logger", "structured-logging"),
        ("Avoid silent fallbacks in the parsers", "no-silent-failures"),
        ("Never build SQL by concatenation or f-strings", "parameterized-sql"),
        ("Do not commit secrets or credentials", "no-hardcoded-secrets"),
        ("Never call sync I/O from an async handler in the API", "no-blocking-in-async"),
        ("Maintain strict typing across the Python package", "strict-type-checking"),
        ("Use Pydantic models at untrusted I/O boundaries", "schema-validation"),
        ("Use the logging module instead of print statements", "structured-logging"),
        ("Implement exception handling with specific exceptions", "no-silent-failures"),
        ("In Terraform, use default_tags for consistent tagging", "terraform-resource-tags"),
        ("Terraform modules enable encryption by default", "terraform-encryption-at-rest"),
        ("Implement container security scanning in the pipeline", "ci-image-scan"),
        ("All errors must be checked in the Go packages", "go-errors-checked"),
        ("Configure all lints at the workspace level in Cargo.toml", "linter-configured"),
        ("Do not use unwraps in Rust library code", "rust-no-unwrap"),
        ("Use Vitest and React Testing Library for components", "tests-present"),
        ("All code should have corresponding tests", "tests-present"),
        ("Add service-level tests for new handlers", "tests-present"),
    ],
)
def test_concepts_are_recognised_in_any_wording(
    policies: PolicySet, statement: str, rule_id: str
) -> None:
    result = _import(policies, f"- {statement}\n")
    assert rule_id in result.sources, [m.rules for m in result.mappings]


@pytest.mark.parametrize(
    ("statement", "rule_id"),
    [
        ("Query context manager for transactions", "context-managers"),
        ("Use the strangler pattern for the migration", "migrations-present"),
        ("Migrate the models to Pydantic V2", "migrations-present"),
        ("SLOs for 95% of services", "coverage-threshold"),
        ("Use single backticks for inline code in docstrings", "docstrings"),
        ("Use focused tests while you iterate on a fix", "tests-present"),
        ("In tests, prefer `assert isinstance(x, T)` over a cast", "tests-present"),
        ("Refresh the public API documentation when signatures change", "api-documentation"),
        ("Put scratch files outside the Ruff checkout", "ruff-configured"),
        ("Scan lockfiles and manifests to infer the stack", "dependency-lock"),
        ("Leverage `research-librarian` for observability practices", "metrics-exposed"),
        ("Partner with `database-architect` on migration plans", "migrations-present"),
        ("Run a single unit test with `make test ARGS=-run`", "tests-present"),
        ("Run the suite under `tests/ci` before pushing", "ci-runs-tests"),
        ("Run lint as `CI=true pnpm lint` from a terminal", "ci-runs-linters"),
        ("Never import from 'path'; it is an ESLint error", "linter-configured"),
        ("Prefer inline snapshots to include the test error and its stack", "tests-present"),
        ("Already covered by `make check`; run this while iterating on parsers", "tests-present"),
        ("Agents live under `internal/agent/` in this Go module", "go-project-layout"),
        ("Name table-driven tests descriptively in Go", "tests-present"),
        ("Then run `uv run pytest -k test_it --inline-snapshot=fix`", "tests-present"),
        ("In this Go service, use structured logging with slog", "structured-logging"),
        ("Never build SQL queries with f-strings", "f-strings"),
        (
            "Run linting: `cargo clippy --all -- -D warnings` -- takes 60-90 seconds",
            "ci-runs-linters",
        ),
        ("In Go, implement graceful shutdown for every service", "graceful-shutdown"),
        ("Implement container security scanning in the pipeline", "ci-security-scan"),
        ("Use type hints for variables when their type is not obvious", "type-hints"),
        ("Internal packages use path aliases (see `vitest.config.mts`)", "tests-present"),
    ],
)
def test_words_that_name_another_thing_map_to_no_rule(
    policies: PolicySet, statement: str, rule_id: str
) -> None:
    result = _import(policies, f"- {statement}\n")
    assert rule_id not in result.sources


def test_manual_items_are_split_into_checkable_and_not(policies: PolicySet) -> None:
    doc = "- Run `make release` before tagging a version\n- Coordinate with the designers\n"
    result = _import(policies, doc)
    release, coordinate = result.manual
    assert release.checkable and release.nearest is not None
    assert not coordinate.checkable and coordinate.nearest is None
    table = coverage_table(result)
    assert "manual: checkable, no rule yet (nearest:" in table
    assert "manual: not checkable" in table


def test_a_bad_concept_regex_is_one_line_naming_the_rule(tmp_path: Path) -> None:
    base = load_policies()
    rule = base.rules["type-hints"].model_copy(update={"matches": ("type (hints",)})
    policies = PolicySet(
        rules={**base.rules, "type-hints": rule},
        profiles=base.profiles,
        seed_dirs=base.seed_dirs,
        dirs=base.dirs,
    )
    with pytest.raises(Exception) as info:
        _import(policies, "- Use type hints\n")
    assert "rule type-hints: field 'matches'" in str(info.value)


# ---------------------------------------------------------------- reports


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return _write(
        tmp_path / "repo",
        {
            "AGENTS.md": "# Agents\n\nIntro.\n\n- Use type hints for all function signatures\n",
            "app.py": "def f(x):\n    return x\n",
            "broken.py": "def (:\n",
        },
    )


def _audit(args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "report.json"
    code = cli.main([*args, "--format", "json", "--output", str(out)])
    capsys.readouterr()
    return code, json.loads(out.read_text(encoding="utf-8"))


def test_profile_selects_a_repository_profile_by_id(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, report = _audit(["audit", str(repo), "--profile", "agents"], tmp_path, capsys)
    assert [p["id"] for p in report["profiles"]] == ["agents"]
    (agents,) = report["profiles"]
    assert [r["id"] for r in agents["rules"]] == ["type-hints", "profile-drift"]
    type_hints = agents["rules"][0]
    # the repository's own sentence, with its file and line
    assert type_hints["quote"] == "Use type hints for all function signatures"
    assert type_hints["where"] == "AGENTS.md:5"


def test_text_report_groups_failures_by_profile_and_quotes_the_repository(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.main(["audit", str(repo), "--profile", "agents,backend-incremental", "--no-color"])
    out = capsys.readouterr().out
    assert "Failing rules of agents" in out
    assert "Failing rules of backend-incremental" in out
    mine = out[out.index("Failing rules of agents") :]
    assert '"Use type hints for all function signatures" (AGENTS.md:5)' in mine
    # parse-error is said once, apart from the profiles
    assert out.count("✗ parse-error") == 1
    assert "Failing rules every audit runs" in out
    assert "findings listed under" in out  # type-hints fails in both profiles


def test_unknown_profile_names_the_repository_profiles_too(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["audit", str(repo), "--profile", "agentz"])
    err = capsys.readouterr().err
    assert code == 2
    assert "unknown profile 'agentz'" in err and "agents" in err


def test_facts_about_the_project_are_context_not_instructions(policies: PolicySet) -> None:
    doc = """\
## Conventions

- Test files use `.spec.ts` (not `.test.ts`)
- Many shared lint rules currently DISABLED: `curly`, `eqeqeq`
- Note in config: "relaxed while the package moves to the shared lint setup"
- Tests that hit the network may need credentials
- **Models**: Pydantic models live in `schemas.py` files
- Unit tests that do not touch the network do not need credentials.

## Rules

- Lint every package with the shared config.
"""
    kinds = _by_text(_import(policies, doc))
    assert kinds["Test files use `.spec.ts` (not `.test.ts`)"] == "context"
    assert kinds["Many shared lint rules currently DISABLED: `curly`, `eqeqeq`"] == "context"
    assert kinds["Tests that hit the network may need credentials"] != "instruction"
    assert kinds["Lint every package with the shared config."] == "instruction"
    assert kinds["**Models**: Pydantic models live in `schemas.py` files"] == "context"
    assert kinds["Unit tests that do not touch the network do not need credentials."] == "context"
    quoted = [k for k in kinds if k.startswith("Note in config")]
    assert [kinds[k] for k in quoted] == ["context"]


def test_go_and_typescript_sentences_reach_their_rules(policies: PolicySet) -> None:
    go = _import(policies, "- Check and propagate errors from every Go I/O call.\n")
    assert "go-errors-checked" in go.sources
    ts = _import(policies, "- In TypeScript, use the `@/` alias and avoid relative path ladders.\n")
    assert "absolute-imports" in ts.sources


def test_checklists_stacks_and_lead_ins(policies: PolicySet) -> None:
    doc = """\
## Tooling

- **Testing**: pytest, hypothesis, Playwright integration
- **Database**: query tuning, connection pooling

## Quality Checklist

- [ ] Secrets read from the environment; no inline credentials
- [x] Delivered the orders API

## Style

Use ruff for linting and formatting:

- `uv run ruff check .`
- `uv run ruff format .`
"""
    result = _import(policies, doc)
    kinds = _by_text(result)
    # a stack named with lowercase tool names is still the stack; practices are asked for
    assert kinds["**Testing**: pytest, hypothesis, Playwright integration"] == "description"
    assert kinds["**Database**: query tuning, connection pooling"] == "instruction"
    # an unticked box is a criterion to meet, a ticked one reports progress
    assert kinds["[ ] Secrets read from the environment; no inline credentials"] == "instruction"
    assert kinds["[x] Delivered the orders API"] == "description"
    # the lead-in asks; the bare commands under it only show how
    assert kinds["Use ruff for linting and formatting:"] == "instruction"
    assert kinds["`uv run ruff check .`"] == "context"
    assert {"ruff-configured", "formatter-enforced", "no-hardcoded-secrets"} <= set(result.sources)
    assert "tests-present" not in result.sources
    lead = result.sources["formatter-enforced"]
    assert [s.text for s in lead] == ["Use ruff for linting and formatting:"]


def test_a_review_checklist_by_severity_lists_defects(policies: PolicySet) -> None:
    doc = """\
# Go reviewer

## Review Priorities

### CRITICAL -- Error Handling
- **Ignored errors**: Using `_` to discard errors from `Close()`

### MEDIUM -- Best Practices
- **Context first**: `ctx context.Context` should be the first parameter
"""
    result = _import(policies, doc)
    by_line = {s.line: s for s in result.document.statements}
    assert by_line[6].prohibited and not by_line[9].prohibited
    assert "go-errors-checked" in result.sources  # a defect to flag names the demand
    assert "go-errors-checked" not in result.disabled


def test_commands_under_a_label_and_focus_areas_are_not_demands(policies: PolicySet) -> None:
    doc = """\
## Focus Areas

- Comprehensive unit testing and test coverage
- Type hints and static type checking

## Commands

- Run CI tests: `uv run pytest -vxs tests/ci`
- **All tests**: `CI=true pnpm test:ci`
"""
    result = _import(policies, doc)
    kinds = _by_text(result)
    assert kinds["Comprehensive unit testing and test coverage"] == "description"
    assert kinds["Run CI tests: `uv run pytest -vxs tests/ci`"] == "context"
    assert kinds["**All tests**: `CI=true pnpm test:ci`"] == "context"
    assert result.sources == {}


def test_commands_in_a_fence_file_glosses_and_that_clauses(policies: PolicySet) -> None:
    doc = """\
## System Prompt

```
go test -race ./...
golangci-lint run
```

## Examples

- db_test.go - Unit test examples

## Anti-patterns

- **Do not add clippy `#[allow]` without justification** -- every override has a reason.

## Quality Gates

- Validate that new features include corresponding tests
- **All new code needs tests.** The per-file gate is 90%.
"""
    result = _import(policies, doc)
    kinds = _by_text(result)
    assert kinds["go test -race ./..."] == "context"
    assert kinds["db_test.go - Unit test examples"] == "context"
    assert kinds["Validate that new features include corresponding tests"] == "instruction"
    assert kinds["**All new code needs tests.**"] == "instruction"  # its own sentence now
    assert "tool-suppression-justified" in result.sources  # not negated twice
    assert "ci-go-race" not in result.sources and "linter-configured" not in result.sources


def test_references_to_cite_and_skipping_hooks(policies: PolicySet) -> None:
    doc = """\
When asserting compliance, reference:

- PEP 8 for style and coding conventions
- PEP 257 for docstring conventions

## Git

- ALWAYS run git commit with --no-verify to avoid Husky failing
"""
    result = _import(policies, doc)
    kinds = _by_text(result)
    assert kinds["PEP 8 for style and coding conventions"] == "context"
    assert "docstrings" not in result.sources
    # skipping the hooks is the opposite of what pre-commit-configured asks
    assert "pre-commit-configured" in result.disabled
    assert "pre-commit-configured" not in result.sources


def test_command_lists_layout_rows_and_locations_are_context(policies: PolicySet) -> None:
    doc = """\
## Commands

- **Test:** `make test` (unit, ~60s) • `make test-all` (integration)
- Proto CI: `buf lint` and `buf format` check.
- **Missing error wrapping**: `return err` without `fmt.Errorf("ctx: %w", err)`

## Layout

```
internal/
db/          SQLite via sqlc, with migrations
```

- Migrations in `internal/db/migrations/`.
"""
    result = _import(policies, doc)
    kinds = _by_text(result)
    assert kinds["**Test:** `make test` (unit, ~60s) • `make test-all` (integration)"] == "context"
    assert kinds["Proto CI: `buf lint` and `buf format` check."] == "context"
    # a defect glossed with code still names what to do
    assert (
        kinds['**Missing error wrapping**: `return err` without `fmt.Errorf("ctx: %w", err)`']
        == "instruction"
    )
    assert kinds["Migrations in `internal/db/migrations/`."] == "context"
    assert not any(text.startswith(("internal/", "db/")) for text in kinds)
    assert "migrations-present" not in result.sources and "ci-runs-tests" not in result.sources


def test_check_marked_criteria_and_flagged_defects(policies: PolicySet) -> None:
    doc = """\
## Review Checklist

- ✓ All functions have complete type hints (params + return)
- ✓ No hardcoded credentials or API keys

## Go review

- Flag any use of `panic()` outside of truly unrecoverable situations

## Status

- ✅ Delivered the orders API
"""
    result = _import(policies, doc)
    kinds = _by_text(result)
    assert kinds["✓ All functions have complete type hints (params + return)"] == "instruction"
    assert kinds["✅ Delivered the orders API"] == "description"
    assert {"type-hints", "no-hardcoded-secrets", "go-no-panic"} <= set(result.sources)
    assert "go-no-panic" not in result.disabled
