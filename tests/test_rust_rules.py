"""Rust rules on the shared tree-sitter tree: findings a user sees, beyond the YAML examples."""

from __future__ import annotations

from pathlib import Path

from helpers import audit_rule, write_tree

from charter.models import Report
from charter.policy import PolicySet


def found(report: Report, rule: str) -> list[str]:
    return sorted(f"{f.path}:{f.line}" for f in report.findings if f.rule == rule)


def status(report: Report, rule: str) -> str:
    return next(r.status.value for r in report.rules if r.id == rule)


UNWRAP = "pub fn f() -> Option<u8> { Some(Some(1).unwrap()) }\n"


def test_out_of_line_test_modules_are_resolved_from_their_declaration(
    tmp_path: Path, policies: PolicySet
):
    write_tree(
        tmp_path,
        {
            "src/lib.rs": "pub mod orders;\n#[cfg(test)]\nmod tests;\n",
            "src/tests/mod.rs": "mod helpers;\n" + UNWRAP,
            "src/tests/helpers.rs": UNWRAP,
            "src/orders.rs": "#[cfg(test)]\nmod unit;\n" + UNWRAP,
            "src/orders/unit.rs": UNWRAP,
            "src/orders/live.rs": UNWRAP,
        },
    )
    report = audit_rule(policies, tmp_path, "rust-no-unwrap")
    # orders.rs and orders/live.rs are production code; the test modules are not
    assert found(report, "rust-no-unwrap") == ["src/orders.rs:3", "src/orders/live.rs:1"]


def test_test_code_markers(tmp_path: Path, policies: PolicySet):
    write_tree(
        tmp_path,
        {
            "src/a.rs": "#![cfg(test)]\n" + UNWRAP,
            "src/b.rs": (
                '#[cfg(all(test, feature = "db"))]\n'
                "mod db {\n    fn g() -> Option<()> { Some(1).unwrap(); None }\n}\n"
                "#[cfg(test)]\n"
                "impl S {\n    fn h() -> Option<()> { Some(1).unwrap(); None }\n}\n"
                "#[sqlx::test]\n"
                "// a comment between the attribute and the function\n"
                "async fn q() -> Option<()> { Some(1).unwrap(); None }\n"
                "fn prod() -> Option<()> { Some(1).unwrap(); None }\n"
            ),
            "crates/x/benches/b.rs": UNWRAP,
            "crates/x/build.rs": UNWRAP,
        },
    )
    report = audit_rule(policies, tmp_path, "rust-no-unwrap")
    assert found(report, "rust-no-unwrap") == ["src/b.rs:12"]


def test_unwrap_lookalikes_are_not_reported(tmp_path: Path, policies: PolicySet):
    write_tree(
        tmp_path,
        {
            "src/lib.rs": (
                "pub fn f(x: Option<u8>) -> u8 {\n"
                "    let _ = x.unwrap_or(0);\n"
                "    let _ = x.unwrap_or_default();\n"
                '    let _ = "x.unwrap()";\n'
                "    // x.unwrap()\n"
                "    let unwrap = 1;\n"
                '    x.expect("checked above")\n'
                "}\n"
            )
        },
    )
    report = audit_rule(policies, tmp_path, "rust-no-unwrap")
    assert found(report, "rust-no-unwrap") == []
    assert status(report, "rust-no-unwrap") == "pass"


def test_only_test_code_is_not_applicable(tmp_path: Path, policies: PolicySet):
    write_tree(tmp_path, {"tests/api.rs": UNWRAP})
    report = audit_rule(policies, tmp_path, "rust-no-unwrap")
    assert status(report, "rust-no-unwrap") == "not_applicable"


def test_safety_comment_must_be_adjacent(tmp_path: Path, policies: PolicySet):
    write_tree(
        tmp_path,
        {
            "src/lib.rs": (
                "pub fn f(p: *const u8) -> u8 {\n"
                "    // SAFETY: p is valid.\n"
                "\n"
                "    let a = unsafe { *p };\n"
                "    /* Safety: p is still valid. */\n"
                "    let b = unsafe { *p };\n"
                "    a + b\n"
                "}\n"
            )
        },
    )
    report = audit_rule(policies, tmp_path, "rust-unsafe-justified")
    assert found(report, "rust-unsafe-justified") == ["src/lib.rs:4"]


def test_unsafe_in_a_multiline_statement(tmp_path: Path, policies: PolicySet):
    write_tree(
        tmp_path,
        {
            "src/lib.rs": (
                "pub fn f(p: *const u8) -> u8 {\n"
                "    // SAFETY: p is valid for reads.\n"
                "    let total = 1\n"
                "        + unsafe { *p };\n"
                "    total\n"
                "}\n"
            )
        },
    )
    report = audit_rule(policies, tmp_path, "rust-unsafe-justified")
    assert found(report, "rust-unsafe-justified") == []
    assert status(report, "rust-unsafe-justified") == "pass"


def test_clippy_pedantic_via_rustflags_deny_or_lib_path(tmp_path: Path, policies: PolicySet):
    write_tree(
        tmp_path,
        {
            "a/Cargo.toml": '[package]\nname = "a"\n\n[lib]\npath = "lib/a.rs"\n',
            "a/lib/a.rs": "#![deny(clippy::pedantic, missing_docs)]\n",
            "b/Cargo.toml": '[package]\nname = "b"\n',
            "b/src/main.rs": "#![warn(clippy::all)]\nfn main() {}\n",
        },
    )
    report = audit_rule(policies, tmp_path, "rust-clippy-pedantic")
    assert found(report, "rust-clippy-pedantic") == ["b/Cargo.toml:1"]
    write_tree(tmp_path, {".cargo/config.toml": '[build]\nrustflags = ["-W", "clippy::all"]\n'})
    report = audit_rule(policies, tmp_path, "rust-clippy-pedantic")
    assert found(report, "rust-clippy-pedantic") == ["b/Cargo.toml:1"]
    write_tree(
        tmp_path,
        {
            ".cargo/config.toml": (
                '[target.x86_64-unknown-linux-gnu]\nrustflags = ["-W", "clippy::pedantic"]\n'
            )
        },
    )
    report = audit_rule(policies, tmp_path, "rust-clippy-pedantic")
    assert found(report, "rust-clippy-pedantic") == []
    assert status(report, "rust-clippy-pedantic") == "pass"


def test_virtual_workspace_alone_is_not_applicable(tmp_path: Path, policies: PolicySet):
    write_tree(tmp_path, {"Cargo.toml": "[workspace]\nmembers = []\n", "src/x.rs": "fn f() {}\n"})
    report = audit_rule(policies, tmp_path, "rust-clippy-pedantic")
    assert status(report, "rust-clippy-pedantic") == "not_applicable"


def test_safety_docs_are_asked_of_public_unsafe_fns_only(tmp_path: Path, policies: PolicySet):
    write_tree(
        tmp_path,
        {
            "src/lib.rs": (
                "unsafe fn private(p: *const u8) -> u8 { *p }\n"
                "pub(crate) unsafe fn crate_only() {}\n"
                "pub unsafe trait Sink { unsafe fn put(&mut self); }\n"
                "// SAFETY: Vec<u8> upholds Sink's contract.\n"
                "unsafe impl Sink for Vec<u8> {\n"
                "    unsafe fn put(&mut self) {}\n"
                "}\n"
                "pub struct S;\n"
                "impl S {\n"
                "    pub unsafe fn raw(&self) {}\n"
                "}\n"
            )
        },
    )
    report = audit_rule(policies, tmp_path, "rust-unsafe-justified")
    assert found(report, "rust-unsafe-justified") == ["src/lib.rs:10"]


def test_unwrap_in_main_only_for_the_free_function(tmp_path: Path, policies: PolicySet):
    read = 'let _ = std::fs::read("a").unwrap(); Ok(())'
    write_tree(
        tmp_path,
        {
            "src/main.rs": (
                "struct Job;\n"
                "impl Job {\n"
                f"    fn main(&self) -> Result<(), E> {{ {read} }}\n"
                "}\n"
                f"fn main() -> Result<(), E> {{ {read} }}\n"
            )
        },
    )
    report = audit_rule(policies, tmp_path, "rust-no-unwrap")
    # a method named `main` is no entry point: its unwrap is reported; the free `main`'s is not
    assert found(report, "rust-no-unwrap") == ["src/main.rs:3"]


def test_interactive_tool_is_judged_by_its_own_crate(tmp_path: Path, policies: PolicySet):
    """A prompt-driven binary crate nested in a server workspace is left out; the server crate
    at the root, a crate nested in the tool's folder, and a tool with a `[lib]` target are not."""
    prompt = '[dependencies]\nrequestty = "0.6"\n'
    write_tree(
        tmp_path,
        {
            "Cargo.toml": '[package]\nname = "server"\n',
            "src/lib.rs": UNWRAP,
            "migrate/Cargo.toml": '[package]\nname = "migrate"\n' + prompt,
            "migrate/src/main.rs": "mod ask;\nfn main() {}\n",
            "migrate/src/ask.rs": UNWRAP,
            "migrate/shared/Cargo.toml": '[package]\nname = "shared"\n',
            "migrate/shared/src/lib.rs": UNWRAP,
            "wizard/Cargo.toml": '[package]\nname = "wizard"\n[lib]\npath = "src/w.rs"\n' + prompt,
            "wizard/src/w.rs": UNWRAP,
        },
    )
    report = audit_rule(policies, tmp_path, "rust-no-unwrap")
    assert found(report, "rust-no-unwrap") == [
        "migrate/shared/src/lib.rs:1",
        "src/lib.rs:1",
        "wizard/src/w.rs:1",
    ]
