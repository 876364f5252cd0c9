"""The CI rules: does a CI step run the tests, linters, a dependency audit, a SAST scan?

Each rule is a table of (label, regex) matched against every step :mod:`charter.analyzers.ci.
model` collects (``run:`` lines, ``uses:`` actions, GitLab templates, followed ``make`` targets
and scripts, pre-commit hooks when CI runs pre-commit). A pass lists the steps that matched; a
fail is anchored on the first CI file (or, with no CI at all, on the project manifest).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.ci.model import CiModel, Step, ci_model, tools
from charter.repo import RepoIndex
from charter.sources import basename

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
        if model.remote:
            # a job that delegates to a workflow of another repository may run it: not judged
            for step in model.remote[:3]:
                out.evidence(
                    f"not judged: the job at {step.where()} delegates to the remote reusable "
                    f"workflow `{_short(step)}`, which charter cannot read"
                )
            return
        if not model.ci_files:
            # the fix is a workflow that does not exist yet: a finding about the repository
            if model.disabled:
                off = ", ".join(model.disabled[:3]) + (" …" if len(model.disabled) > 3 else "")
                out.report_repository(
                    f"no CI runs: {off} {'is' if len(model.disabled) == 1 else 'are'} "
                    f"entirely commented out, so nothing {self.WHAT} automatically; enable a "
                    f"workflow with a step such as {self.HINT}"
                )
                return
            out.report_repository(
                f"no CI configuration found (.github/workflows/, .gitlab-ci.yml, …), so nothing "
                f"{self.WHAT} automatically; add a workflow step such as {self.HINT}"
            )
            return
        listed = ", ".join(model.ci_files[:3]) + (" …" if len(model.ci_files) > 3 else "")
        unread = "; not read: " + ", ".join(model.unread) if model.unread else ""
        out.report_file(
            _anchor_file(model),
            f"no CI step {self.WHAT} (checked {listed}{self.more(repo, model)}{unread}); "
            f"add a step such as {self.HINT}",
        )

    def more(self, repo: RepoIndex, model: CiModel) -> str:
        """What else was checked and did not count, for the message."""
        return ""


def _anchor_file(model: CiModel) -> str:
    """Where a missing step belongs: the CI file that runs the tests (else the linters), or
    the one with the most commands (also among several that run the tests)."""
    for table in (CiRunsTestsAnalyzer.TOOLS, CiRunsLintersAnalyzer.TOOLS):
        paths = {
            origin.rsplit(":", 1)[0]
            for _, step in model.find(table, model.steps)
            for origin in model.origins_of(step)
        }
        if found := [p for p in model.ci_files if p in paths]:
            return model.main_ci_file(found)
    return model.main_ci_file()


def _short(step: Step) -> str:
    return step.text if len(step.text) <= 80 else step.text[:77] + "..."


class CiRunsTestsAnalyzer(CiStepAnalyzer):
    name: ClassVar[str] = "ci-runs-tests"
    WHAT: ClassVar[str] = "runs the test suite"
    HINT: ClassVar[str] = "`pytest`, `go test ./...`, `cargo test` or `npm test`"
    TOOLS: ClassVar[tuple[tuple[str, re.Pattern[str]], ...]] = tools(
        ("pytest", r"\bpytest\b"),
        # ``python -m unittest`` / ``coverage run -m unittest`` (flags are not in the view)
        ("unittest", r"\b(?:python[\d.]*|run)\s+unittest\b"),
        ("nose2", r"\bnose2\b|\bnosetests\b"),
        # ``manage.py test``, ``python -m manage test``, ``coverage run --module manage test``
        ("Django tests", r"\bmanage(?:\.py)?\s+test(?=\s|$)|\bdjango-admin\s+test\b"),
        ("hatch test", r"\bhatch\s+test\b"),
        ("go test", r"\bgo\s+test\b|\bgotestsum\b"),
        # ``cargo +nightly test``, coverage tools that run the tests
        (
            "cargo test",
            r"\bcargo\s+(?:\+\S+\s+)?(?:test|nextest|llvm-cov|tarpaulin)\b|\bcargo-nextest\b",
        ),
        ("npm test", r"\b(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?test\b"),
        ("JS test runner", r"\b(?:jest|vitest|mocha|ava|jasmine|karma)\b|\bplaywright\s+test\b"),
        ("Maven/Gradle tests", r"\b(?:mvn|mvnw|gradle|gradlew)\b.*\b(?:test|verify|check)\b"),
        ("dotnet test", r"\bdotnet\s+test\b"),
        ("rspec", r"\brspec\b"),
        ("phpunit", r"\bphpunit\b"),
        # Helm chart tests: chart-testing's install, ``helm test``, the helm-unittest plugin
        ("helm chart tests", r"\bct\s+(?:install|lint-and-install)\b|\bhelm\s+(?:test|unittest)\b"),
        ("terraform test", r"\b(?:terraform|tofu)\s+test\b"),
        ("other test runner", r"\b(?:deno|swift|mix|dart|flutter)\s+test\b|\bctest\b|\bbats\b"),
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
        # ``go vet``, pre-commit's ``go-vet-repo-mod``, staticcheck, revive
        ("go vet", r"\bgo[\s-]vet\b|\bstaticcheck\b|\brevive\b"),
        # formatter checks: ``gofmt -l``, ``go fmt``, ``goimports``, ``govendor fmt``
        ("gofmt", r"\bgofmt\b|\bgo\s+fmt\b|\bgoimports\b|\bgofumpt\b|\bgovendor\s+fmt\b"),
        ("clippy", r"\bclippy\b"),
        ("cargo fmt", r"\bcargo\s+(?:\+\S+\s+)?fmt\b"),
        ("eslint", r"\beslint\b"),
        ("tslint", r"\btslint\b|\bjshint\b"),
        ("biome", r"\bbiome\b|\boxlint\b"),
        ("tsc", r"\btsc\b"),
        ("prettier", r"\bprettier\b"),
        ("npm run lint", r"\b(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?lint\b"),
        ("hatch fmt", r"\bhatch\s+fmt\b"),
        ("hadolint", r"\bhadolint\b"),
        # ``terraform fmt -check``, tflint, and pre-commit-terraform's ``terraform_fmt``,
        # ``terraform_tflint``, ``terraform_validate`` hooks
        ("tflint", r"(?<![A-Za-z0-9])tflint\b|\bterraform[\s_](?:fmt|validate)\b"),
        ("helm lint", r"\bhelm\s+lint\b|\bct\s+lint\b"),
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
        (
            "cargo audit",
            r"\bcargo[-\s](?:\+\S+\s+)?(?:audit|deny)\b|rustsec/audit-check|cargo-deny-action",
        ),
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
        if not repo.select(_dependency_file):
            return (
                "the repository declares no dependencies (no requirements, pyproject, "
                "package.json, go.mod, Cargo.toml, …)"
            )
        release = _published_python_library(repo)
        if release:
            return (
                f"a published Python distribution ({release}) that deploys nothing of its own: "
                "its dependencies are version ranges its users resolve, so the audit belongs "
                "where they are installed"
            )
        return None

    def extra_evidence(self, repo: RepoIndex, model: CiModel, out: Emitter) -> bool:
        wanted = _ecosystems(repo)
        found = False
        for bot in model.bots:
            if bot.ecosystems is None or not wanted or bot.ecosystems & wanted:
                out.evidence(f"{bot.name} config at {bot.path}:{bot.line}")
                found = True
        return found

    def more(self, repo: RepoIndex, model: CiModel) -> str:
        others = [b for b in model.bots if b.ecosystems is not None]
        if not others:
            return ""
        updates = ", ".join(sorted({e for b in others for e in b.ecosystems or ()})) or "nothing"
        return f"; {others[0].path} updates only {updates}, none of the project's package managers"


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
        # Go's vulnerability scanner analyses which vulnerable functions the code reaches
        ("govulncheck", r"\bgovulncheck\b"),
        # Rust has no established SAST tool; cargo-deny/cargo-audit's RustSec advisory check is
        # the security gate Rust projects run
        (
            "RustSec advisories",
            r"\bcargo[-\s](?:\+\S+\s+)?audit\b|rustsec/audit-check|"
            r"\bcargo[-\s](?:\+\S+\s+)?deny\b(?!.*\bcheck\s+(?:licenses|bans|sources)\b)"
            r"|cargo-deny-action",
        ),
        ("SonarQube", r"sonar(?:cloud|qube|-scanner|source)"),
        ("snyk code", r"\bsnyk\s+code\b"),
        ("IaC scanner", r"\b(?:checkov|tfsec|kics|terrascan)\b|\btrivy\s+config\b"),
        ("zizmor (workflow security)", r"\bzizmor\b"),
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

        found = False
        ruff = model.find(tools(("ruff", r"\bruff\b")))
        config = ruff_config(repo)
        if ruff and config is not None and ruff_selects(config[1], "S"):
            step = ruff[0][1]
            out.evidence(
                f"ruff with the flake8-bandit (S) rules selected in {config[0]}, run at "
                f"{step.where()}"
            )
            found = True
        golangci = model.find(tools(("golangci-lint", r"golangci-lint")))
        if golangci:
            for path in _golangci_with_gosec(repo):
                out.evidence(
                    f"golangci-lint with gosec enabled in {path}, run at {golangci[0][1].where()}"
                )
                found = True
        for step in model.ci_steps():
            if step.kind == "uses" and SUPER_LINTER.search(step.text):
                for scanner in _super_linter_scanners(step):
                    out.evidence(f"super-linter runs {scanner} at {step.where()}")
                    found = True
        return found


SUPER_LINTER = re.compile(r"super-linter")
#: the security scanners super-linter runs, by their ``VALIDATE_*`` switch
SUPER_LINTER_SCANNERS = {"GITLEAKS": "gitleaks (secret scanner)", "CHECKOV": "checkov (IaC)"}


def _super_linter_scanners(step: Step) -> list[str]:
    """super-linter validates every language unless one ``VALIDATE_X: true`` opts into a list
    (then only those) or ``VALIDATE_X: false`` turns one off."""
    values = {
        k.upper(): v.strip().lower() for k, v in step.inputs if k.upper().startswith("VALIDATE_")
    }
    opted_in = any(v == "true" for k, v in values.items() if k != "VALIDATE_ALL_CODEBASE")
    out: list[str] = []
    for key, label in SUPER_LINTER_SCANNERS.items():
        value = values.get(f"VALIDATE_{key}")
        if value == "true" or (value is None and not opted_in):
            out.append(label)
    return out


GOLANGCI_FILES = (".golangci.yml", ".golangci.yaml", ".golangci.toml", ".golangci.json")


def _golangci_file(path: str) -> bool:
    return basename(path) in GOLANGCI_FILES


def _golangci_with_gosec(repo: RepoIndex) -> list[str]:
    """golangci-lint configs that enable gosec: listed in ``linters.enable``, or every linter
    enabled (``enable-all: true``, v2's ``default: all``) without disabling it."""
    out: list[str] = []
    for path in repo.select(_golangci_file):
        file = repo.source(path)
        if path.endswith(".toml"):
            data: Any = file.toml
        elif path.endswith(".json"):
            data = file.json
        else:
            docs = file.yaml_documents or []
            data = docs[0] if docs else None
        linters = data.get("linters") if isinstance(data, dict) else None
        if not isinstance(linters, dict):
            continue
        enabled = [str(x) for x in linters.get("enable") or [] if isinstance(x, str)]
        disabled = [str(x) for x in linters.get("disable") or [] if isinstance(x, str)]
        everything = linters.get("enable-all") is True or linters.get("default") == "all"
        if "gosec" in enabled or (everything and "gosec" not in disabled):
            out.append(path)
    return out


#: Dependabot's package-ecosystem names for each kind of dependency file
ECOSYSTEMS = (
    (re.compile(r"(^|/)(requirements[\w.\-]*\.txt|pyproject\.toml|Pipfile|setup\.py|setup\.cfg|"
                r"uv\.lock|poetry\.lock)$"), {"pip", "uv", "poetry", "pipenv"}),
    (re.compile(r"(^|/)package\.json$"), {"npm", "bun", "yarn", "pnpm"}),
    (re.compile(r"(^|/)go\.mod$"), {"gomod"}),
    (re.compile(r"(^|/)Cargo\.toml$"), {"cargo"}),
    (re.compile(r"(^|/)pom\.xml$"), {"maven"}),
    (re.compile(r"(^|/)build\.gradle(\.kts)?$"), {"gradle"}),
    (re.compile(r"(^|/)Gemfile$"), {"bundler"}),
    (re.compile(r"(^|/)composer\.json$"), {"composer"}),
    (
        re.compile(r"(^|/)(Dockerfile[^/]*|[^/]*\.dockerfile|(docker-)?compose[^/]*\.ya?ml)$"),
        {"docker", "docker-compose"},
    ),
)  # fmt: skip


PYTHON_ECOSYSTEMS = frozenset({"pip", "uv", "poetry", "pipenv"})
CONTAINER_ECOSYSTEMS = frozenset({"docker", "docker-compose"})
PYTHON_LOCKS = ("uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock", "pylock.toml")


def _published_python_library(repo: RepoIndex) -> str | None:
    """How the repository shows it is a published Python distribution with nothing deployed
    from a lock (trove classifiers, a publishing CI step), or None: its only package manager is
    Python's, and it does not both commit a lock file and build an image (which would ship the
    locked versions)."""
    from charter.analyzers.repo.dependency_lock import published_release

    wanted = _ecosystems(repo) - CONTAINER_ECOSYSTEMS
    if not wanted or not wanted <= PYTHON_ECOSYSTEMS:
        return None
    release = published_release(repo)
    if release is None:
        return None
    locked = any(repo.exists(name) for name in PYTHON_LOCKS)
    if locked and repo.of_kind("dockerfile"):
        return None
    return release


def _ecosystem_file(path: str) -> bool:
    return any(regex.search(path) for regex, _ in ECOSYSTEMS)


def _ecosystems(repo: RepoIndex) -> frozenset[str]:
    """The Dependabot ecosystems of the project's dependency files."""
    out: set[str] = set()
    for path in repo.select(_ecosystem_file):
        for regex, names in ECOSYSTEMS:
            if regex.search(path):
                out |= names
    return frozenset(out)


def _dependency_file(path: str) -> bool:
    return DEPENDENCY_FILES.search(path) is not None
