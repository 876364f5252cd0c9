"""A small, typed view of the shared python-hcl2 tree (``SourceFile.hcl``) with line numbers.

python-hcl2 8 serializes to dicts without positions, but its rule tree keeps lark's ``Meta`` on
every block, attribute and object element. This module walks that tree once per call and keeps
what the Terraform rules need: block type and labels, attribute values (serialized by the
library, string quotes stripped) and the line of each block, attribute and object key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from hcl2.rules.base import AttributeRule, BlockRule, BodyRule
    from hcl2.rules.containers import ObjectElemRule, ObjectRule


class HclTypes(NamedTuple):
    """python-hcl2's rule classes, imported on first use: hcl2 and lark cost ~80 ms to import,
    which an audit without Terraform files (or a warm one) should not pay."""

    AttributeRule: type[AttributeRule]
    BlockRule: type[BlockRule]
    BodyRule: type[BodyRule]
    ObjectElemRule: type[ObjectElemRule]
    ObjectRule: type[ObjectRule]
    options: Any


@cache
def hcl_types() -> HclTypes:
    from hcl2.rules.base import AttributeRule, BlockRule, BodyRule
    from hcl2.rules.containers import ObjectElemRule, ObjectRule
    from hcl2.utils import SerializationOptions

    options = SerializationOptions(with_comments=False, strip_string_quotes=True)
    return HclTypes(AttributeRule, BlockRule, BodyRule, ObjectElemRule, ObjectRule, options)


@dataclass
class Attr:
    """``name = value``; for an object value, ``keys`` maps each key to its (value, line)."""

    name: str
    value: Any
    line: int
    keys: dict[str, tuple[Any, int]] = field(default_factory=dict)


@dataclass
class Block:
    """``type "label" "label" { ... }`` with its attributes and nested blocks."""

    type: str
    labels: tuple[str, ...]
    line: int
    end_line: int
    attrs: dict[str, Attr] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    def children(self, kind: str) -> list[Block]:
        return [b for b in self.blocks if b.type == kind]

    def value(self, name: str) -> Any:
        attr = self.attrs.get(name)
        return attr.value if attr is not None else None


def _line(node: Any, default: int) -> int:
    meta = getattr(node, "_meta", None)
    if meta is None or getattr(meta, "empty", True):
        return default
    return int(meta.line)


def _serialize(node: Any) -> Any:
    try:
        return node.serialize(hcl_types().options)
    except (RuntimeError, ValueError, TypeError, AttributeError):
        return None


def _object_keys(expression: Any, default: int) -> dict[str, tuple[Any, int]]:
    """Keys of an object literal (``{ source = "x", version = "y" }``) with their lines."""
    types = hcl_types()
    stack = [expression]
    while stack:
        node = stack.pop()
        if isinstance(node, types.ObjectRule):
            out: dict[str, tuple[Any, int]] = {}
            for elem in node.elements:
                if isinstance(elem, types.ObjectElemRule):
                    key = _serialize(elem.key)
                    if isinstance(key, str):
                        out[key] = (_serialize(elem.expression), _line(elem, default))
            return out
        children = getattr(node, "children", None) or []
        # descend through expression wrappers only (not into nested objects' values)
        stack.extend(c for c in children if c is not None and not isinstance(c, str))
    return {}


def _block(rule: BlockRule) -> Block:
    labels = tuple(str(_serialize(label)) for label in rule.labels)
    line = _line(rule, 1)
    end = int(getattr(rule._meta, "end_line", line) or line)
    block = Block(labels[0], labels[1:], line, end)
    _fill(block, rule.body, line)
    return block


def _fill(block: Block, body: BodyRule, default: int) -> None:
    types = hcl_types()
    for child in body.children:
        if isinstance(child, types.BlockRule):
            block.blocks.append(_block(child))
        elif isinstance(child, types.AttributeRule):
            name = str(_serialize(child.identifier))
            line = _line(child, default)
            value = _serialize(child.expression)
            keys = _object_keys(child.expression, line) if isinstance(value, dict) else {}
            block.attrs[name] = Attr(name, value, line, keys)


def top_blocks(tree: Any) -> list[Block]:
    """The top-level blocks of a parsed file (``SourceFile.hcl``)."""
    root = Block("", (), 1, 1)
    body = getattr(tree, "body", None)
    if isinstance(body, hcl_types().BodyRule):
        _fill(root, body, 1)
    return root.blocks
