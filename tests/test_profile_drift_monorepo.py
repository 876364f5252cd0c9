"""profile-drift on a monorepo layout written for this test, modelled on a real monorepo's
AGENTS.md: paths scoped to a folder the sentence names, a leading ``/`` for the root, RPC
method names and URLs that are not paths, nested AGENTS.md files and a subfolder of
``.claude/agents``. Only the three real gaps are findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from charter import cli
from charter.profile_import import Statement, references

ROOT_AGENTS = """\
# Repository guide

The Rust workspace lives in `codex-rs`. In `codex-rs`, read `Cargo.toml` and
`core/src/lib.rs` before you change a crate.

- The app server speaks JSON-RPC; read the handlers of `thread/read`, `thread/start` and
  `turn/interrupt` before adding a method.
- See `/docs/architecture.md` for the design, and see [the protocol notes](docs/protocol.md).
- Fetch the schema from `github.com/example/schema` when it changes.
- Run `make fmt` before committing, and `make lint` after.
- Record design decisions in `docs/adr/`.
- Run `pnpm run build` in `web` before a release, then `pnpm run e2e`.
- Read `/tmp/scratch.md` if a previous run left one.
- Read the runner before changing it: `threading.Lock` must be dropped in `__getstate__`.
- Run `node dist/cli.js` to try the bundle; `bin/cli.js` only spawns it.
- Run `pnpm run typecheck` or `tsc --noEmit`, whichever the package defines.
"""

WEB_AGENTS = """\
# Web app

- Read `src/App.tsx` before changing routes.
- Run `npm run dev` to start the app.
- Read config from `process.env` directly, never from `import.meta.env`.
"""

COMPONENTS_AGENTS = """\
# Components

- Run the component tests: `tests/setup.ts` stubs `matchMedia` for all of them.
"""

REVIEW_AGENT = """\
---
name: rust-reviewer
description: Reviews Rust changes.
---
- Read `codex-rs/Cargo.toml` for the workspace members.
"""


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def monorepo(tmp_path: Path) -> Path:
    return _write(
        tmp_path / "repo",
        {
            "AGENTS.md": ROOT_AGENTS,
            "Makefile": "fmt:\n\tcargo fmt\n",
            "codex-rs/Cargo.toml": "[workspace]\nmembers = ['core']\n",
            "codex-rs/core/src/lib.rs": "pub fn f() {}\n",
            "docs/architecture.md": "# Architecture\n",
            "docs/protocol.md": "# Protocol\n",
            "web/AGENTS.md": WEB_AGENTS,
            "web/package.json": json.dumps({"scripts": {"build": "vite build", "dev": "vite"}}),
            "web/src/App.tsx": "export const App = () => null;\n",
            # a nested profile names a test file of its project, one folder up
            "web/src/components/AGENTS.md": COMPONENTS_AGENTS,
            "web/tests/setup.ts": "export {};\n",
            # dist/ is what the build writes: ignored, never committed
            ".gitignore": "dist/\n",
            "bin/cli.js": "require('../dist/cli.js');\n",
            ".claude/agents/review/rust.md": REVIEW_AGENT,
        },
    )


def test_monorepo_drift_finds_only_the_real_gaps(
    monorepo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.json"
    args = ["audit", str(monorepo), "--repo-profiles", "--format", "json", "--output", str(out)]
    cli.main(args)
    capsys.readouterr()
    report = json.loads(out.read_text(encoding="utf-8"))
    drift = sorted(
        (f["path"], f["line"], f["message"])
        for f in report["findings"]
        if f["rule"] == "profile-drift"
    )
    assert [(p, n) for p, n, _ in drift] == [
        ("AGENTS.md", 10),
        ("AGENTS.md", 11),
        ("AGENTS.md", 12),
    ]
    messages = " ".join(m for _, _, m in drift)
    assert "`make lint`" in messages  # the Makefile has no lint target
    assert "`docs/adr/`" in messages and "no such folder" in messages
    assert "`pnpm run e2e`" in messages  # web/package.json has no e2e script
    profiles = {p["id"] for p in report["profiles"]}
    # nested documents and .claude/agents subfolders are profiles too
    assert {"agents", "web-agents", "agent-review-rust"} <= profiles


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("See `docs/ARCH.md` for the design", ["docs/ARCH.md"]),
        ("See [the notes](docs/notes.md#intro)", ["docs/notes.md"]),
        ("Read `/docs/ARCH.md` first", ["docs/ARCH.md"]),
        ("Read `/etc/hosts` if DNS fails", []),
        ("Read `https://example.com/guide.md`", []),
        ("Read `github.com/org/repo/README.md`", []),
        ("参见 `docs/设计.md`", ["docs/设计.md"]),
        ("Siehe `docs/ARCH.md`", ["docs/ARCH.md"]),
    ],
)
def test_references_of_other_directives(text: str, tokens: list[str]) -> None:
    assert [r.token for r in references(Statement(1, text))] == tokens


def test_a_path_in_a_named_folder_is_looked_up_there() -> None:
    (ref,) = [
        r
        for r in references(Statement(1, "In `codex-rs`, read `Cargo.toml` first"))
        if r.token == "Cargo.toml"
    ]
    assert ref.base == "codex-rs"


def test_an_extension_is_not_a_file() -> None:
    statement = Statement(1, "Only if you change `.go` files, run `make fmt lint` at the end")
    assert [r.token for r in references(statement) if r.kind == "path"] == []


def test_targets_of_an_included_makefile_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _write(
        tmp_path / "repo",
        {
            "AGENTS.md": "- Run `make common-format` before committing\n- Run `make nope`\n",
            "Makefile": "include Makefile.common\n\nbuild:\n\tgo build\n",
            "Makefile.common": "common-format:\n\tgofmt -w .\n",
        },
    )
    out = tmp_path / "report.json"
    cli.main(["audit", str(repo), "--repo-profiles", "--format", "json", "--output", str(out)])
    capsys.readouterr()
    report = json.loads(out.read_text(encoding="utf-8"))
    drift = [f["line"] for f in report["findings"] if f["rule"] == "profile-drift"]
    assert drift == [2]
