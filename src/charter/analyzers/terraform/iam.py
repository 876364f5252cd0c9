"""terraform-iam-least-privilege: IAM policies do not grant wildcard access.

Checked, each at the line of the statement or attribute that grants it:

- ``data "aws_iam_policy_document"`` ``statement`` blocks;
- inline policies (``policy = jsonencode({...})`` or a heredoc of JSON) on ``aws_iam_policy``,
  ``aws_iam_role_policy``, ``aws_iam_user_policy``, ``aws_iam_group_policy`` and the
  ``inline_policy`` blocks of ``aws_iam_role``;
- the AWS managed ``AdministratorAccess`` policy attached to a role, user or group;
- GCP ``roles/owner``/``roles/editor`` bindings and Azure ``Owner`` role assignments.

A statement is too broad when its effect is ``Allow``, an action is ``*`` or ``service:*`` and a
resource is ``*``.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, ClassVar

import yaml

from charter.analyzers.base import Emitter
from charter.analyzers.health.manifests import line_of, mget
from charter.analyzers.terraform.counted import CountedTerraformAnalyzer
from charter.analyzers.terraform.hcl import _line, _serialize, hcl_types
from charter.sources import SourceFile, compose_yaml

if TYPE_CHECKING:
    from hcl2.rules.base import AttributeRule, BlockRule

_WILDCARD_ACTION = re.compile(r"^(\*|[A-Za-z0-9-]+:\*)$")
ADMIN_POLICY = ":policy/AdministratorAccess"
INLINE_POLICY_TYPES = frozenset(
    {
        "aws_iam_policy",
        "aws_iam_role_policy",
        "aws_iam_user_policy",
        "aws_iam_group_policy",
        "aws_iam_role",
    }
)
ATTACHMENT_TYPES = frozenset(
    {
        "aws_iam_role_policy_attachment",
        "aws_iam_user_policy_attachment",
        "aws_iam_group_policy_attachment",
        "aws_iam_policy_attachment",
    }
)
GCP_PRIMITIVE_ROLES = frozenset({"roles/owner", "roles/editor"})
AZURE_BROAD_ROLES = frozenset({"Owner"})


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value.strip()]
    if isinstance(value, list | tuple):
        return [v.strip() for v in value if isinstance(v, str)]
    return []


def too_broad(effect: Any, actions: Any, resources: Any) -> str | None:
    """``s3:* on *`` when the statement allows a wildcard action on every resource."""
    if isinstance(effect, str) and effect.strip().lower() != "allow":
        return None
    wild = [a for a in _strings(actions) if _WILDCARD_ACTION.match(a)]
    if not wild or "*" not in _strings(resources):
        return None
    return f"`{wild[0]}` on `*`"


def _labels(rule: BlockRule) -> tuple[str, ...]:
    return tuple(str(_serialize(label)) for label in rule.labels)


def _body_items(body: Any) -> tuple[list[AttributeRule], list[BlockRule]]:
    attrs: list[AttributeRule] = []
    blocks: list[BlockRule] = []
    types = hcl_types()
    if isinstance(body, types.BodyRule):
        for child in body.children:
            if isinstance(child, types.AttributeRule):
                attrs.append(child)
            elif isinstance(child, types.BlockRule):
                blocks.append(child)
    return attrs, blocks


def _attr(rule: BlockRule, name: str) -> tuple[Any, int] | None:
    attrs, _ = _body_items(rule.body)
    for attr in attrs:
        if _serialize(attr.identifier) == name:
            return _serialize(attr.expression), _line(attr, _line(rule, 1))
    return None


def _value(rule: BlockRule, name: str) -> Any:
    found = _attr(rule, name)
    return found[0] if found is not None else None


def _heredoc_statements(text: str, line: int) -> list[tuple[dict[str, Any], int]]:
    """Statements of a heredoc JSON policy; JSON is YAML, whose nodes keep their lines."""
    lines = text.split("\n")
    body = "\n".join(lines[1:-1]) if text.startswith("<<") else text
    first = line + 1 if text.startswith("<<") else line
    try:
        docs = compose_yaml(body)
    except (yaml.YAMLError, RecursionError):
        return []
    out: list[tuple[dict[str, Any], int]] = []
    for doc in docs[:1]:
        statements = mget(doc, "Statement")
        nodes = statements.value if isinstance(statements, yaml.SequenceNode) else [statements]
        for node in nodes:
            if isinstance(node, yaml.MappingNode):
                try:
                    plain = yaml.safe_load(yaml.serialize(node))
                except yaml.YAMLError:
                    continue
                if isinstance(plain, dict):
                    out.append((plain, first + line_of(node) - 1))
    return out


def _expression_statements(expression: Any, line: int) -> list[tuple[dict[str, Any], int]]:
    """Statements (objects with an ``Effect`` or ``Action``) in ``jsonencode({...})``."""
    out: list[tuple[dict[str, Any], int]] = []
    object_rule = hcl_types().ObjectRule
    stack = [expression]
    while stack:
        node = stack.pop()
        if isinstance(node, object_rule):
            value = _serialize(node)
            if isinstance(value, dict) and ("Action" in value or "Effect" in value):
                out.append((value, _line(node, line)))
                continue
        stack.extend(
            c
            for c in getattr(node, "children", None) or []
            if c is not None and not isinstance(c, str)
        )
    return sorted(out, key=lambda item: item[1])


def policy_statements(attr: AttributeRule, line: int) -> list[tuple[dict[str, Any], int]]:
    value = _serialize(attr.expression)
    if isinstance(value, str) and value.lstrip().startswith("<<"):
        return _heredoc_statements(value.strip(), line)
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            parsed = json.loads(value)
        except ValueError:
            return []
        statements = parsed.get("Statement") if isinstance(parsed, dict) else None
        items = statements if isinstance(statements, list) else [statements]
        return [(s, line) for s in items if isinstance(s, dict)]
    return _expression_statements(attr.expression, line)


def _project_owner(role: str, member: Any, blocks: list[BlockRule]) -> bool:
    """``roles/owner`` for one person (``user:``) in a file that creates the project
    (``resource "google_project"``): the project's owner, as Google makes its creator, not a
    privilege given to a workload."""
    if role != "roles/owner" or not str(member or "").strip().strip('"').startswith("user:"):
        return False
    return any(_labels(b)[:2] == ("resource", "google_project") for b in blocks)


class IamLeastPrivilegeAnalyzer(CountedTerraformAnalyzer):
    """Allow statements with a wildcard action on every resource, AdministratorAccess
    attachments, and primitive owner/editor role grants."""

    name: ClassVar[str] = "terraform-iam-least-privilege"
    subject: ClassVar[str] = "IAM policies, attachments or role grants"
    prefilter: ClassVar[tuple[str, ...]] = (
        "aws_iam_",
        "_iam_binding",
        "_iam_member",
        "azurerm_role_assignment",
    )

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        tree = file.hcl
        if tree is None:
            return
        _, blocks = _body_items(getattr(tree, "body", None))
        checked = 0
        for rule in blocks:
            labels = _labels(rule)
            if len(labels) < 3 or labels[0] not in {"resource", "data"}:
                continue
            kind, rtype, name = labels[0], labels[1], labels[2]
            address = f"{'data.' if kind == 'data' else ''}{rtype}.{name}"
            if kind == "data" and rtype == "aws_iam_policy_document":
                checked += 1
                self._document(address, rule, out)
            elif kind != "resource":
                continue
            elif rtype in INLINE_POLICY_TYPES:
                checked += 1
                self._inline(address, rule, out)
                if rtype == "aws_iam_role":
                    found = _attr(rule, "managed_policy_arns")
                    if found is not None:
                        self._admin(address, found[0], found[1], out)
            elif rtype in ATTACHMENT_TYPES:
                checked += 1
                found = _attr(rule, "policy_arn")
                if found is not None:
                    self._admin(address, found[0], found[1], out)
            elif rtype.startswith("google_") and rtype.endswith(("_iam_binding", "_iam_member")):
                checked += 1
                found = _attr(rule, "role")
                if found is not None and str(found[0]).strip() in GCP_PRIMITIVE_ROLES:
                    if rtype == "google_project_iam_member" and _project_owner(
                        str(found[0]).strip(), _value(rule, "member"), blocks
                    ):
                        out.evidence(
                            f"{address} makes a person the owner of the project this file "
                            "creates (every project has an owner), not a workload grant"
                        )
                        continue
                    out.report(
                        found[1],
                        f"{address} grants the primitive role `{found[0]}`; grant a "
                        "predefined or custom role with only the permissions needed",
                    )
            elif rtype == "azurerm_role_assignment":
                checked += 1
                found = _attr(rule, "role_definition_name")
                if found is not None and str(found[0]).strip() in AZURE_BROAD_ROLES:
                    out.report(
                        found[1],
                        f"{address} assigns the `{found[0]}` role; assign a narrower role",
                    )
        if checked:
            out.fact(checked)

    @staticmethod
    def _document(address: str, rule: BlockRule, out: Emitter) -> None:
        _, statements = _body_items(rule.body)
        for statement in statements:
            if _labels(statement)[:1] != ("statement",):
                continue
            grant = too_broad(
                _value(statement, "effect"),
                _value(statement, "actions"),
                _value(statement, "resources"),
            )
            if grant is not None:
                out.report(
                    _line(statement, _line(rule, 1)),
                    f"{address}: statement allows {grant}; name the actions and resources it needs",
                )

    @staticmethod
    def _inline(address: str, rule: BlockRule, out: Emitter) -> None:
        pending = [rule]
        while pending:
            current = pending.pop()
            attrs, nested = _body_items(current.body)
            pending.extend(b for b in nested if _labels(b)[:1] == ("inline_policy",))
            for attr in attrs:
                if _serialize(attr.identifier) != "policy":
                    continue
                line = _line(attr, _line(current, 1))
                for statement, where in policy_statements(attr, line):
                    grant = too_broad(
                        statement.get("Effect"), statement.get("Action"), statement.get("Resource")
                    )
                    if grant is not None:
                        out.report(
                            where,
                            f"{address}: policy statement allows {grant}; name the actions "
                            "and resources it needs",
                        )

    @staticmethod
    def _admin(address: str, value: Any, line: int, out: Emitter) -> None:
        for arn in _strings(value):
            if arn.endswith(ADMIN_POLICY):
                out.report(
                    line,
                    f"{address} attaches the AWS managed `AdministratorAccess` policy; attach "
                    "a policy limited to what the principal needs",
                )
                return
