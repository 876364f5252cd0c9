"""rust-lib-main-split: a binary crate keeps its logic in ``src/lib.rs``, ``src/main.rs`` thin."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import ClassVar

from charter.analyzers.base import Analyzer, Emitter, NoParams
from charter.repo import RepoIndex


class RustLibMainSplitAnalyzer(Analyzer):
    """Each crate (a folder with ``Cargo.toml``) that has ``src/main.rs`` also has
    ``src/lib.rs``; the finding is at the ``main.rs`` that stands alone."""

    name: ClassVar[str] = "rust-lib-main-split"
    Params = NoParams

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        crates = sorted(str(PurePosixPath(p).parent) for p in repo.named("Cargo.toml"))
        mains = []
        for crate in crates:
            prefix = "" if crate == "." else f"{crate}/"
            if repo.has(f"{prefix}src/main.rs"):
                mains.append(prefix)
        if not mains:
            out.not_applicable("no Rust binary crate (no Cargo.toml next to src/main.rs)")
            return
        for prefix in mains:
            if repo.has(f"{prefix}src/lib.rs"):
                out.evidence(f"{prefix}src/lib.rs next to {prefix}src/main.rs")
                continue
            out.report(
                1,
                f"binary crate without a library: move the logic of {prefix}src/main.rs into "
                f"{prefix}src/lib.rs and keep main.rs a thin entry point",
                path=f"{prefix}src/main.rs",
            )
