"""terraform-resource-tags: taggable AWS resources carry tags (or the provider's default_tags)."""

from __future__ import annotations

from typing import ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.terraform.common import TerraformAnalyzer
from charter.repo import RepoIndex

#: common AWS resource types that support ``tags`` (not exhaustive; the costly ones)
TAGGABLE = frozenset(
    {
        "aws_instance",
        "aws_launch_template",
        "aws_autoscaling_group",
        "aws_ebs_volume",
        "aws_s3_bucket",
        "aws_db_instance",
        "aws_rds_cluster",
        "aws_dynamodb_table",
        "aws_efs_file_system",
        "aws_elasticache_cluster",
        "aws_elasticache_replication_group",
        "aws_vpc",
        "aws_subnet",
        "aws_security_group",
        "aws_nat_gateway",
        "aws_internet_gateway",
        "aws_route_table",
        "aws_eip",
        "aws_lb",
        "aws_alb",
        "aws_lb_target_group",
        "aws_ecs_cluster",
        "aws_ecs_service",
        "aws_ecs_task_definition",
        "aws_eks_cluster",
        "aws_eks_node_group",
        "aws_lambda_function",
        "aws_sqs_queue",
        "aws_sns_topic",
        "aws_kms_key",
        "aws_iam_role",
        "aws_ecr_repository",
        "aws_cloudwatch_log_group",
        "aws_secretsmanager_secret",
        "aws_ssm_parameter",
        "aws_kinesis_stream",
        "aws_opensearch_domain",
        "aws_elasticsearch_domain",
        "aws_redshift_cluster",
        "aws_msk_cluster",
        "aws_sfn_state_machine",
        "aws_cloudfront_distribution",
        "aws_route53_zone",
        "aws_acm_certificate",
        "aws_api_gateway_rest_api",
        "aws_apigatewayv2_api",
        "aws_wafv2_web_acl",
        "aws_docdb_cluster",
        "aws_mq_broker",
    }
)


class ResourceTagsAnalyzer(TerraformAnalyzer):
    """Each taggable AWS resource sets ``tags`` (``tag`` blocks for autoscaling groups), unless
    an ``aws`` provider of its module — or, for a module called by others, of a root module —
    sets ``default_tags``."""

    name: ClassVar[str] = "terraform-resource-tags"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        modules = self.modules(repo)

        def has_default_tags(items: list[tuple[str, dict[str, object]]]) -> str | None:
            for rel, block in items:
                blocks = block.get("blocks") or []
                if block["name"] == "aws" and isinstance(blocks, list) and "default_tags" in blocks:
                    return f"{rel}:{block['line']}"
            return None

        root_defaults = [
            where
            for m in modules
            if not m.is_child
            for where in [has_default_tags(list(m.items("provider_blocks")))]
            if where
        ]
        checked = 0
        for module in modules:
            own = has_default_tags(list(module.items("provider_blocks")))
            inherited = root_defaults[0] if module.is_child and root_defaults else None
            for rel, res in module.items("resources"):
                if res["type"] not in TAGGABLE:
                    continue
                checked += 1
                address = f"{res['type']}.{res['name']}"
                if "tags" in res["attrs"] or "tag" in res["blocks"]:
                    continue
                if own or inherited:
                    continue
                out.report(
                    res["line"],
                    f"{address} has no `tags` and no `default_tags` on the aws provider; tag it "
                    "for cost allocation and ownership",
                    path=rel,
                )
            if own:
                out.evidence(f"{own}: aws provider sets default_tags for module {module.label}")
        if checked == 0:
            out.not_applicable("no taggable AWS resources in Terraform")
        elif not out.findings:
            out.evidence(f"{checked} taggable AWS resource(s) tagged (own tags or default_tags)")
