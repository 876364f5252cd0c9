"""The explicit analyzer registry: rule YAML names an analyzer; this maps names to classes.

Adding an analyzer: write its module, then add one line to ``REGISTRY``. Nothing registers itself
on import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from charter.analyzers.base import Analyzer
from charter.analyzers.ci.rules import (
    CiDependencyScanAnalyzer,
    CiRunsLintersAnalyzer,
    CiRunsTestsAnalyzer,
    CiSecurityScanAnalyzer,
)
from charter.analyzers.containers.cluster import ClusterPoliciesAnalyzer
from charter.analyzers.containers.non_root import ContainerNonRootAnalyzer
from charter.analyzers.containers.resource_limits import ResourceLimitsAnalyzer
from charter.analyzers.engine_rules import (
    ParseErrorAnalyzer,
    SuppressionWithoutReasonAnalyzer,
    UnusedSuppressionAnalyzer,
)
from charter.analyzers.generic.config_value import ConfigValueAnalyzer
from charter.analyzers.generic.file_exists import FileExistsAnalyzer
from charter.analyzers.generic.text_pattern import TextPatternAnalyzer
from charter.analyzers.go.context_first import GoContextFirstAnalyzer
from charter.analyzers.go.error_wrapping import GoErrorWrappingAnalyzer
from charter.analyzers.go.no_sleep_sync import GoNoSleepSyncAnalyzer
from charter.analyzers.go.project_layout import GoProjectLayoutAnalyzer
from charter.analyzers.health.checks import HealthChecksAnalyzer
from charter.analyzers.python.absolute_imports import AbsoluteImportsAnalyzer
from charter.analyzers.python.async_cancellation import AsyncCancellationReraisedAnalyzer
from charter.analyzers.python.banned import BannedCallAnalyzer, BannedImportAnalyzer
from charter.analyzers.python.context_managers import ContextManagersAnalyzer
from charter.analyzers.python.dataframes import PolarsForDataframesAnalyzer, PolarsLazyAnalyzer
from charter.analyzers.python.db_pool import DbPoolConfiguredAnalyzer
from charter.analyzers.python.docstrings import DocstringsAnalyzer
from charter.analyzers.python.f_strings import FStringsAnalyzer
from charter.analyzers.python.http_timeouts import HttpTimeoutsAnalyzer
from charter.analyzers.python.jwt_verification import JwtVerificationAnalyzer
from charter.analyzers.python.no_blocking_in_async import NoBlockingInAsyncAnalyzer
from charter.analyzers.python.no_explicit_any import NoExplicitAnyAnalyzer
from charter.analyzers.python.no_silent_failures import NoSilentFailuresAnalyzer
from charter.analyzers.python.pagination import PaginationBoundedAnalyzer
from charter.analyzers.python.parameterized_sql import ParameterizedSqlAnalyzer
from charter.analyzers.python.pathlib_over_os_path import PathlibOverOsPathAnalyzer
from charter.analyzers.python.retry_with_backoff import RetryWithBackoffAnalyzer
from charter.analyzers.python.schema_validation import SchemaValidationAnalyzer
from charter.analyzers.python.secrets_in_logs import NoSecretsInLogsAnalyzer
from charter.analyzers.python.temporal_activity_policy import TemporalActivityPolicyAnalyzer
from charter.analyzers.python.tls_verification import TlsVerificationAnalyzer
from charter.analyzers.python.type_hints import TypeHintsAnalyzer
from charter.analyzers.repo.agent_build_plan import AgentBuildPlanAnalyzer
from charter.analyzers.repo.agent_context_file import AgentContextFileAnalyzer
from charter.analyzers.repo.agent_task_list import AgentTaskListAnalyzer
from charter.analyzers.repo.api_documentation import ApiDocumentationAnalyzer
from charter.analyzers.repo.api_hardening import (
    CircuitBreakersAnalyzer,
    ErrorResponseShapeAnalyzer,
    IdempotencyKeysAnalyzer,
    RateLimitingAnalyzer,
    SecurityHeadersAnalyzer,
)
from charter.analyzers.repo.coverage_threshold import CoverageThresholdAnalyzer
from charter.analyzers.repo.dependency_lock import DependencyLockAnalyzer
from charter.analyzers.repo.graceful_shutdown import GracefulShutdownAnalyzer
from charter.analyzers.repo.linter_configured import LinterConfiguredAnalyzer
from charter.analyzers.repo.metrics_exposed import MetricsExposedAnalyzer
from charter.analyzers.repo.migrations_present import MigrationsPresentAnalyzer
from charter.analyzers.repo.profile_drift import ProfileDriftAnalyzer
from charter.analyzers.repo.ruff_configured import RuffConfiguredAnalyzer
from charter.analyzers.repo.setup_docs import SetupDocsAnalyzer
from charter.analyzers.repo.src_layout import SrcLayoutAnalyzer
from charter.analyzers.repo.strict_type_checking import StrictTypeCheckingAnalyzer
from charter.analyzers.repo.structured_logging import StructuredLoggingAnalyzer
from charter.analyzers.repo.tests_present import TestsPresentAnalyzer
from charter.analyzers.repo.tracing import TracingAnalyzer
from charter.analyzers.repo.typed_package_marker import TypedPackageMarkerAnalyzer
from charter.analyzers.rust.clippy_pedantic import RustClippyPedanticAnalyzer
from charter.analyzers.rust.lib_main_split import RustLibMainSplitAnalyzer
from charter.analyzers.rust.no_unwrap import RustNoUnwrapAnalyzer
from charter.analyzers.rust.spawn_handled import RustSpawnHandledAnalyzer
from charter.analyzers.rust.unsafe_justified import RustUnsafeJustifiedAnalyzer
from charter.analyzers.secrets import SecretsAnalyzer
from charter.analyzers.terraform.encryption import EncryptionAtRestAnalyzer
from charter.analyzers.terraform.iam import IamLeastPrivilegeAnalyzer
from charter.analyzers.terraform.lock_file import LockFileAnalyzer
from charter.analyzers.terraform.modules import PinnedModulesAnalyzer
from charter.analyzers.terraform.network import NoOpenIngressAnalyzer
from charter.analyzers.terraform.only_iac import OnlyIacAnalyzer
from charter.analyzers.terraform.providers import PinnedProvidersAnalyzer
from charter.analyzers.terraform.required_version import RequiredVersionAnalyzer
from charter.analyzers.terraform.state_locking import RemoteStateLockingAnalyzer
from charter.analyzers.terraform.tags import ResourceTagsAnalyzer
from charter.analyzers.typescript.strict import TypescriptStrictAnalyzer
from charter.errors import PolicyError

REGISTRY: dict[str, type[Analyzer]] = {
    cls.name: cls
    for cls in (
        ParseErrorAnalyzer,
        SuppressionWithoutReasonAnalyzer,
        UnusedSuppressionAnalyzer,
        TypeHintsAnalyzer,
        NoExplicitAnyAnalyzer,
        PathlibOverOsPathAnalyzer,
        FStringsAnalyzer,
        ContextManagersAnalyzer,
        NoBlockingInAsyncAnalyzer,
        HttpTimeoutsAnalyzer,
        NoSilentFailuresAnalyzer,
        ParameterizedSqlAnalyzer,
        JwtVerificationAnalyzer,
        PolarsForDataframesAnalyzer,
        PolarsLazyAnalyzer,
        TemporalActivityPolicyAnalyzer,
        RetryWithBackoffAnalyzer,
        SchemaValidationAnalyzer,
        DocstringsAnalyzer,
        BannedImportAnalyzer,
        BannedCallAnalyzer,
        SrcLayoutAnalyzer,
        # repository, config, CI and agent workspace (issue 8)
        TypedPackageMarkerAnalyzer,
        ProfileDriftAnalyzer,
        RustLibMainSplitAnalyzer,
        TlsVerificationAnalyzer,
        RateLimitingAnalyzer,
        SecurityHeadersAnalyzer,
        CircuitBreakersAnalyzer,
        IdempotencyKeysAnalyzer,
        ErrorResponseShapeAnalyzer,
        AsyncCancellationReraisedAnalyzer,
        NoSecretsInLogsAnalyzer,
        RustSpawnHandledAnalyzer,
        DbPoolConfiguredAnalyzer,
        PaginationBoundedAnalyzer,
        StrictTypeCheckingAnalyzer,
        RuffConfiguredAnalyzer,
        StructuredLoggingAnalyzer,
        MetricsExposedAnalyzer,
        TracingAnalyzer,
        GracefulShutdownAnalyzer,
        MigrationsPresentAnalyzer,
        TestsPresentAnalyzer,
        CoverageThresholdAnalyzer,
        DependencyLockAnalyzer,
        CiRunsTestsAnalyzer,
        CiRunsLintersAnalyzer,
        CiDependencyScanAnalyzer,
        CiSecurityScanAnalyzer,
        AgentContextFileAnalyzer,
        AgentTaskListAnalyzer,
        AgentBuildPlanAnalyzer,
        ApiDocumentationAnalyzer,
        SetupDocsAnalyzer,
        LinterConfiguredAnalyzer,
        FileExistsAnalyzer,
        ConfigValueAnalyzer,
        TextPatternAnalyzer,
        SecretsAnalyzer,
        PinnedProvidersAnalyzer,
        PinnedModulesAnalyzer,
        RequiredVersionAnalyzer,
        LockFileAnalyzer,
        GoErrorWrappingAnalyzer,
        GoContextFirstAnalyzer,
        GoNoSleepSyncAnalyzer,
        GoProjectLayoutAnalyzer,
        RustNoUnwrapAnalyzer,
        RustUnsafeJustifiedAnalyzer,
        RustClippyPedanticAnalyzer,
        TypescriptStrictAnalyzer,
        AbsoluteImportsAnalyzer,
        HealthChecksAnalyzer,
        RemoteStateLockingAnalyzer,
        EncryptionAtRestAnalyzer,
        ResourceTagsAnalyzer,
        ContainerNonRootAnalyzer,
        ResourceLimitsAnalyzer,
        OnlyIacAnalyzer,
        NoOpenIngressAnalyzer,
        IamLeastPrivilegeAnalyzer,
        ClusterPoliciesAnalyzer,
    )
}


def analyzer_class(name: str, where: Path | str = "policy") -> type[Analyzer]:
    try:
        return REGISTRY[name]
    except KeyError:
        raise PolicyError(
            f"{where}: field 'analyzer': unknown analyzer {name!r}; "
            f"use one of {', '.join(sorted(REGISTRY))} or omit it for a planned rule"
        ) from None


def validate_params(rule: Any, params: dict[str, Any], where: Path | str) -> None:
    """Reject parameters the rule's analyzer does not take, where the policy is loaded."""
    if rule.analyzer is None:
        return
    cls = analyzer_class(rule.analyzer, where)
    try:
        cls.Params.model_validate(params)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise PolicyError(
            f"{where}: field 'params.{loc}': {first['msg']}; "
            f"see 'charter explain {rule.id}' for the parameters"
        ) from None


def create_analyzer(rule: Any, params: dict[str, Any]) -> Analyzer:
    cls = analyzer_class(rule.analyzer)
    return cls(cls.Params.model_validate(params))
