"""Write docs/rules/<id>.md for every built-in rule, from policies/rules/<id>.yaml.

    python scripts/gen_rule_docs.py          # write the pages, remove pages of removed rules
    python scripts/gen_rule_docs.py --check  # exit 1 when a page is stale (what the test does)

The pages are what SARIF ``helpUri`` points at; tests/test_sarif_codescanning.py regenerates them
in memory and fails when a committed page differs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from charter.catalog import RULE_DOCS_DIR, rule_pages  # noqa: E402
from charter.policy import load_policies  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale pages")
    args = parser.parse_args(argv)
    out = ROOT / RULE_DOCS_DIR
    pages = rule_pages(load_policies())
    existing = {p.name for p in out.glob("*.md")} if out.is_dir() else set()
    stale = sorted(
        name
        for name, text in pages.items()
        if not (out / name).is_file() or (out / name).read_text(encoding="utf-8") != text
    )
    extra = sorted(existing - set(pages))
    if args.check:
        for name in [*stale, *extra]:
            print(f"{RULE_DOCS_DIR}/{name}: stale; run python scripts/gen_rule_docs.py")
        return 1 if stale or extra else 0
    out.mkdir(parents=True, exist_ok=True)
    for name in stale:
        (out / name).write_text(pages[name], encoding="utf-8", newline="\n")
    for name in extra:
        (out / name).unlink()
    print(f"{RULE_DOCS_DIR}: {len(pages)} pages, {len(stale)} written, {len(extra)} removed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
