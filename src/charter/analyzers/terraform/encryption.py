"""terraform-encryption-at-rest: storage resources are declared with encryption at rest."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.terraform.common import TerraformAnalyzer
from charter.repo import RepoIndex

Resource = dict[str, Any]


def _is_true(value: Any) -> bool | None:
    """True/False for a literal, None for an expression charter cannot evaluate."""
    if isinstance(value, bool):
        return bool(value)
    if value in ("true", "false"):
        return bool(value == "true")
    return None


def _attr_true(name: str) -> Callable[[Resource], str | None]:
    def check(res: Resource) -> str | None:
        value = res["attrs"].get(name)
        if value is None or _is_true(value) is False:
            return f"set `{name} = true`"
        return None  # true, or an expression (a variable) charter does not evaluate

    return check


def _sns(res: Resource) -> str | None:
    return None if res["attrs"].get("kms_master_key_id") else "set `kms_master_key_id`"


def _sqs(res: Resource) -> str | None:
    attrs = res["attrs"]
    if _is_true(attrs.get("sqs_managed_sse_enabled")) is False and not attrs.get(
        "kms_master_key_id"
    ):
        return "do not turn off `sqs_managed_sse_enabled` without a `kms_master_key_id`"
    return None


def _kinesis(res: Resource) -> str | None:
    return None if res["attrs"].get("encryption_type") == "KMS" else 'set `encryption_type = "KMS"`'


#: resource type -> check returning the fix when the resource is not encrypted at rest.
#: S3 (SSE-S3 since 2023), DynamoDB and SQS (SSE by default) are encrypted unless turned off.
CHECKS: dict[str, Callable[[Resource], str | None]] = {
    "aws_ebs_volume": _attr_true("encrypted"),
    "aws_efs_file_system": _attr_true("encrypted"),
    "aws_db_instance": _attr_true("storage_encrypted"),
    "aws_rds_cluster": _attr_true("storage_encrypted"),
    "aws_docdb_cluster": _attr_true("storage_encrypted"),
    "aws_neptune_cluster": _attr_true("storage_encrypted"),
    "aws_elasticache_replication_group": _attr_true("at_rest_encryption_enabled"),
    "aws_sns_topic": _sns,
    "aws_sqs_queue": _sqs,
    "aws_kinesis_stream": _kinesis,
}


class EncryptionAtRestAnalyzer(TerraformAnalyzer):
    """AWS storage resources declared without encryption at rest (or with it turned off)."""

    name: ClassVar[str] = "terraform-encryption-at-rest"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        modules = self.modules(repo)
        ebs_default = any(
            _is_true(res["attrs"].get("enabled")) is not False
            for m in modules
            for _, res in m.items("resources")
            if res["type"] == "aws_ebs_encryption_by_default"
        )
        checked = 0
        for module in modules:
            for rel, res in module.items("resources"):
                check = CHECKS.get(res["type"])
                if res["type"] == "aws_s3_bucket":
                    checked += 1
                    self._s3(rel, res, out)
                    continue
                if check is None:
                    continue
                checked += 1
                fix = check(res)
                address = f"{res['type']}.{res['name']}"
                if fix is not None and res["type"] == "aws_ebs_volume" and ebs_default:
                    fix = None
                if fix is None:
                    out.evidence(f"{rel}:{res['line']}: {address} is encrypted at rest")
                else:
                    out.report(res["line"], f"{address} is not encrypted at rest; {fix}", path=rel)
        if checked == 0:
            out.not_applicable("no Terraform storage resources")

    @staticmethod
    def _s3(rel: str, res: Resource, out: Emitter) -> None:
        address = f"aws_s3_bucket.{res['name']}"
        sse = res["block_attrs"].get("server_side_encryption_configuration")
        if sse is not None or "server_side_encryption_configuration" in res["blocks"]:
            out.evidence(f"{rel}:{res['line']}: {address} declares server-side encryption")
        else:
            out.evidence(f"{rel}:{res['line']}: {address} is encrypted by S3's default SSE-S3")
