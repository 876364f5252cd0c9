"""Trust work on the Python rules docstrings, type-hints, no-explicit-any, no-silent-failures,
context-managers, async-cancellation-reraised, no-blocking-in-async, f-strings and
pathlib-over-os-path: what each reports on the cases the ecosystem check found wrong, as a user
sees it (path:line, message, related places), where a rule's YAML example cannot say it."""

from __future__ import annotations

import textwrap
from pathlib import Path

from helpers import audit_rule, write_tree

from charter.models import Report
from charter.policy import PolicySet


def audit(
    policies: PolicySet,
    root: Path,
    rule: str,
    files: dict[str, str],
    **params: object,
) -> Report:
    write_tree(root, {path: textwrap.dedent(text) for path, text in files.items()})
    return audit_rule(policies, root, rule, dict(params))


def where(report: Report, rule: str) -> list[str]:
    return sorted(f.where for f in report.findings if f.rule == rule)


def messages(report: Report, rule: str) -> dict[str, str]:
    return {f.where: f.message for f in report.findings if f.rule == rule}


# --- docstrings ---------------------------------------------------------------------------------


def test_docstrings_failing_summary_says_what_is_counted_but_not_reported(
    policies: PolicySet, tmp_path: Path
) -> None:
    report = audit(
        policies,
        tmp_path,
        "docstrings",
        {
            "src/shop/orders.py": """
                class Order:
                    def total(self) -> int:
                        return sum(self.lines)

                    def settle(self, ledger: object) -> None:
                        ledger.post(self)
                        self.closed = True
            """,
        },
        threshold=90,
        min_body_lines=0,
    )
    # the module (line 1) and the one-statement `total` count, but are not reported
    assert where(report, "docstrings") == ["src/shop/orders.py:2", "src/shop/orders.py:6"]
    result = next(r for r in report.rules if r.id == "docstrings")
    assert result.message == (
        "0/4 public items documented (0.0%, threshold 90%); 2 undocumented items reported, "
        "2 counted but not reported (module docstrings, one-statement or short functions, "
        "overrides, hooks, signal receivers, nested classes)"
    )


def test_docstrings_hook_needs_three_classes_with_a_common_library_base(
    policies: PolicySet, tmp_path: Path
) -> None:
    view = '''
        """{name} views."""

        from reports import exporters


        class {name}Exporter(exporters.Exporter):
            """The {name} export."""

            def rows(self):
                qs = super().rows()
                return qs.filter(owner=self.request.user)
    '''
    # a library charter knows nothing about (FRAMEWORK_HOOKS does not list it): three classes
    # with one base defining ``rows`` make it that base's hook
    files = {f"src/app/{n.lower()}.py": view.format(name=n) for n in ("Tag", "Note", "Mail")}
    report = audit(policies, tmp_path, "docstrings", files, threshold=100, min_body_lines=0)
    assert where(report, "docstrings") == []  # a library hook, documented by the library

    del files["src/app/mail.py"]
    report = audit(policies, tmp_path / "two", "docstrings", files, threshold=100, min_body_lines=0)
    assert where(report, "docstrings") == ["src/app/note.py:10", "src/app/tag.py:10"]


# --- no-explicit-any ----------------------------------------------------------------------------


def test_no_explicit_any_names_the_evident_return_type(policies: PolicySet, tmp_path: Path) -> None:
    report = audit(
        policies,
        tmp_path,
        "no-explicit-any",
        {
            "src/app/orders.py": """
                from typing import Any


                def find(key: str) -> Any:
                    if not key:
                        return None
                    return Order(key)


                def fetch(key: str) -> Any:
                    return store.get(key)
            """,
        },
    )
    # `fetch` passes an untyped value through: Any is honest there
    assert messages(report, "no-explicit-any") == {
        "src/app/orders.py:5": "public `find` returns `Any` but every return is "
        "`Order | None`: name that type so callers stay checked"
    }


def test_no_explicit_any_judges_methods_of_a_class_with_an_in_repo_base(
    policies: PolicySet, tmp_path: Path
) -> None:
    report = audit(
        policies,
        tmp_path,
        "no-explicit-any",
        {
            "src/app/base.py": """
                from typing import Any


                class Handler:
                    def handle(self, event: Any) -> None:
                        raise NotImplementedError
            """,
            "src/app/mail.py": """
                from typing import Any

                from app.base import Handler


                class MailHandler(Handler):
                    def handle(self, event: Any) -> None:
                        event.ack()

                    def render(self, template: Any) -> str:
                        return template.render()
            """,
        },
    )
    # `handle` keeps the base's signature; `render` is the class's own
    assert where(report, "no-explicit-any") == ["src/app/mail.py:11"]


# --- no-blocking-in-async -----------------------------------------------------------------------


def test_no_blocking_repeats_in_one_coroutine_are_one_finding_with_related_places(
    policies: PolicySet, tmp_path: Path
) -> None:
    report = audit(
        policies,
        tmp_path,
        "no-blocking-in-async",
        {
            "src/app/backup.py": """
                import subprocess
                import time


                async def backup(target: str) -> None:
                    subprocess.Popen(["pg_dump", target]).wait()
                    time.sleep(1)
                    subprocess.Popen(["rm", target]).wait()
                    subprocess.run(["sync"], check=True)


                async def other() -> None:
                    subprocess.run(["sync"], check=True)
            """,
        },
    )
    findings = {f.where: f for f in report.findings if f.rule == "no-blocking-in-async"}
    assert sorted(findings) == [
        "src/app/backup.py:14",
        "src/app/backup.py:7",
        "src/app/backup.py:8",
    ]
    first = findings["src/app/backup.py:7"]
    assert first.message.endswith("(2 more such calls in this coroutine)")
    assert [(r.path, r.line) for r in first.related] == [
        ("src/app/backup.py", 9),
        ("src/app/backup.py", 10),
    ]
    assert findings["src/app/backup.py:14"].related == ()


# --- no-silent-failures -------------------------------------------------------------------------


def test_no_silent_failures_lazy_import_of_own_code_is_not_an_optional_dependency(
    policies: PolicySet, tmp_path: Path
) -> None:
    report = audit(
        policies,
        tmp_path,
        "no-silent-failures",
        {
            "shop/orders.py": """
                from flask import flash


                def notify(order: dict) -> None:
                    try:
                        from shop.mail import send_receipt

                        send_receipt(order)
                    except Exception:
                        pass


                def speedups() -> None:
                    try:
                        import ujson

                        ujson.install()
                    except Exception:
                        pass


                def upload(data: bytes) -> None:
                    try:
                        store(data)
                    except Exception:
                        flash("Unable to read the file", "error")
            """,
        },
    )
    assert where(report, "no-silent-failures") == ["shop/orders.py:10"]


def test_no_silent_failures_a_retry_must_be_the_same_single_call(
    policies: PolicySet, tmp_path: Path
) -> None:
    report = audit(
        policies,
        tmp_path,
        "no-silent-failures",
        {
            "shop/status.py": """
                async def status(client, payment_id: str) -> Status:
                    try:
                        data = await client.get(f"/payments/{payment_id}")
                        return Status(data["paid"])
                    except Exception:
                        return Status(None)


                def page(repo, slug: str) -> Response:
                    try:
                        recipe = repo.get(slug)
                        if recipe is None:
                            return not_found()
                        return render(recipe)
                    except Exception:
                        return not_found()
            """,
        },
    )
    # constructing the same result type, or the not-found answer, is not another way to it
    assert where(report, "no-silent-failures") == ["shop/status.py:16", "shop/status.py:6"]


# --- context-managers ---------------------------------------------------------------------------


def test_context_managers_handing_over_needs_the_owner_to_leave_the_function(
    policies: PolicySet, tmp_path: Path
) -> None:
    report = audit(
        policies,
        tmp_path,
        "context-managers",
        {
            "shop/sheets.py": """
                import csv

                import requests


                def client(creds: object) -> "Client":
                    session = requests.Session()
                    api = Client(auth=creds, session=session)
                    api.login()
                    return api


                def check(creds: object) -> bool:
                    session = requests.Session()
                    api = Client(auth=creds, session=session)
                    return api.ping()


                def rows(path: str) -> list[list[str]]:
                    handle = open(path)
                    return list(csv.reader(handle))
            """,
        },
    )
    assert where(report, "context-managers") == ["shop/sheets.py:15", "shop/sheets.py:21"]


def test_context_managers_a_close_outside_finally_does_not_count(
    policies: PolicySet, tmp_path: Path
) -> None:
    report = audit(
        policies,
        tmp_path,
        "context-managers",
        {
            "shop/export.py": """
                def export(path: str, lines: list[str]) -> None:
                    f = open(path, "w")
                    for line in lines:
                        f.write(render(line))
                    f.close()
            """,
        },
    )
    assert where(report, "context-managers") == ["shop/export.py:3"]


def test_no_silent_failures_a_get_that_is_a_request_is_not_a_lookup(
    policies: PolicySet, tmp_path: Path
) -> None:
    report = audit(
        policies,
        tmp_path,
        "no-silent-failures",
        {
            "engines/maps.py": """
                import json

                import requests
                from shop.network import get as http_get


                def token(state: dict) -> None:
                    try:
                        state["token"] = json.loads(http_get(TOKEN_URL).text)["token"]
                    except Exception:
                        pass
                    try:
                        state["other"] = requests.get(OTHER_URL).json()
                    except Exception:
                        pass
                    try:
                        state["cached"] = json.loads(state.get("raw", ""))
                    except Exception:
                        state["cached"] = None
            """,
        },
    )
    assert where(report, "no-silent-failures") == ["engines/maps.py:11", "engines/maps.py:15"]
