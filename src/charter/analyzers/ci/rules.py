"""The CI rules: does a CI step run the tests, linters, a dependency audit, a SAST scan?

Each rule is a table of (label, regex) matched against every step :mod:`charter.analyzers.ci.
model` collects (``run:`` lines, ``uses:`` actions, GitLab templates, followed ``make`` targets
and scripts, pre-commit hooks when CI runs pre-commit). A pass lists the steps that matched; a
fail is anchored on the first CI file (or, with no CI at all, on the project manifest).
"""

from __future__ import annotations

import re
from typing import ClassVar

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.ci.model import CiModel, Step, ci_model, tools
from charter.repo import RepoIndex

CODE_KINDS = (
    "python",
    "go",
    "rust",
    "typescript",
    "javascript",
    "java",
    "kotlin",
    "ruby",
    "php",
    "csharp",
)
MANIFESTS = (
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "requirements.txt",
    "Pipfile",
    "package.json",
    "go.mod",
    "Cargo.toml",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "Gemfile",
    "composer.json",
)
DEPENDENCY_FILES = re.compile(
    r"(^|/)(requirements[\w.\-]*\.txt|pyproject\.toml|Pipfile|setup\.py|setup\.cfg|"
    r"package\.json|go\.mod|Cargo\.toml|pom\.xml|build\.gradle(\.kts)?|Gemfile|composer\.json|"
    r"uv\.lock|poetry\.lock)$"
)


def code_files(repo: RepoIndex) -> list[str]:
    return repo.of_kind(*CODE_KINDS)


def manifest_anchor(repo: RepoIndex) -> str | None:
    """The root manifest (pyproject.toml, package.json, go.mod, …), if any."""
    for name in MANIFESTS:
        if repo.has(name):
            return name
    return None


class CiStepAnalyzer(Analyzer):
    """Base of the CI rules: subclasses give ``TOOLS``, ``WHAT`` (for messages) and ``HINT``."""

    TOOLS: ClassVar[tuple[tuple[str, re.Pattern[str]], ...]] = ()
    WHAT: ClassVar[str] = ""
    HINT: ClassVar[str] = ""

    def not_applicable_reason(self, repo: RepoIndex) -> str | None:
        if not code_files(repo):
            return "the repository has no source code"
        return None

    def extra_evidence(self, repo: RepoIndex, model: CiModel, out: Emitter) -> bool:
        """Evidence that is not a CI step (a Dependabot config, ruff's S rules, …)."""
        return False

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        reason = self.not_applicable_reason(repo)
        if reason:
            out.not_applicable(reason)
            return
        model = ci_model(repo)
        hits = model.find(self.TOOLS)
        for label, step in hits:
            out.evidence(f"{label}: `{_short(step)}` at {step.where()}")
        found = self.extra_evidence(repo, model, out)
        if hits or found:
            return
        if not model.ci_files:
            # the fix is a workflow that does not exist yet: a finding about the repository
            out.report_repository(
                f"no CI configuration found (.github/workflows/, .gitlab-ci.yml, …), so nothing "
                f"{self.WHAT} automatically; add a workflow step such as {self.HINT}"
            )
            return
        listed = ", ".join(model.ci_files[:3]) + (" …" if len(model.ci_files) > 3 else "")
        out.report_file(
            _anchor_file(model),
            f"no CI step {self.WHAT} (checked {listed}); add a step such as {self.HINT}",
        )


def _anchor_file(model: CiModel) -> str:
    """Where a missing step belongs: the CI file that runs the tests (else the linters), or
    the one with the most commands."""
    for table in (CiRunsTestsAnalyzer.TOOLS, CiRunsLintersAnalyzer.TOOLS):
        for _, step in model.find(table, model.steps):
            path = step.origin.rsplit(":", 1)[0]
            if path in model.ci_files:
                return path
    return model.main_ci_file()


def _short(step: Step) -> str:
    return step.text if len(step.text) <= 80 else step.text[:77] + "..."


class CiRunsTestsAnalyzer(CiStepAnalyzer):
    name: ClassVar[str] = "ci-runs-tests"
    WHAT: ClassVar[str] = "runs the test suite"
    HINT: ClassVar[str] = "`pytest`, `go test ./...`, `cargo test` or `npm test`"
    TOOLS: ClassVar[tuple[tuple[str, re.Pattern[str]], ...]] = tools(
        ("pytest", r"\bpytest\b"),
        ("unittest", r"\bpython3?\s+unittest\b"),
        ("Django tests", r"\bmanage\.py\s+test\b|\bdjango-admin\s+test\b"),
        ("hatch test", r"\bhatch\s+test\b"),
        ("go test", r"\bgo\s+test\b|\bgotestsum\b"),
        ("cargo test", r"\bcargo\s+(?:test|nextest)\b"),
        ("npm test", r"\b(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?test\b"),
        ("JS test runner", r"\b(?:jest|vitest|mocha)\b|\bplaywright\s+test\b"),
        ("Maven/Gradle tests", r"\b(?:mvn|mvnw|gradle|gradlew)\b.*\b(?:test|verify|check)\b"),
        ("dotnet test", r"\bdotnet\s+test\b"),
        ("rspec", r"\brspec\b"),
        ("phpunit", r"\bphpunit\b"),
    )


class CiRunsLintersAnalyzer(CiStepAnalyzer):
    name: ClassVar[str] = "ci-runs-linters"
    WHAT: ClassVar[str] = "runs a linter or type checker"
    HINT: ClassVar[str] = (
        "`ruff check .` and `mypy`, `golangci-lint run`, `cargo clippy` or `eslint`"
    )
    TOOLS: ClassVar[tuple[tuple[str, re.Pattern[str]], ...]] = tools(
        ("ruff", r"\bruff\b"),
        ("mypy", r"\bmypy\b"),
        ("pyright", r"\b(?:based)?pyright\b"),
        ("flake8", r"\bflake8\b"),
        ("pylint", r"\bpylint\b"),
        ("black", r"\bblack\b"),
        ("isort", r"\bisort\b"),
        ("golangci-lint", r"golangci-lint"),
        ("go vet", r"\bgo\s+vet\b|\bstaticcheck\b|\brevive\b"),
        ("clippy", r"\bclippy\b"),
        ("cargo fmt", r"\bcargo\s+fmt\b"),
        ("eslint", r"\beslint\b"),
        ("biome", r"\bbiome\b|\boxlint\b"),
        ("tsc", r"\btsc\b"),
        ("prettier", r"\bprettier\b"),
        ("npm run lint", r"\b(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?lint\b"),
        ("hadolint", r"\bhadolint\b"),
        ("tflint", r"\btflint\b|\bterraform\s+(?:fmt|validate)\b"),
        ("shellcheck", r"\bshellcheck\b"),
        ("super-linter", r"super-linter|megalinter"),
        ("rubocop", r"\brubocop\b"),
        ("ktlint", r"\bktlint\b|\bdetekt\b|\bcheckstyle\b"),
    )


class CiDependencyScanAnalyzer(CiStepAnalyzer):
    name: ClassVar[str] = "ci-dependency-scan"
    WHAT: ClassVar[str] = "audits dependencies for known vulnerabilities"
    HINT: ClassVar[str] = (
        "`pip-audit`, `npm audit`, `cargo audit` or `govulncheck ./...` (or a Dependabot config)"
    )
    TOOLS: ClassVar[tuple[tuple[str, re.Pattern[str]], ...]] = tools(
        ("pip-audit", r"\bpip[-_ ]audit\b"),
        ("safety", r"\bsafety\s+(?:check|scan)\b|pyupio/safety"),
        ("npm audit", r"\b(?:npm|pnpm|yarn|bun)\s+audit\b|\baudit-ci\b"),
        ("cargo audit", r"\bcargo[-\s](?:audit|deny)\b|rustsec/audit-check"),
        ("govulncheck", r"\bgovulncheck\b|\bnancy\b"),
        ("osv-scanner", r"osv-scanner"),
        ("trivy", r"\btrivy\b"),
        ("snyk", r"\bsnyk\b"),
        ("grype", r"\bgrype\b"),
        ("OWASP dependency-check", r"dependency-check|DependencyCheck"),
        ("dependency review", r"dependency-review-action"),
        ("bundler-audit", r"bundler?-audit|\bcomposer\s+audit\b"),
        ("GitLab dependency scanning", r"Dependency-Scanning"),
    )

    def not_applicable_reason(self, repo: RepoIndex) -> str | None:
        if not any(DEPENDENCY_FILES.search(p) for p in repo.files):
            return (
                "the repository declares no dependencies (no requirements, pyproject, "
                "package.json, go.mod, Cargo.toml, …)"
            )
        return None

    def extra_evidence(self, repo: RepoIndex, model: CiModel, out: Emitter) -> bool:
        for path, line, bot in model.bots:
            out.evidence(f"{bot} config at {path}:{line}")
        return bool(model.bots)


class CiSecurityScanAnalyzer(CiStepAnalyzer):
    name: ClassVar[str] = "ci-security-scan"
    WHAT: ClassVar[str] = "runs a static security scan (SAST)"
    HINT: ClassVar[str] = (
        "CodeQL (github/codeql-action), `semgrep ci`, `bandit -r src`, `gosec ./...` or "
        "`charter audit .`"
    )
    TOOLS: ClassVar[tuple[tuple[str, re.Pattern[str]], ...]] = tools(
        ("CodeQL", r"codeql-action/(?:init|analyze)|\bcodeql\s+(?:database|github)\b"),
        ("semgrep", r"\bsemgrep\b"),
        ("bandit", r"\bbandit\b"),
        ("gosec", r"\bgosec\b"),
        ("SonarQube", r"sonar(?:cloud|qube|-scanner|source)"),
        ("snyk code", r"\bsnyk\s+code\b"),
        ("IaC scanner", r"\b(?:checkov|tfsec|kics|terrascan)\b|\btrivy\s+config\b"),
        ("secret scanner", r"\b(?:gitleaks|trufflehog|detect-secrets)\b"),
        ("brakeman", r"\bbrakeman\b|\bnjsscan\b|\bhorusec\b"),
        ("charter", r"\bcharter\s+audit\b|\bpython3?\s+charter(?:\.action)?\b|(?:^|/)charter@"),
        ("OWASP ZAP (DAST)", r"zaproxy|\bzap-(?:baseline|full-scan|api-scan)"),
        ("GitLab SAST", r"(?:^|/)(?:SAST|Secret-Detection|DAST)(?:-IaC)?(?:\.latest)?\.gitlab-ci"),
    )

    def not_applicable_reason(self, repo: RepoIndex) -> str | None:
        if not code_files(repo) and not repo.of_kind("terraform"):
            return "the repository has no source code or infrastructure code"
        return None

    def extra_evidence(self, repo: RepoIndex, model: CiModel, out: Emitter) -> bool:
        from charter.analyzers.repo.ruff_configured import ruff_config, ruff_selects

        ruff = model.find(tools(("ruff", r"\bruff\b")))
        config = ruff_config(repo)
        if ruff and config is not None and ruff_selects(config[1], "S"):
            step = ruff[0][1]
            out.evidence(
                f"ruff with the flake8-bandit (S) rules selected in {config[0]}, run at "
                f"{step.where()}"
            )
            return True
        return False
