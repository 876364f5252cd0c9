"""terraform-remote-state-locking: root modules keep state in a remote backend that locks."""

from __future__ import annotations

from typing import Any, ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.terraform.common import ModuleDir, TerraformAnalyzer
from charter.repo import RepoIndex

#: backends that lock the state on their own
LOCKING = frozenset(
    {"gcs", "azurerm", "consul", "pg", "kubernetes", "remote", "cloud", "cos", "etcdv3", "manta"}
)
#: backends that lock only when configured to: the attributes that turn locking on
LOCK_ATTRS = {
    "s3": ("dynamodb_table", "use_lockfile"),
    "oss": ("tablestore_table",),
    "http": ("lock_address",),
}
NO_LOCKING = frozenset({"local", "artifactory", "etcd", "swift"})
BACKEND_CONFIG_SUFFIXES = (".tfbackend", ".hcl")


def _truthy(value: Any) -> bool:
    return value not in (None, False, "false", "")


class RemoteStateLockingAnalyzer(TerraformAnalyzer):
    """Each root module (see terraform-lock-file) configures a remote ``backend`` (or HCP
    Terraform ``cloud``) that locks the state: s3 with ``use_lockfile``/``dynamodb_table``, gcs,
    azurerm, remote, cloud, …"""

    name: ClassVar[str] = "terraform-remote-state-locking"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        roots = [m for m in self.modules(repo) if not m.is_child and m.has_content]
        if not roots:
            out.not_applicable("no Terraform root module")
            return
        for module in roots:
            self._check(repo, module, out)

    def _check(self, repo: RepoIndex, module: ModuleDir, out: Emitter) -> None:
        backends = list(module.items("backends"))
        if not backends:
            rel, line = module.anchor()
            out.report(
                line,
                f"root module {module.label} has no backend, so its state is a local file that "
                "cannot be shared or locked; configure a remote backend with locking",
                path=rel,
            )
            return
        rel, backend = backends[0]
        kind, line, attrs = backend["type"], backend["line"], backend["attrs"]
        if kind in NO_LOCKING:
            out.report(
                line,
                f'backend "{kind}" of root module {module.label} does not lock the state; use a '
                "remote backend with locking (s3 + use_lockfile, gcs, azurerm, remote, cloud)",
                path=rel,
            )
            return
        needed = LOCK_ATTRS.get(kind)
        if needed is None:
            out.evidence(f'{rel}:{line}: root module {module.label} uses backend "{kind}"')
            return
        if any(_truthy(attrs.get(a)) for a in needed):
            on = next(a for a in needed if _truthy(attrs.get(a)))
            out.evidence(f'{rel}:{line}: backend "{kind}" locks with `{on}`')
            return
        if not attrs and self._partial_config_locks(repo, module, needed):
            out.evidence(f'{rel}:{line}: backend "{kind}" locks via its -backend-config file')
            return
        out.report(
            line,
            f'backend "{kind}" of root module {module.label} does not lock the state; set '
            f"{' or '.join(f'`{a}`' for a in needed)}",
            path=rel,
        )

    @staticmethod
    def _partial_config_locks(repo: RepoIndex, module: ModuleDir, needed: tuple[str, ...]) -> bool:
        """A partial backend block: look for the lock setting in backend config files."""
        prefix = f"{module.path}/" if module.path else ""
        for rel in repo.files:
            name = rel.rsplit("/", 1)[-1]
            if not rel.startswith(prefix) or not name.endswith(BACKEND_CONFIG_SUFFIXES):
                continue
            if "backend" not in name and not name.endswith(".tfbackend"):
                continue
            text = repo.source(rel).text or ""
            if any(a in text for a in needed):
                return True
        return False
