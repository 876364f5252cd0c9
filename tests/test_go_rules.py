"""Go rules on the shared tree-sitter tree: findings a user sees, beyond the YAML examples."""

from __future__ import annotations

from pathlib import Path

from helpers import audit_rule, write_tree

from charter.analyzers.go.error_wrapping import format_verbs
from charter.engine import run_audit
from charter.models import Report
from charter.policy import PolicySet, Profile, ProfileRuleRef
from charter.sources import SourceFile


def found(report: Report, rule: str) -> list[str]:
    return sorted(f"{f.path}:{f.line}" for f in report.findings if f.rule == rule)


def status(report: Report, rule: str) -> str:
    return next(r.status.value for r in report.rules if r.id == rule)


def test_format_verbs_follow_fmt_argument_rules():
    assert format_verbs("%s: %v (%d%%)") == [("s", 0), ("v", 1), ("d", 2)]
    assert format_verbs("%*d %v") == [("d", 1), ("v", 2)]
    assert format_verbs("%[2]v %[1]s %v") == [("v", 1), ("s", 0), ("v", 1)]
    assert format_verbs("%+v %#v %-8s %6.2f") == [("v", 0), ("v", 1), ("s", 2), ("f", 3)]


def test_error_wrapping_reports_each_call_once_and_knows_error_calls(
    tmp_path: Path, policies: PolicySet
):
    write_tree(
        tmp_path,
        {
            "svc.go": (
                "package svc\n"
                "\n"
                'import (\n\t"errors"\n\t"fmt"\n)\n'
                "\n"
                "func f(n int) error {\n"
                "\tvar last error\n"
                '\tif n > 1 { return fmt.Errorf("a: %v, b: %v", last, errors.New("x")) }\n'
                '\tif n > 2 { return fmt.Errorf("a: %w, b: %v", last, errors.Join(last)) }\n'
                '\treturn fmt.Errorf("n=%v err=%v", n, "errText")\n'
                "}\n"
            )
        },
    )
    report = audit_rule(policies, tmp_path, "go-error-wrapping")
    assert found(report, "go-error-wrapping") == ["svc.go:10", "svc.go:11"]
    message = next(f.message for f in report.findings if f.path == "svc.go" and f.line == 10)
    assert "`last`" in message and "%w" in message


def test_error_wrapping_without_fmt_import_is_a_pass(tmp_path: Path, policies: PolicySet):
    write_tree(
        tmp_path,
        {"a.go": 'package a\n\nfunc f(err error) error { return x.Errorf("%v", err) }\n'},
    )
    report = audit_rule(policies, tmp_path, "go-error-wrapping")
    assert found(report, "go-error-wrapping") == []
    assert status(report, "go-error-wrapping") == "pass"


def test_syntax_error_is_a_parse_error_and_the_rest_is_still_checked(
    tmp_path: Path, policies: PolicySet
):
    write_tree(
        tmp_path,
        {
            "broken.go": (
                "package broken\n"
                "\n"
                'import "fmt"\n'
                "\n"
                "func bad( {\n"
                "}\n"
                "\n"
                "func wrap(err error) error {\n"
                '\treturn fmt.Errorf("x: %v", err)\n'
                "}\n"
            )
        },
    )
    profile = Profile(
        id="p",
        title="two rules",
        rules=(ProfileRuleRef(id="parse-error"), ProfileRuleRef(id="go-error-wrapping")),
    )
    report = run_audit(tmp_path, policies, [profile])
    assert found(report, "parse-error") == ["broken.go:5"]
    assert found(report, "go-error-wrapping") == ["broken.go:9"]


def test_context_first_counts_positions_not_declarations(tmp_path: Path, policies: PolicySet):
    write_tree(
        tmp_path,
        {
            "a.go": (
                "package a\n"
                "\n"
                'import "context"\n'
                "\n"
                "type H func(ctx context.Context, id string) error\n"
                "type Bad func(id string, ctx context.Context) error\n"
                "func (s *S) Ok(ctx context.Context, a, b int) {}\n"
                "func Two(ctx, other context.Context) {}\n"
                "func NoCtx(a, b int) {}\n"
            )
        },
    )
    report = audit_rule(policies, tmp_path, "go-context-first")
    assert found(report, "go-context-first") == ["a.go:6"]


def test_context_first_allow_before_is_a_parameter(tmp_path: Path, policies: PolicySet):
    write_tree(
        tmp_path,
        {
            "a.go": (
                'package a\n\nimport (\n\t"context"\n\t"testing"\n)\n\n'
                "func seed(t *testing.T, ctx context.Context) {}\n"
            )
        },
    )
    strict = audit_rule(policies, tmp_path, "go-context-first", {"allow_before": []})
    assert found(strict, "go-context-first") == ["a.go:8"]
    default = audit_rule(policies, tmp_path, "go-context-first")
    assert found(default, "go-context-first") == []


def test_no_sleep_sync_is_not_applicable_with_only_test_code(tmp_path: Path, policies: PolicySet):
    write_tree(
        tmp_path,
        {
            "a_test.go": (
                'package a\n\nimport "time"\n\n'
                "func TestA() {\n\tgo f()\n\ttime.Sleep(1)\n}\n\nfunc f() {}\n"
            )
        },
    )
    report = audit_rule(policies, tmp_path, "go-no-sleep-sync")
    assert status(report, "go-no-sleep-sync") == "not_applicable"
    with_tests = audit_rule(policies, tmp_path, "go-no-sleep-sync", {"include_tests": True})
    assert found(with_tests, "go-no-sleep-sync") == ["a_test.go:7"]


def test_project_layout_checks_each_module_and_ignores_tools(tmp_path: Path, policies: PolicySet):
    write_tree(
        tmp_path,
        {
            "lib/go.mod": "module example.com/lib\n",
            "lib/util/util.go": "package util\n",
            "svc/go.mod": "module example.com/svc\n",
            "svc/cmd/svc/main.go": "package main\n\nfunc main() {}\n",
            "svc/store/store.go": "// Package store.\npackage store\n",
            "svc/store/store_test.go": "package store\n",
            "svc/tools/gen/main.go": "package main\n\nfunc main() {}\n",
        },
    )
    report = audit_rule(policies, tmp_path, "go-project-layout", {"private_packages": True})
    assert found(report, "go-project-layout") == ["svc/store/store.go:2"]
    message = next(f.message for f in report.findings if f.rule == "go-project-layout")
    assert "internal/" in message


def test_project_layout_without_go_is_not_applicable(tmp_path: Path, policies: PolicySet):
    write_tree(tmp_path, {"go.mod": "module x\n", "README.md": "x\n"})
    report = audit_rule(policies, tmp_path, "go-project-layout")
    assert status(report, "go-project-layout") == "not_applicable"


def test_syntax_tree_is_shared_and_offline_for_every_grammar(tmp_path: Path):
    files = {
        "a.go": "package a\n",
        "a.rs": "fn main() {}\n",
        "a.ts": "const x: number = 1;\n",
        "a.tsx": "const x = <div />;\n",
        "a.js": "const x = require('y');\n",
        "a.jsx": "const x = <div />;\n",
        "a.py": "x = 1\n",
    }
    write_tree(tmp_path, files)
    roots = {}
    for name in files:
        source = SourceFile(tmp_path, name)
        tree = source.syntax_tree
        roots[name] = None if tree is None else tree.root_node.type
        assert source.problems == []
        assert source.syntax_tree is tree  # parsed once
    assert roots == {
        "a.go": "source_file",
        "a.rs": "source_file",
        "a.ts": "program",
        "a.tsx": "program",
        "a.js": "program",
        "a.jsx": "program",
        "a.py": None,
    }


def test_vendored_and_generated_code_is_left_out(tmp_path: Path, policies: PolicySet):
    wrap = 'package x\n\nimport "fmt"\n\nfunc f(err error) error { return fmt.Errorf("%v", err) }\n'
    write_tree(
        tmp_path,
        {
            "vendor/github.com/dep/x.go": wrap,
            "api/x.pb.go": "// Code generated by protoc-gen-go. DO NOT EDIT.\n\n" + wrap,
            "internal/x/x.go": "// Code generated? No: written by hand.\n" + wrap,
        },
    )
    report = audit_rule(policies, tmp_path, "go-error-wrapping")
    assert found(report, "go-error-wrapping") == ["internal/x/x.go:6"]


def test_project_layout_reports_a_misplaced_tree_once(tmp_path: Path, policies: PolicySet):
    write_tree(
        tmp_path,
        {
            "go.mod": "module example.com/shop\n",
            "app/main.go": "package main\n\nfunc main() {}\n",
            "business/orders/orders.go": "package orders\n",
            "business/users/users.go": "package users\n",
            "business/users/store/store.go": "package store\n",
        },
    )
    assert found(audit_rule(policies, tmp_path, "go-project-layout"), "go-project-layout") == []
    report = audit_rule(policies, tmp_path, "go-project-layout", {"private_packages": True})
    # one verdict per module, at the first business package, the others related; app/ is a
    # command's own folder (no cmd/ in the module), not a misplaced binary
    assert found(report, "go-project-layout") == ["business/orders/orders.go:1"]
    [finding] = [f for f in report.findings if f.rule == "go-project-layout"]
    assert "business/" in finding.message and "entry point" not in finding.message
    assert len(finding.related) == 2


def test_errors_checked_names_the_call_and_needs_every_method_of_a_name_to_fail(
    tmp_path: Path, policies: PolicySet
):
    """A method name is resolved only when every declaration of it returns an error: a
    `Save` that cannot fail elsewhere in the repository makes `x.Save()` unknown."""
    write_tree(
        tmp_path,
        {
            "store/a.go": (
                "package store\n\n"
                'import "errors"\n\n'
                "type A struct{}\n\n"
                'func (a *A) Refresh() error { return errors.New("x") }\n\n'
                'func (a *A) Save() error { return errors.New("x") }\n'
            ),
            "store/b.go": ("package store\n\ntype B struct{}\n\nfunc (b *B) Save() {}\n"),
            "app/app.go": (
                "package app\n\n"
                "func Run(a Loader) {\n\ta.Refresh()\n\ta.Save()\n}\n"
            ),
        },
    )
    report = audit_rule(policies, tmp_path, "go-errors-checked")
    assert found(report, "go-errors-checked") == ["app/app.go:4"]
    message = next(f.message for f in report.findings if f.rule == "go-errors-checked")
    assert message.startswith("the error returned by `a.Refresh(..)` is dropped")


def test_errors_checked_and_no_panic_leave_test_code_alone(tmp_path: Path, policies: PolicySet):
    write_tree(
        tmp_path,
        {
            "store/store_test.go": (
                "package store\n\n"
                'import "os"\n\n'
                "func helper() error {\n\tos.WriteFile(\"x\", nil, 0o600)\n"
                "\tif err := os.Chdir(\"/\"); err != nil {\n\t\tpanic(err)\n\t}\n\treturn nil\n}\n"
            ),
        },
    )
    for rule in ("go-errors-checked", "go-no-panic"):
        report = audit_rule(policies, tmp_path, rule)
        assert found(report, rule) == [], rule
