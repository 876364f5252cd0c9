"""Score ``charter profile import`` on the labelled benchmark profiles.

    python benchmarks/profile_import/materialise.py --out /tmp/profiles
    python benchmarks/profile_import/score.py --profiles /tmp/profiles [--charter-src .] [--show]

Each profile of ``manifest.yaml`` is imported (:func:`charter.profile_import.import_profile` with
the built-in policies) and every (statement, rule) mapping is compared with ``labels.yaml``:

- a mapping is attributed to the labelled statement of the same markdown block (paragraph, list
  item, table, fence) that starts on or before the mapping's line; a mapping no label covers is
  counted as wrong (every statement not labelled should map to no rule);
- **precision**: mappings whose rule is one of the label's ``rules`` (or ``also``: acceptable,
  not required) / all mappings;
- **recall over checkable instructions**: labelled (instruction, rule) pairs whose rule exists in
  the loaded policies and that the import maps / all such pairs (rules named in labels that do
  not exist yet are listed apart: "awaiting a rule");
- **polarity violations**: mappings to a rule the label lists under ``opposes`` (the statement
  asks for the opposite of what the rule demands);
- **descriptions mapped**: labelled descriptions and context that map to any rule.

Scores are given for all profiles and for each set of ``manifest.yaml``: ``tune``, ``held``
(held apart until session 30, whose errors were then read) and ``held2`` ... ``held7`` (each
labelled blind in session 30 and scored once before its errors were read; the last one was
never read while tuning).
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
#: rules that check the document itself, not a statement's demand
NOT_MAPPINGS = {"parse-error", "profile-drift"}


@dataclass
class Tally:
    mapped: int = 0
    correct: int = 0
    expected: int = 0
    found: int = 0
    polarity: int = 0
    descriptions: int = 0
    unlabelled: int = 0
    awaiting: int = 0
    details: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in ("mapped", "correct", "expected", "found", "polarity", "descriptions"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.unlabelled += other.unlabelled
        self.awaiting += other.awaiting
        self.details += other.details

    def row(self, name: str, n: int) -> str:
        precision = self.correct / self.mapped if self.mapped else 1.0
        recall = self.found / self.expected if self.expected else 1.0
        return (
            f"| {name} | {n} | {self.mapped} | {precision:.0%} ({self.correct}/{self.mapped}) | "
            f"{recall:.0%} ({self.found}/{self.expected}) | {self.polarity} | "
            f"{self.descriptions} | {self.unlabelled} |"
        )


def blocks(text: str) -> list[tuple[int, int]]:
    """1-based (first, last) lines of each markdown block that holds statements."""
    from markdown_it import MarkdownIt

    out = []
    for token in MarkdownIt("commonmark").enable("table").parse(text):
        if token.map and token.type in {"paragraph_open", "fence", "code_block", "table_open"}:
            out.append((token.map[0] + 1, token.map[1]))
        elif token.map and token.type == "list_item_open":
            out.append((token.map[0] + 1, token.map[0] + 1))
    return out


def attribute(line: int, labels: list[dict[str, Any]], spans: list[tuple[int, int]]):
    block = next(
        ((a, b) for a, b in sorted(spans, key=lambda s: s[1] - s[0]) if a <= line <= b),
        (line, line),
    )
    inside = [lab for lab in labels if block[0] <= lab["line"] <= line]
    if not inside:
        inside = [lab for lab in labels if lab["line"] == line]
    return max(inside, key=lambda lab: lab["line"]) if inside else None


def score_profile(pid: str, path: Path, labels: list[dict[str, Any]], policies: Any) -> Tally:
    from charter.profile_import import import_profile, read_document

    text = path.read_text(encoding="utf-8")
    result = import_profile(read_document(path, pid), policies)
    spans = blocks(text)
    tally = Tally()
    hits: dict[int, set[str]] = defaultdict(set)
    for mapping in result.mappings:
        for rule in mapping.rules:
            if rule in NOT_MAPPINGS:
                continue
            label = attribute(mapping.statement.line, labels, spans)
            key = id(label) if label is not None else -mapping.statement.line
            if rule in hits[key]:
                continue
            hits[key].add(rule)
            tally.mapped += 1
            quote = mapping.statement.text[:90]
            if label is None:
                tally.unlabelled += 1
                tally.details.append(
                    f"{pid}:{mapping.statement.line} UNLABELLED -> {rule}: {quote}"
                )
                continue
            if label.get("kind", "instruction") != "instruction":
                if len(hits[key]) == 1:
                    tally.descriptions += 1
                tally.details.append(f"{pid}:{label['line']} DESCRIPTION -> {rule}: {quote}")
            elif rule in label.get("opposes", []):
                tally.polarity += 1
                tally.details.append(f"{pid}:{label['line']} POLARITY -> {rule}: {quote}")
            elif rule in label.get("rules", []) or rule in label.get("also", []):
                tally.correct += 1
                continue
            else:
                tally.details.append(f"{pid}:{label['line']} WRONG -> {rule}: {quote}")
    for label in labels:
        if label.get("kind", "instruction") != "instruction":
            continue
        for rule in label.get("rules", []):
            if rule not in policies.rules:
                tally.awaiting += 1
                continue
            tally.expected += 1
            if rule in hits[id(label)]:
                tally.found += 1
            else:
                tally.details.append(f"{pid}:{label['line']} MISSED {rule}: {label['text'][:90]}")
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profiles", type=Path, required=True, help="materialise.py --out")
    parser.add_argument("--charter-src", type=Path, default=HERE.parents[1])
    parser.add_argument(
        "--show", action="store_true", help="list every wrong or missed mapping of the tune set"
    )
    parser.add_argument(
        "--show-set",
        default="",
        help="list them for this set instead (all, held, held2, ...: never a set not yet scored)",
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.charter_src / "src"))
    from charter.policy import load_policies

    policies = load_policies()
    manifest = yaml.safe_load((HERE / "manifest.yaml").read_text(encoding="utf-8"))["profiles"]
    labels = yaml.safe_load((HERE / "labels.yaml").read_text(encoding="utf-8")) or {}
    names = ["all", *dict.fromkeys(entry["set"] for entry in manifest)]
    sets: dict[str, Tally] = {name: Tally() for name in names}
    counts = dict.fromkeys(names, 0)
    for entry in manifest:
        path = args.profiles / f"{entry['id']}.md"
        if not path.is_file():
            print(f"{path}: missing; run materialise.py first", file=sys.stderr)
            return 2
        tally = score_profile(entry["id"], path, labels.get(entry["id"]) or [], policies)
        for name in ("all", entry["set"]):
            sets[name].add(tally)
            counts[name] += 1
    print(
        "| profiles | n | mappings | precision | recall (checkable) | polarity violations | "
        "descriptions mapped | unlabelled mappings |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        print(sets[name].row(name, counts[name]))
    print(f"\nlabelled demands awaiting a rule that does not exist here: {sets['all'].awaiting}")
    if args.show or args.show_set:
        shown = sets[args.show_set or "tune"]
        print("\n" + "\n".join(sorted(shown.details)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
