"""The explicit analyzer registry: rule YAML names an analyzer; this maps names to classes.

Adding an analyzer: write its module, then add one line to ``ANALYZERS`` (name -> module and
class). Nothing registers itself on import. A module is imported when a rule that needs it is
planned, so a run that analyzes nothing (a warm cache) imports none of the ~80 analyzer modules.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from charter.errors import PolicyError, describe_validation

if TYPE_CHECKING:
    from charter.analyzers.base import Analyzer
    from charter.policy import Rule

#: analyzer name (as in rule YAML) -> "module under charter.analyzers:class"
ANALYZERS: dict[str, str] = {
    "parse-error": "engine_rules:ParseErrorAnalyzer",
    "suppression-without-reason": "engine_rules:SuppressionWithoutReasonAnalyzer",
    "unused-suppression": "engine_rules:UnusedSuppressionAnalyzer",
    "tool-suppression-justified": "generic.tool_suppressions:ToolSuppressionJustifiedAnalyzer",
    "cors-restricted": "generic.cors_restricted:CorsRestrictedAnalyzer",
    "type-hints": "python.type_hints:TypeHintsAnalyzer",
    "no-explicit-any": "python.no_explicit_any:NoExplicitAnyAnalyzer",
    "pathlib-over-os-path": "python.pathlib_over_os_path:PathlibOverOsPathAnalyzer",
    "f-strings": "python.f_strings:FStringsAnalyzer",
    "context-managers": "python.context_managers:ContextManagersAnalyzer",
    "no-blocking-in-async": "python.no_blocking_in_async:NoBlockingInAsyncAnalyzer",
    "http-timeouts": "python.http_timeouts:HttpTimeoutsAnalyzer",
    "no-silent-failures": "python.no_silent_failures:NoSilentFailuresAnalyzer",
    "parameterized-sql": "python.parameterized_sql:ParameterizedSqlAnalyzer",
    "jwt-verification": "python.jwt_verification:JwtVerificationAnalyzer",
    "polars-for-dataframes": "python.dataframes:PolarsForDataframesAnalyzer",
    "polars-lazy": "python.dataframes:PolarsLazyAnalyzer",
    "temporal-activity-policy": "python.temporal_activity_policy:TemporalActivityPolicyAnalyzer",
    "retry-with-backoff": "python.retry_with_backoff:RetryWithBackoffAnalyzer",
    "schema-validation": "python.schema_validation:SchemaValidationAnalyzer",
    "docstrings": "python.docstrings:DocstringsAnalyzer",
    "python-banned-import": "python.banned:BannedImportAnalyzer",
    "python-banned-call": "python.banned:BannedCallAnalyzer",
    "src-layout": "repo.src_layout:SrcLayoutAnalyzer",
    "typed-package-marker": "repo.typed_package_marker:TypedPackageMarkerAnalyzer",
    "profile-drift": "repo.profile_drift:ProfileDriftAnalyzer",
    "rust-lib-main-split": "rust.lib_main_split:RustLibMainSplitAnalyzer",
    "tls-verification": "python.tls_verification:TlsVerificationAnalyzer",
    "rate-limiting": "repo.api_hardening:RateLimitingAnalyzer",
    "security-headers": "repo.api_hardening:SecurityHeadersAnalyzer",
    "circuit-breakers": "repo.api_hardening:CircuitBreakersAnalyzer",
    "idempotency-keys": "repo.api_hardening:IdempotencyKeysAnalyzer",
    "error-response-shape": "repo.api_hardening:ErrorResponseShapeAnalyzer",
    "async-cancellation-reraised": "python.async_cancellation:AsyncCancellationReraisedAnalyzer",
    "no-secrets-in-logs": "python.secrets_in_logs:NoSecretsInLogsAnalyzer",
    "rust-spawn-handled": "rust.spawn_handled:RustSpawnHandledAnalyzer",
    "db-pool-configured": "python.db_pool:DbPoolConfiguredAnalyzer",
    "pagination-bounded": "python.pagination:PaginationBoundedAnalyzer",
    "strict-type-checking": "repo.strict_type_checking:StrictTypeCheckingAnalyzer",
    "ruff-configured": "repo.ruff_configured:RuffConfiguredAnalyzer",
    "structured-logging": "repo.structured_logging:StructuredLoggingAnalyzer",
    "metrics-exposed": "repo.metrics_exposed:MetricsExposedAnalyzer",
    "tracing": "repo.tracing:TracingAnalyzer",
    "request-id-in-logs": "repo.request_id_in_logs:RequestIdInLogsAnalyzer",
    "routes-require-auth": "repo.api_access:RoutesRequireAuthAnalyzer",
    "csrf-protection": "repo.api_access:CsrfProtectionAnalyzer",
    "api-versioned-routes": "repo.api_access:ApiVersionedRoutesAnalyzer",
    "graceful-shutdown": "repo.graceful_shutdown:GracefulShutdownAnalyzer",
    "migrations-present": "repo.migrations_present:MigrationsPresentAnalyzer",
    "tests-present": "repo.tests_present:TestsPresentAnalyzer",
    "coverage-threshold": "repo.coverage_threshold:CoverageThresholdAnalyzer",
    "dependency-lock": "repo.dependency_lock:DependencyLockAnalyzer",
    "ci-runs-tests": "ci.rules:CiRunsTestsAnalyzer",
    "ci-runs-linters": "ci.rules:CiRunsLintersAnalyzer",
    "ci-dependency-scan": "ci.rules:CiDependencyScanAnalyzer",
    "ci-security-scan": "ci.rules:CiSecurityScanAnalyzer",
    "ci-image-scan": "ci.image_scan:CiImageScanAnalyzer",
    "ci-go-race": "ci.go_race:CiGoRaceAnalyzer",
    "formatter-enforced": "ci.formatter:FormatterEnforcedAnalyzer",
    "ci-no-pull-request-target-checkout": "ci.untrusted_checkout:UntrustedCheckoutAnalyzer",
    "agent-context-file": "repo.agent_context_file:AgentContextFileAnalyzer",
    "agent-task-list": "repo.agent_task_list:AgentTaskListAnalyzer",
    "agent-build-plan": "repo.agent_build_plan:AgentBuildPlanAnalyzer",
    "api-documentation": "repo.api_documentation:ApiDocumentationAnalyzer",
    "setup-docs": "repo.setup_docs:SetupDocsAnalyzer",
    "linter-configured": "repo.linter_configured:LinterConfiguredAnalyzer",
    "pre-commit-configured": "repo.precommit_configured:PreCommitConfiguredAnalyzer",
    "file-exists": "generic.file_exists:FileExistsAnalyzer",
    "config-value": "generic.config_value:ConfigValueAnalyzer",
    "text-pattern": "generic.text_pattern:TextPatternAnalyzer",
    # charter: ignore[no-hardcoded-secrets] -- a module:class reference, not a credential
    "secrets": "secrets:SecretsAnalyzer",
    "unscanned-file": "secrets.unscanned:UnscannedFileAnalyzer",
    "terraform-pinned-providers": "terraform.providers:PinnedProvidersAnalyzer",
    "terraform-pinned-modules": "terraform.modules:PinnedModulesAnalyzer",
    "terraform-required-version": "terraform.required_version:RequiredVersionAnalyzer",
    "terraform-lock-file": "terraform.lock_file:LockFileAnalyzer",
    "go-error-wrapping": "go.error_wrapping:GoErrorWrappingAnalyzer",
    "go-context-first": "go.context_first:GoContextFirstAnalyzer",
    "go-no-sleep-sync": "go.no_sleep_sync:GoNoSleepSyncAnalyzer",
    "go-project-layout": "go.project_layout:GoProjectLayoutAnalyzer",
    "go-errors-checked": "go.errors_checked:GoErrorsCheckedAnalyzer",
    "go-no-panic": "go.no_panic:GoNoPanicAnalyzer",
    "rust-no-unwrap": "rust.no_unwrap:RustNoUnwrapAnalyzer",
    "rust-no-panic": "rust.no_panic:RustNoPanicAnalyzer",
    "rust-unsafe-justified": "rust.unsafe_justified:RustUnsafeJustifiedAnalyzer",
    "rust-clippy-pedantic": "rust.clippy_pedantic:RustClippyPedanticAnalyzer",
    "cargo-lock-committed": "rust.lock_file:CargoLockCommittedAnalyzer",
    "typescript-strict": "typescript.strict:TypescriptStrictAnalyzer",
    "absolute-imports": "python.absolute_imports:AbsoluteImportsAnalyzer",
    "health-checks": "health.checks:HealthChecksAnalyzer",
    "terraform-remote-state-locking": "terraform.state_locking:RemoteStateLockingAnalyzer",
    "terraform-encryption-at-rest": "terraform.encryption:EncryptionAtRestAnalyzer",
    "terraform-resource-tags": "terraform.tags:ResourceTagsAnalyzer",
    "container-non-root": "containers.non_root:ContainerNonRootAnalyzer",
    "dockerfile-multi-stage": "containers.multi_stage:DockerfileMultiStageAnalyzer",
    "k8s-resource-limits": "containers.resource_limits:ResourceLimitsAnalyzer",
    "terraform-only-iac": "terraform.only_iac:OnlyIacAnalyzer",
    "terraform-no-open-ingress": "terraform.network:NoOpenIngressAnalyzer",
    "terraform-iam-least-privilege": "terraform.iam:IamLeastPrivilegeAnalyzer",
    "k8s-cluster-policies": "containers.cluster:ClusterPoliciesAnalyzer",
}


class _Registry(MutableMapping[str, "type[Analyzer]"]):
    """``REGISTRY[name]`` is the analyzer class, its module imported on first lookup. Classes
    set here (tests register probe analyzers) take precedence over ``ANALYZERS``."""

    def __init__(self) -> None:
        self._set: dict[str, type[Analyzer]] = {}

    def __getitem__(self, name: str) -> type[Analyzer]:
        if name in self._set:
            return self._set[name]
        module, _, cls = ANALYZERS[name].partition(":")
        found: type[Analyzer] = getattr(importlib.import_module(f"{__name__}.{module}"), cls)
        return found

    def __contains__(self, name: object) -> bool:
        return name in self._set or name in ANALYZERS

    def __setitem__(self, name: str, cls: type[Analyzer]) -> None:
        self._set[name] = cls

    def __delitem__(self, name: str) -> None:
        del self._set[name]

    def __iter__(self) -> Iterator[str]:
        return iter({**dict.fromkeys(ANALYZERS), **dict.fromkeys(self._set)})

    def __len__(self) -> int:
        return len(set(ANALYZERS) | set(self._set))


REGISTRY: MutableMapping[str, type[Analyzer]] = _Registry()


def analyzer_class(name: str, where: Path | str = "policy") -> type[Analyzer]:
    """The analyzer class registered under ``name`` (imported on first use)."""
    if name not in REGISTRY:
        raise PolicyError(
            f"{where}: field 'analyzer': unknown analyzer {name!r}; "
            f"use one of {', '.join(sorted(REGISTRY))} or omit it for a planned rule"
        )
    return REGISTRY[name]


def validate_params(rule: Rule, params: dict[str, Any], where: Path | str) -> None:
    """Reject parameters the rule's analyzer does not take, where the policy is loaded."""
    from pydantic import ValidationError

    if rule.analyzer is None:
        return
    cls = analyzer_class(rule.analyzer, where)
    try:
        cls.Params.model_validate(params)
    except ValidationError as exc:
        message = describe_validation(exc, str(where), cls.Params, prefix="params")
        raise PolicyError(
            f"{message}; see 'charter explain {rule.id}' for the parameters"
        ) from None


def create_analyzer(rule: Rule, params: dict[str, Any]) -> Analyzer:
    """The analyzer of ``rule`` with its parameters validated."""
    assert rule.analyzer is not None
    cls = analyzer_class(rule.analyzer)
    return cls(cls.Params.model_validate(params))
