"""terraform-lock-file: root modules commit ``.terraform.lock.hcl``."""

from __future__ import annotations

from typing import ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.terraform.common import TerraformAnalyzer
from charter.repo import RepoIndex

LOCK_FILE = ".terraform.lock.hcl"


class LockFileAnalyzer(TerraformAnalyzer):
    """A root module (a folder no other module calls by local path and not under ``modules/``)
    that uses providers or modules has the dependency lock file next to it."""

    name: ClassVar[str] = "terraform-lock-file"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        roots = [m for m in self.modules(repo) if not m.is_child and m.has_content]
        if not roots:
            out.not_applicable("no Terraform root module that uses providers")
            return
        for module in roots:
            lock = f"{module.path}/{LOCK_FILE}" if module.path else LOCK_FILE
            if repo.has(lock):
                out.evidence(f"{lock} is committed for root module {module.label}")
                continue
            rel, line = module.anchor()
            out.report(
                line,
                f"root module {module.label} has no committed {LOCK_FILE}; run "
                "`terraform init` and commit the lock file so every run installs the same "
                "provider builds",
                path=rel,
            )
