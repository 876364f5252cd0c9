"""Trust work on the Go, Rust and TypeScript rules and absolute-imports: what the rule examples
cannot say (messages, related places, a finding's absence next to another's presence)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import audit_rule, write_tree

from charter.policy import PolicySet, load_policies


@pytest.fixture(scope="module")
def policies() -> PolicySet:
    return load_policies()


def findings(report, rule: str) -> list[tuple[str, str]]:
    return sorted((f.where, f.message) for f in report.findings if f.rule == rule)


def test_sleep_after_go_names_the_goroutine_and_retry_loops_pass(
    tmp_path: Path, policies: PolicySet
):
    write_tree(
        tmp_path,
        {
            "go.mod": "module example.com/w\n",
            "internal/w/w.go": (
                "package w\n\n"
                'import "time"\n\n'
                "func Start(run func() error) {\n"
                "\tgo run()\n"
                "\ttime.Sleep(time.Second)\n"
                "\tfor i := 0; i < 3; i++ {\n"
                "\t\tif run() == nil {\n"
                "\t\t\tbreak\n"
                "\t\t}\n"
                "\t\ttime.Sleep(time.Second)\n"
                "\t}\n"
                "}\n"
            ),
        },
    )
    found = findings(audit_rule(policies, tmp_path, "go-no-sleep-sync"), "go-no-sleep-sync")
    assert [where for where, _ in found] == ["internal/w/w.go:7"]
    assert "goroutine started at line 6" in found[0][1]


def test_layout_is_one_verdict_per_module_naming_both_problems(tmp_path: Path, policies: PolicySet):
    write_tree(
        tmp_path,
        {
            "go.mod": "module example.com/shop\n",
            "cmd/api/main.go": "package main\n\nfunc main() {}\n",
            "cmd/worker/main.go": "package main\n\nfunc main() {}\n",
            "tools2/seed/main.go": "package main\n\nfunc main() {}\n",
            "orders/orders.go": "package orders\n",
            "billing/billing.go": "package billing\n",
            # documented for import in the README: a public package, not reported
            "client/client.go": "package client\n",
            "README.md": 'Use the client:\n\n    import "example.com/shop/client"\n',
        },
    )
    by_default = audit_rule(policies, tmp_path, "go-project-layout")
    found = [f for f in by_default.findings if f.rule == "go-project-layout"]
    # private packages are not judged by default: only the stray binary
    assert [f.where for f in found] == ["tools2/seed/main.go:1"]
    assert "internal/" not in found[0].message
    report = audit_rule(policies, tmp_path, "go-project-layout", {"private_packages": True})
    found = [f for f in report.findings if f.rule == "go-project-layout"]
    assert [f.where for f in found] == ["tools2/seed/main.go:1"]
    message = found[0].message
    assert "tools2/seed/ apart from the module's other binaries in cmd/" in message
    assert "billing/, orders/" in message and "client/" not in message
    assert {r.path for r in found[0].related} == {"billing/billing.go", "orders/orders.go"}


def test_layout_leaves_where_a_module_without_cmd_keeps_its_binaries_to_the_team(
    tmp_path: Path, policies: PolicySet
):
    write_tree(
        tmp_path,
        {
            "go.mod": "module example.com/shop\n",
            "cli/api/main.go": "package main\n\nfunc main() {}\n",
            "cli/worker/main.go": "package main\n\nfunc main() {}\n",
            "server/convert/main.go": "package main\n\nfunc main() {}\n",
        },
    )
    report = audit_rule(policies, tmp_path, "go-project-layout")
    assert [f for f in report.findings if f.rule == "go-project-layout"] == []


def test_alias_message_names_the_aliased_form_and_where_it_is_declared(
    tmp_path: Path, policies: PolicySet
):
    write_tree(
        tmp_path,
        {
            "web/package.json": '{"name": "web"}',
            "web/tsconfig.base.json": (
                '{"compilerOptions": {"baseUrl": ".", "paths": {"~/*": ["app/*"]}}}'
            ),
            "web/tsconfig.json": '{"extends": "./tsconfig.base.json"}',
            "web/app/pages/home.ts": 'import { api } from "../lib/api";\n',
        },
    )
    found = findings(audit_rule(policies, tmp_path, "absolute-imports"), "absolute-imports")
    assert found == [
        (
            "web/app/pages/home.ts:1",
            'relative import "../lib/api"; import internal modules through the project\'s `~/` '
            'path alias: as "~/lib/api" (web/tsconfig.json "~/*": ["app/*"])',
        )
    ]


def test_alias_known_only_from_the_imports_the_project_writes(tmp_path: Path, policies: PolicySet):
    write_tree(
        tmp_path,
        {
            "client/package.json": '{"name": "client"}',
            "client/webpack.config.js": (
                "module.exports = { resolve: { alias: { '@': appPath } } };\n"
            ),
            "client/app/pages/a.js": 'import x from "@/lib/x";\nimport y from "../lib/y";\n',
        },
    )
    found = findings(audit_rule(policies, tmp_path, "absolute-imports"), "absolute-imports")
    assert [where for where, _ in found] == ["client/app/pages/a.js:2"]
    assert "the `@/` alias the project already uses" in found[0][1]


def test_project_without_alias_is_one_finding_at_its_tsconfig(tmp_path: Path, policies: PolicySet):
    write_tree(
        tmp_path,
        {
            "tsconfig.json": '{\n  "compilerOptions": {\n    "strict": true\n  }\n}\n',
            "src/a/a.ts": 'import { b } from "../b/b";\n',
            "src/b/b.ts": 'import { c } from "../c/c";\nexport const b = 1;\n',
            # plain CommonJS with no config of its own: judged with its own project, not at all
            "scripts/package.json": '{"name": "scripts"}',
            "scripts/tasks/seed.js": 'const db = require("../db");\n',
        },
    )
    report = audit_rule(policies, tmp_path, "absolute-imports")
    found = [f for f in report.findings if f.rule == "absolute-imports"]
    assert [f.where for f in found] == ["tsconfig.json:2"]
    assert found[0].message.startswith(
        "2 relative import(s) climb out of their folder in 2 file(s)"
    )
    assert '"paths": {"@/*": ["./src/*"]}' in found[0].message
    assert {r.path for r in found[0].related} == {"src/a/a.ts", "src/b/b.ts"}


def test_dispatcher_loop_reported_though_the_tasks_it_spawns_reply(
    tmp_path: Path, policies: PolicySet
):
    write_tree(
        tmp_path,
        {
            "src/main.rs": (
                "async fn run(mut rx: Receiver<Job>) {\n"
                "    tokio::spawn(async move {\n"
                "        while let Some(Job { input, callback_tx }) = rx.recv().await {\n"
                "            tokio::spawn(async move {\n"
                "                let _ = callback_tx.send(work(input).await);\n"
                "            });\n"
                "        }\n"
                "    });\n"
                "}\n"
            ),
        },
    )
    report = audit_rule(policies, tmp_path, "rust-spawn-handled")
    assert [f.where for f in report.findings if f.rule == "rust-spawn-handled"] == ["src/main.rs:2"]


def test_unwrap_of_write_to_a_string_passes_but_to_a_file_does_not(
    tmp_path: Path, policies: PolicySet
):
    write_tree(
        tmp_path,
        {
            "src/lib.rs": (
                "use std::fmt::Write as _;\n"
                "use std::io::Write as _;\n\n"
                "pub fn join(items: &[u8], out: &mut std::fs::File) -> String {\n"
                "    let mut result = String::with_capacity(16);\n"
                "    items.iter().for_each(|i| {\n"
                '        write!(&mut result, "{i},").unwrap();\n'
                "    });\n"
                '    writeln!(out, "{result}").unwrap();\n'
                "    result\n"
                "}\n"
            ),
        },
    )
    report = audit_rule(policies, tmp_path, "rust-no-unwrap")
    assert [f.where for f in report.findings if f.rule == "rust-no-unwrap"] == ["src/lib.rs:9"]


def test_workspace_verdict_lists_the_member_crates(tmp_path: Path, policies: PolicySet):
    write_tree(
        tmp_path,
        {
            "Cargo.toml": '[workspace]\nmembers = ["a", "b"]\n',
            "a/Cargo.toml": '[package]\nname = "a"\n',
            "a/src/lib.rs": "pub fn f() {}\n",
            "b/Cargo.toml": '# b\n[package]\nname = "b"\n',
            "b/src/lib.rs": "#![warn(clippy::pedantic)]\npub fn f() {}\n",
        },
    )
    report = audit_rule(policies, tmp_path, "rust-clippy-pedantic")
    found = [f for f in report.findings if f.rule == "rust-clippy-pedantic"]
    assert [f.where for f in found] == ["Cargo.toml:1"]
    assert "1 crate(s) do not enable clippy::pedantic (`a`)" in found[0].message
    assert [(r.path, r.line) for r in found[0].related] == [("a/Cargo.toml", 1)]
