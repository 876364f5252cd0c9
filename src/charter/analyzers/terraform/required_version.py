"""terraform-required-version: each module states the Terraform versions it works with."""

from __future__ import annotations

from typing import ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.terraform.common import TerraformAnalyzer
from charter.analyzers.terraform.constraints import ConstraintError, parse_constraint
from charter.repo import RepoIndex


class RequiredVersionAnalyzer(TerraformAnalyzer):
    """Every module folder has ``terraform { required_version = "..." }`` with a valid
    constraint."""

    name: ClassVar[str] = "terraform-required-version"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        modules = [m for m in self.modules(repo) if m.facts]
        if not modules:
            out.not_applicable("no Terraform (.tf) files")
            return
        for module in modules:
            found = list(module.items("required_version"))
            if not found:
                rel, line = module.anchor()
                out.report(
                    line,
                    f"module {module.label} does not set `required_version` in a `terraform {{}}` "
                    'block; add e.g. `required_version = ">= 1.6, < 2.0"`',
                    path=rel,
                )
                continue
            rel, item = found[0]
            value = item.get("value")
            try:
                parse_constraint(str(value))
            except ConstraintError as exc:
                out.report(
                    item["line"], f"`required_version = {value!r}` is not valid: {exc}", path=rel
                )
                continue
            out.evidence(
                f"{rel}:{item['line']}: module {module.label} requires Terraform `{value}`"
            )
