"""typescript-strict and absolute-imports: findings a user sees, beyond the YAML examples."""

from __future__ import annotations

from pathlib import Path

from helpers import audit_rule, write_tree

from charter.models import Report
from charter.policy import PolicySet


def found(report: Report, rule: str) -> list[str]:
    return sorted(f"{f.path}:{f.line}" for f in report.findings if f.rule == rule)


def status(report: Report, rule: str) -> str:
    return next(r.status.value for r in report.rules if r.id == rule)


def messages(report: Report, rule: str) -> list[str]:
    return [f.message for f in report.findings if f.rule == rule]


def test_typescript_without_tsconfig_is_reported(tmp_path: Path, policies: PolicySet):
    write_tree(tmp_path, {"src/types.d.ts": "declare const x: 1;\n", "src/app.ts": "export {};\n"})
    report = audit_rule(policies, tmp_path, "typescript-strict")
    assert found(report, "typescript-strict") == ["src/app.ts:1"]


def test_unreadable_package_base_and_cycles(tmp_path: Path, policies: PolicySet):
    write_tree(
        tmp_path,
        {
            "a/tsconfig.json": '{ "extends": "some-company-config/tsconfig.json" }\n',
            "b/tsconfig.json": '{ "extends": "./tsconfig.json" }\n',
            "c/tsconfig.json": '{\n  "extends": "./base",\n  "compilerOptions": {}\n}\n',
            "c/base.json": '{ "extends": "./tsconfig.json" }\n',
        },
    )
    report = audit_rule(policies, tmp_path, "typescript-strict")
    assert found(report, "typescript-strict") == [
        "a/tsconfig.json:1",
        "b/tsconfig.json:1",
        "c/tsconfig.json:3",
    ]
    assert any("some-company-config" in m for m in messages(report, "typescript-strict"))


def test_invalid_tsconfig_is_a_finding_not_a_crash(tmp_path: Path, policies: PolicySet):
    write_tree(tmp_path, {"tsconfig.json": '{ "compilerOptions": { "strict": true \n'})
    report = audit_rule(policies, tmp_path, "typescript-strict")
    assert status(report, "typescript-strict") == "fail"
    assert any("cannot be parsed" in m for m in messages(report, "typescript-strict"))


def test_explicit_strict_wins_over_the_base(tmp_path: Path, policies: PolicySet):
    write_tree(
        tmp_path,
        {
            "base.json": '{ "compilerOptions": { "strict": false } }\n',
            "tsconfig.json": '{"extends": "./base.json", "compilerOptions": {"strict": true}}',
        },
    )
    report = audit_rule(policies, tmp_path, "typescript-strict")
    assert found(report, "typescript-strict") == []
    assert status(report, "typescript-strict") == "pass"


def test_javascript_and_jsx_imports(tmp_path: Path, policies: PolicySet):
    write_tree(
        tmp_path,
        {
            "web/a.jsx": 'import Button from "../ui/button";\nexport const A = () => <Button />;\n',
            "web/b.cjs": 'const x = require("../lib");\nconst y = require("lodash");\n',
            "web/c.ts": 'import "../polyfills";\nexport * from "..";\n',
            "tsconfig.json": '{"compilerOptions": {"paths": {"@/*": ["./*"]}}}',
        },
    )
    report = audit_rule(policies, tmp_path, "absolute-imports")
    assert found(report, "absolute-imports") == [
        "web/a.jsx:1",
        "web/b.cjs:1",
        "web/c.ts:1",
        "web/c.ts:2",
    ]
    assert all("`@/`" in m for m in messages(report, "absolute-imports"))


def test_python_message_names_the_absolute_module(tmp_path: Path, policies: PolicySet):
    write_tree(
        tmp_path,
        {
            "src/shop/orders/api.py": "from ..billing.tax import rate\n",
            "src/shop/orders/bad.py": "from ...billing import tax\n",
        },
    )
    report = audit_rule(policies, tmp_path, "absolute-imports")
    assert found(report, "absolute-imports") == [
        "src/shop/orders/api.py:1",
        "src/shop/orders/bad.py:1",
    ]
    by_path = {f.path: f.message for f in report.findings if f.rule == "absolute-imports"}
    assert "`from shop.billing.tax import ...`" in by_path["src/shop/orders/api.py"]
    # three dots from shop/orders/ climb above the top-level package: no absolute name to offer
    assert "use an absolute import" in by_path["src/shop/orders/bad.py"]
