"""Terraform rules: findings name the provider/module at the right line; passes show evidence."""

from __future__ import annotations

from pathlib import Path

from helpers import SAMPLES, audit_rule, write_tree


def findings(policies, root: Path, rule: str) -> dict[str, str]:
    report = audit_rule(policies, root, rule)
    return {f"{f.path}:{f.line}": f.message for f in report.findings if f.rule == rule}


def result(policies, root: Path, rule: str):
    report = audit_rule(policies, root, rule)
    return next(r for r in report.rules if r.id == rule)


def test_unbounded_provider_is_named_on_its_constraint(policies, tmp_path):
    write_tree(
        tmp_path,
        {
            "versions.tf": 'terraform {\n  required_providers {\n    aws = {\n'
            '      source  = "hashicorp/aws"\n      version = ">= 4.0, != 4.5.0"\n    }\n  }\n}\n',
            "main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n',
        },
    )
    assert findings(policies, tmp_path, "terraform-pinned-providers") == {
        "versions.tf:5": "provider `aws` version `>= 4.0, != 4.5.0` has no upper bound "
        "(>= 4.0.0), so any future major release can be installed; use `~> X.Y` or add "
        "`< NEXT_MAJOR`"
    }


def test_legacy_shorthand_and_provider_blocks(policies, tmp_path):
    write_tree(
        tmp_path,
        {
            "main.tf": 'terraform {\n  required_providers {\n    aws = "~> 2.0"\n  }\n}\n'
            'provider "azurerm" {\n  features {}\n}\n',
        },
    )
    got = findings(policies, tmp_path, "terraform-pinned-providers")
    assert list(got) == ["main.tf:6"]
    assert got["main.tf:6"].startswith('provider `azurerm` (used by provider "azurerm")')


def test_unparseable_hcl_is_a_parse_error_not_a_crash(policies, tmp_path):
    write_tree(tmp_path, {"main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = \n}\n'})
    report = audit_rule(policies, tmp_path, "terraform-pinned-providers")
    parse_errors = [f"{f.path}:{f.line}" for f in report.findings if f.rule == "parse-error"]
    assert parse_errors == ["main.tf:2"]
    rule = next(r for r in report.rules if r.id == "terraform-pinned-providers")
    assert rule.status.value == "not_applicable"


def test_compliant_sample_evidence(policies):
    root = SAMPLES / "compliant-service"
    assert result(policies, root, "terraform-pinned-providers").evidence == (
        "infra/versions.tf:7: provider `aws` (hashicorp/aws) pinned to `~> 5.31` "
        "(>= 5.31.0 and < 6.0.0)",
    )
    assert result(policies, root, "terraform-pinned-modules").evidence == (
        "infra/main.tf:14: module `queue` pinned to `~> 4.2`",
        "infra/main.tf:21: module `labels` pinned to tag `0.25.0`",
    )
    assert result(policies, root, "terraform-lock-file").evidence == (
        "infra/.terraform.lock.hcl is committed for root module infra",
    )
    assert result(policies, root, "terraform-required-version").status.value == "pass"


def test_legacy_sample_names_each_missing_piece(policies):
    root = SAMPLES / "legacy-service"
    modules = findings(policies, root, "terraform-pinned-modules")
    assert modules == {
        "terraform/main.tf:19": "module `vpc` from the registry (terraform-aws-modules/vpc/aws) "
        'has no `version`; pin it, e.g. `version = "~> X.Y"`',
        "terraform/main.tf:24": "module `dns` pins `ref=master`, which looks like a branch; pin a "
        "tag or a commit hash",
    }
    lock = findings(policies, root, "terraform-lock-file")
    assert list(lock) == ["terraform/main.tf:1"]
    message = lock["terraform/main.tf:1"]
    assert message.startswith("root module terraform has no committed .terraform.lock.hcl")


def test_state_locking_names_the_backend_and_the_setting(policies, tmp_path):
    write_tree(
        tmp_path,
        {
            "main.tf": 'terraform {\n  backend "s3" {\n    bucket = "b"\n    key = "k"\n  }\n}\n'
            'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n',
        },
    )
    assert findings(policies, tmp_path, "terraform-remote-state-locking") == {
        "main.tf:2": 'backend "s3" of root module . does not lock the state; set '
        "`dynamodb_table` or `use_lockfile`"
    }


def test_encryption_names_the_attribute_to_set(policies, tmp_path):
    write_tree(
        tmp_path,
        {"db.tf": 'resource "aws_rds_cluster" "orders" {\n  engine = "aurora-postgresql"\n}\n'},
    )
    assert findings(policies, tmp_path, "terraform-encryption-at-rest") == {
        "db.tf:1": "aws_rds_cluster.orders is not encrypted at rest; set `storage_encrypted = true`"
    }


def test_only_iac_passes_with_the_terraform_folders_as_evidence(policies):
    rule = result(policies, SAMPLES / "compliant-service", "terraform-only-iac")
    assert (rule.status.value, rule.evidence) == ("pass", ("Terraform in infra",))


def test_minimum_only_is_accepted_in_reusable_modules_never_in_roots(policies, tmp_path):
    versions = (
        'terraform {\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n'
        '      version = ">= 5.0"\n    }\n  }\n}\n'
    )
    write_tree(
        tmp_path,
        {
            "versions.tf": versions,
            "main.tf": 'module "b" {\n  source = "./modules/b"\n}\n',
            "modules/b/versions.tf": versions,
        },
    )
    # HashiCorp's advice is the default: a reusable module may state a minimum only
    assert list(findings(policies, tmp_path, "terraform-pinned-providers")) == ["versions.tf:5"]
    params = {"minimum_only_in_reusable_modules": False}
    report = audit_rule(policies, tmp_path, "terraform-pinned-providers", params)
    got = {f"{f.path}:{f.line}" for f in report.findings if f.rule == "terraform-pinned-providers"}
    assert got == {"versions.tf:5", "modules/b/versions.tf:5"}


def test_a_module_librarys_examples_are_not_root_modules(policies, tmp_path):
    write_tree(
        tmp_path,
        {
            "main.tf": 'resource "aws_s3_bucket" "this" {}\n',
            "versions.tf": (
                'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws", '
                'version = ">= 5.0" }\n  }\n}\n'
            ),
            "examples/complete/main.tf": (
                'provider "aws" {}\nmodule "b" {\n  source = "../../"\n}\n'
            ),
            "wrappers/main.tf": 'module "wrapper" {\n  source = "../"\n}\n',
        },
    )
    for rule in ("terraform-remote-state-locking", "terraform-lock-file"):
        report = audit_rule(policies, tmp_path, rule)
        assert [r.status.value for r in report.rules if r.id == rule] == ["not_applicable"]
    assert findings(policies, tmp_path, "terraform-pinned-providers") == {}
