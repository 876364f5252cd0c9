"""terraform-only-iac: no infrastructure as code in tools other than Terraform."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from charter.analyzers.base import Analyzer, Emitter, path_matches
from charter.analyzers.containers.common import DEFAULT_IGNORE
from charter.repo import RepoIndex
from charter.sources import SourceFile, basename, suffix

#: file name -> the tool it belongs to
TOOL_FILES = {
    "cdk.json": "AWS CDK app",
    "pulumi.yaml": "Pulumi project",
    "pulumi.yml": "Pulumi project",
    "serverless.yml": "Serverless Framework config",
    "serverless.yaml": "Serverless Framework config",
    "serverless.ts": "Serverless Framework config",
    "serverless.js": "Serverless Framework config",
    "serverless.json": "Serverless Framework config",
    "samconfig.toml": "AWS SAM config",
}
TOOL_SUFFIXES = {".bicep": "Azure Bicep template"}
# text markers (CloudFormation templates use !Ref/!Sub tags that a safe YAML load rejects)
_CFN = re.compile(r"^\s*[\"']?AWSTemplateFormatVersion[\"']?\s*:", re.MULTILINE)
#: in YAML the version is a top-level key: an indented one sits inside another document's
#: scalar (e.g. a policy file quoting a template as an example), not in a template
_CFN_YAML = re.compile(r"^[\"']?AWSTemplateFormatVersion[\"']?\s*:", re.MULTILINE)
_CFN_RESOURCE = re.compile(r"^\s*[\"']?Type[\"']?\s*:\s*[\"']?AWS::[A-Za-z0-9]+::", re.MULTILINE)
_CFN_RESOURCES = re.compile(r"^[\"']?Resources[\"']?\s*:", re.MULTILINE)
_ARM = re.compile(r"schema\.management\.azure\.com/schemas/[^\"']*deploymentTemplate\.json")


#: the UI definition an Azure Marketplace "Azure Application" offer ships beside its
#: ``mainTemplate.json``; such an offer is deployed by the Marketplace from ARM only
MARKETPLACE_UI = ("createUiDefinition.json", "createUIDefinition.json")


def _marketplace_package(repo: RepoIndex, rel: str) -> str | None:
    """The folder of an Azure Marketplace offer package holding ``rel`` (its
    ``mainTemplate.json`` beside a ``createUiDefinition.json``), or None."""
    if basename(rel) != "mainTemplate.json":
        return None
    folder = str(PurePosixPath(rel).parent)
    for name in MARKETPLACE_UI:
        if repo.exists(name if folder == "." else f"{folder}/{name}"):
            return f"{folder}/" if folder != "." else "(root)"
    return None


class OnlyIacParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ignore: tuple[str, ...] = DEFAULT_IGNORE


class OnlyIacAnalyzer(Analyzer):
    """Reports CloudFormation/SAM templates, ARM and Bicep templates, CDK apps, Pulumi
    projects and Serverless Framework configs; Terraform (and CDKTF, which generates it) passes."""

    name: ClassVar[str] = "terraform-only-iac"
    Params = OnlyIacParams
    params: OnlyIacParams
    kinds: ClassVar[frozenset[str]] = frozenset({"yaml", "json"})
    prefilter: ClassVar[tuple[str, ...]] = (
        "AWSTemplateFormatVersion",
        "AWS::",
        "deploymentTemplate",
    )

    def applies_to(self, file: SourceFile) -> bool:
        return file.kind in self.kinds and not path_matches(file.path, self.params.ignore)

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        text = file.text or ""
        match = (_CFN_YAML if file.kind == "yaml" else _CFN).search(text)
        if match is None and _CFN_RESOURCES.search(text):
            match = _CFN_RESOURCE.search(text)
        if match is not None:
            line = text.count("\n", 0, match.start()) + 1
            sam = "AWS::Serverless" in text
            tool = "AWS SAM template" if sam else "CloudFormation template"
            out.report(line, f"{tool}: infrastructure must be written in Terraform only")
            return
        # an ARM template is a JSON document (Bicep is its own language, found by suffix); the
        # schema URL inside YAML is a quotation (this rule's own examples quote one)
        arm = _ARM.search(text) if file.kind == "json" else None
        if arm is not None:
            # judged with the repository: a Marketplace package beside it needs ARM
            out.fact({"arm": text.count("\n", 0, arm.start()) + 1})

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        for rel, facts in sorted(repo.facts(self).items()):
            for fact in facts:
                package = _marketplace_package(repo, rel)
                if package:
                    out.evidence(
                        f"{rel}: ARM template of the Azure Marketplace offer package {package} "
                        "(the Marketplace accepts only ARM for it), not judged"
                    )
                    continue
                out.report(
                    int(fact["arm"]),
                    "Azure ARM template: infrastructure must be written in Terraform only",
                    path=rel,
                )
        for rel in repo.files:
            if path_matches(rel, self.params.ignore):
                continue
            name = basename(rel).lower()
            tool = TOOL_FILES.get(name) or TOOL_SUFFIXES.get(suffix(name))
            if tool is not None:
                out.report(1, f"{tool}: infrastructure must be written in Terraform only", path=rel)
        tf_dirs = sorted({str(PurePosixPath(p).parent) for p in repo.of_kind("terraform")})
        if tf_dirs:
            shown = ", ".join(d if d != "." else "(root)" for d in tf_dirs[:5])
            more = f" and {len(tf_dirs) - 5} more" if len(tf_dirs) > 5 else ""
            out.evidence(f"Terraform in {shown}{more}")
        else:
            out.evidence("no infrastructure code in the repository")
