"""python-hcl2 (what charter parses Terraform with) against tree-sitter-hcl: speed and fidelity.

    python benchmarks/hcl_parsers.py [DIR ...] [--repeat 3]

Every ``.tf`` file under the folders (default: the ecosystem set's checkouts under
``$CHARTER_ECOSYSTEM_DIR``) is parsed by ``hcl2.parses`` (charter's ``SourceFile.hcl``) and by
tree-sitter-hcl (``pip install tree-sitter-hcl``; a benchmark-only package), each the best of
``--repeat`` runs. Fidelity is judged on what charter's Terraform rules read of the tree
(:mod:`charter.analyzers.terraform.hcl`): every block's type, labels and line, and every
attribute's name and line, nested blocks included. Attribute *values* are not compared (a
move would need tree-sitter's expressions serialized the way python-hcl2 serializes them). A
file counts as the same when both parsers accept it and give that skeleton, or both reject it.
Nothing of the files runs; only text is parsed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

#: (type, labels, line, ((attribute, line), ...), (nested block skeletons, ...))
Skeleton = tuple[str, tuple[str, ...], int, tuple[tuple[str, int], ...], tuple[Any, ...]]


def _hcl2_skeleton(text: str) -> tuple[Skeleton, ...] | None:
    import hcl2

    from charter.analyzers.terraform.hcl import Block, top_blocks

    try:
        tree = hcl2.parses(text)
    except Exception:  # noqa: BLE001 - a file python-hcl2 rejects
        return None

    def skel(block: Block) -> Skeleton:
        attrs = tuple(sorted((a.name, a.line) for a in block.attrs.values()))
        return (block.type, block.labels, block.line, attrs, tuple(skel(b) for b in block.blocks))

    return tuple(skel(b) for b in top_blocks(tree))


def _ts_parser() -> Any:
    try:
        import tree_sitter
        import tree_sitter_hcl
    except ImportError:
        raise SystemExit(
            "tree-sitter-hcl is not installed: pip install tree-sitter-hcl (benchmark only)"
        ) from None
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))


def _label(node: Any) -> str:
    if node.type == "string_lit":
        return "".join(
            c.text.decode("utf-8", "replace") for c in node.children if c.type == "template_literal"
        )
    return str(node.text.decode("utf-8", "replace"))


def _ts_skeleton(parser: Any, data: bytes) -> tuple[Skeleton, ...] | None:
    tree = parser.parse(data)
    if tree.root_node.has_error:
        return None

    def body_of(node: Any) -> tuple[list[Any], list[Any]]:
        blocks, attrs = [], []
        for child in node.children:
            if child.type == "block":
                blocks.append(child)
            elif child.type == "attribute":
                attrs.append(child)
        return blocks, attrs

    def skel(block: Any) -> Skeleton:
        names = [c for c in block.children if c.type in ("identifier", "string_lit")]
        kind = _label(names[0])
        labels = tuple(_label(n) for n in names[1:])
        body = next((c for c in block.children if c.type == "body"), None)
        blocks, attrs = body_of(body) if body is not None else ([], [])
        attr_lines = tuple(
            sorted(
                (
                    _label(next(c for c in a.children if c.type == "identifier")),
                    a.start_point[0] + 1,
                )
                for a in attrs
            )
        )
        return (kind, labels, block.start_point[0] + 1, attr_lines, tuple(skel(b) for b in blocks))

    body = next((c for c in tree.root_node.children if c.type == "body"), None)
    if body is None:
        return ()
    return tuple(skel(b) for b in body_of(body)[0])


def _best(fn: Any, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    dirs = args.dirs or sorted(Path(os.environ.get("CHARTER_ECOSYSTEM_DIR", "")).glob("*"))
    files = sorted(
        p for d in dirs for p in d.rglob("*.tf") if p.is_file() and ".git" not in p.parts
    )
    if not files:
        raise SystemExit("no .tf files: pass folders, or set CHARTER_ECOSYSTEM_DIR")
    ts = _ts_parser()
    texts = [(p, p.read_bytes()) for p in files]
    size = sum(len(d) for _, d in texts)
    strings = [d.decode("utf-8", "replace") for _, d in texts]

    def all_hcl2() -> None:
        import hcl2

        for text in strings:
            try:
                hcl2.parses(text)
            except Exception:  # noqa: BLE001 - timed as it fails
                continue

    def all_ts() -> None:
        for _, data in texts:
            ts.parse(data)

    all_hcl2()  # imports and lark's grammar load, outside the timing
    t_hcl2, t_ts = _best(all_hcl2, args.repeat), _best(all_ts, args.repeat)
    same = both_reject = blocks = attributes = 0
    only_hcl2: list[str] = []
    only_ts: list[str] = []
    differ: list[str] = []
    for (path, data), text in zip(texts, strings, strict=True):
        a, b = _hcl2_skeleton(text), _ts_skeleton(ts, data)
        name = str(path)
        if a is None and b is None:
            both_reject += 1
        elif a is None:
            only_ts.append(name)
        elif b is None:
            only_hcl2.append(name)
        elif a == b:
            same += 1
            stack = list(a)
            while stack:
                _, _, _, attrs, nested = stack.pop()
                blocks += 1
                attributes += len(attrs)
                stack.extend(nested)
        else:
            differ.append(name)
    print(f"{len(files)} .tf files, {size / 1e6:.2f} MB, from {len(dirs)} folder(s)")
    print(f"python-hcl2 (hcl2.parses): {t_hcl2:.2f} s = {size / 1e6 / t_hcl2:.2f} MB/s")
    print(f"tree-sitter-hcl:           {t_ts:.3f} s = {size / 1e6 / t_ts:.1f} MB/s "
          f"({t_hcl2 / t_ts:.0f}x faster)")  # fmt: skip
    print(f"same skeleton: {same}; both reject: {both_reject}; only python-hcl2 accepts: "
          f"{len(only_hcl2)}; only tree-sitter accepts: {len(only_ts)}; "
          f"different skeleton: {len(differ)} ({blocks} blocks and {attributes} attributes "
          "the same, with their lines)")  # fmt: skip
    for title, names in (("python-hcl2 only", only_hcl2), ("tree-sitter only", only_ts),
                         ("different", differ)):  # fmt: skip
        for name in names[:10]:
            print(f"  {title}: {name}")


if __name__ == "__main__":
    main()
