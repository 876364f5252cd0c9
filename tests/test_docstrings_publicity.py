"""docstrings: what is public (``__all__``, as pydocstyle and ruff read it) and which overrides
a framework base documents, as a user sees it in the findings (path:line)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from helpers import audit_rule, write_tree

from charter.policy import PolicySet

BODY = """
    order = load(order_id)
    order.state = "{state}"
    order.changed_at = now()
    order.save()
    notify(order.owner)
"""


def method(name: str, state: str) -> str:
    """An undocumented method of six lines (over ``min_body_lines``)."""
    body = textwrap.indent(BODY.format(state=state).strip("\n"), "    ")
    return f"    def {name}(self, request, order_id):\n{body}\n"


def where(policies: PolicySet, root: Path, files: dict[str, str]) -> list[str]:
    write_tree(root, files)
    report = audit_rule(policies, root, "docstrings", {"threshold": 100})
    return sorted(f.where for f in report.findings if f.rule == "docstrings")


def test_a_framework_hook_is_known_through_the_import_and_through_a_repository_base(
    policies: PolicySet, tmp_path: Path
) -> None:
    base = (
        '"""Views."""\n\nfrom rest_framework.views import APIView\n\n\n'
        'class BaseView(APIView):\n    """Views of the shop."""\n\n    permission = "shop"\n'
    )
    orders = (
        '"""Order views."""\n\nfrom shop.base import BaseView\n\n\n'
        'class OrderView(BaseView):\n    """One order."""\n\n'
        + method("post", "paid")
        + "\n"
        + method("refund", "refunded")
    )
    # ``post`` overrides the hook APIView documents, through the repository's BaseView;
    # ``refund`` is the view's own behaviour
    assert where(
        policies, tmp_path / "a", {"src/shop/base.py": base, "src/shop/orders.py": orders}
    ) == ["src/shop/orders.py:16"]
    # without the import, ``APIView`` is a name like any other: nothing says ``post`` is a hook
    unimported = base.replace("from rest_framework.views import APIView\n", "")
    assert where(
        policies, tmp_path / "b", {"src/shop/base.py": unimported, "src/shop/orders.py": orders}
    ) == ["src/shop/orders.py:16", "src/shop/orders.py:9"]


def test_dunder_all_decides_module_level_publicity_only_when_it_is_a_literal(
    policies: PolicySet, tmp_path: Path
) -> None:
    code = (
        '"""Orders."""\n\n__all__ = ["Orders"]\n\n\n'
        'class Orders:\n    """The order book."""\n\n'
        + method("settle", "paid")
        + "\n\nclass Ledger:\n"
        + method("post", "posted")
    )
    # Ledger is left out of __all__: neither it nor its methods are public
    assert where(policies, tmp_path / "a", {"src/shop/orders.py": code}) == ["src/shop/orders.py:9"]
    # __all__ changed after it is set: only running the module tells its names, so every name
    # without a leading underscore is public again
    extended = code.replace('__all__ = ["Orders"]\n', '__all__ = ["Orders"]\n__all__ += EXTRA\n')
    assert where(policies, tmp_path / "b", {"src/shop/orders.py": extended}) == [
        "src/shop/orders.py:10",
        "src/shop/orders.py:18",
        "src/shop/orders.py:19",
    ]
