"""terraform-pinned-providers: every provider a module uses has a bounded version constraint."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from charter.analyzers.base import Emitter
from charter.analyzers.terraform.common import BUILTIN_PROVIDERS, TerraformAnalyzer
from charter.analyzers.terraform.constraints import (
    ConstraintError,
    describe_bounds,
    parse_constraint,
)
from charter.repo import RepoIndex


class PinnedProvidersParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: let reusable modules (called by local path, under modules/ or wrappers/, or a module
    #: library's root that its examples call) state only a minimum version, as HashiCorp
    #: advises for modules; root modules must still bound it
    minimum_only_in_reusable_modules: bool = True


#: the constraints ``charter fix --unsafe-fixes`` rewrites: exactly ``>= X.Y``
FIXABLE = re.compile(r"^\s*>=\s*\d+\.\d+\s*$")


class PinnedProvidersAnalyzer(TerraformAnalyzer):
    """Per module folder: each provider used by a resource, data source or provider block, and
    each one declared, has a ``required_providers`` entry whose ``version`` has an upper bound."""

    name: ClassVar[str] = "terraform-pinned-providers"
    Params = PinnedProvidersParams
    params: PinnedProvidersParams

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        modules = self.modules(repo)
        if not modules:
            out.not_applicable("no Terraform (.tf) files")
            return
        checked = 0
        for module in modules:
            entries: dict[str, tuple[str, dict[str, Any]]] = {}
            for rel, entry in module.items("required_providers"):
                entries.setdefault(entry["name"], (rel, entry))
            used: dict[str, tuple[str, int, str]] = {}
            for rel, block in module.items("provider_blocks"):
                used.setdefault(block["name"], (rel, block["line"], f'provider "{block["name"]}"'))
            for rel, use in module.items("uses"):
                what = f'{use["kind"]} "{use["type"]}"'
                used.setdefault(use["provider"], (rel, use["line"], what))
            for name in sorted((set(entries) | set(used)) - BUILTIN_PROVIDERS):
                checked += 1
                where = f"in module {module.label}"
                if name not in entries:
                    rel, line, what = used[name]
                    out.report(
                        line,
                        f"provider `{name}` (used by {what}) has no required_providers entry "
                        f"{where}; declare it with a bounded version such as `~> X.Y`",
                        path=rel,
                    )
                    continue
                rel, entry = entries[name]
                source = f" ({entry['source']})" if entry.get("source") else ""
                version = entry.get("version")
                if not version:
                    out.report(
                        entry["line"],
                        f"provider `{name}`{source} has no version constraint {where}; "
                        'add `version = "~> X.Y"`',
                        path=rel,
                    )
                    continue
                try:
                    constraint = parse_constraint(version)
                except ConstraintError as exc:
                    out.report(
                        entry["version_line"],
                        f"provider `{name}` version `{version}` is not a valid constraint: {exc}",
                        path=rel,
                    )
                    continue
                lenient = module.is_child and self.params.minimum_only_in_reusable_modules
                if lenient and constraint.lower is not None:
                    out.evidence(
                        f"{rel}:{entry['version_line']}: provider `{name}`{source} requires "
                        f"`{version}` in reusable module {module.label}"
                    )
                    continue
                if not constraint.bounded:
                    out.report(
                        entry["version_line"],
                        f"provider `{name}` version `{version}` has no upper bound "
                        f"({describe_bounds(constraint)}), so any future major release "
                        "can be installed; use `~> X.Y` or add `< NEXT_MAJOR`",
                        path=rel,
                        # charter fix --unsafe-fixes writes `~> X.Y` for exactly `>= X.Y`
                        fix="unsafe" if FIXABLE.match(version) else None,
                    )
                    continue
                out.evidence(
                    f"{rel}:{entry['version_line']}: provider `{name}`{source} pinned to "
                    f"`{version}` ({describe_bounds(constraint)})"
                )
        if checked == 0:
            out.not_applicable("no Terraform provider is used or declared")
