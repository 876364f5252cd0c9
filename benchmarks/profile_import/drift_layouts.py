"""profile-drift on real monorepo layouts: false findings, then three gaps made on purpose.

    python benchmarks/profile_import/drift_layouts.py --mirrors /work/.mirror [--dest DIR]

For each repository of ``drift_layouts.yaml`` (pinned commits; none reserved) the script checks
out the commit (safely: no hooks, no global or system git config), runs ``profile-drift`` over
every agent profile it ships (``AGENTS.md`` at any depth, ``CLAUDE.md``, ``.claude/agents/**``)
and lists each finding: on an unchanged checkout every finding is false, since the profiles
describe the repository they live in (a reference the maintainers let go stale would be a true
one; the findings are printed to be read).

Then it makes the three gaps the rule exists for, one at a time, from the references the
profiles themselves make, and checks that each is reported at the statement that names it:

- a Makefile target that a profile tells the agent to run (``make lint``) is renamed;
- an npm/pnpm/yarn script that a profile tells the agent to run is removed from package.json;
- a folder that a profile tells the agent to use (``src/graphs/``) is renamed.

The checkout is restored (``git checkout -- . && git clean -fdq``) after each.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "benchmarks" / "ecosystem"))
sys.path.insert(0, str(ROOT / "src"))

import ecosystem  # noqa: E402

from charter.profile_import import (  # noqa: E402
    DEFAULT_GLOBS,
    SKIP_DIRS,
    Reference,
    command_folders,
    glob_match,
    parse_document,
    references,
)

PROFILE = "drift-check"


@dataclass(frozen=True)
class Ref:
    document: str
    line: int
    ref: Reference


def documents(root: Path) -> list[str]:
    listed = ecosystem._git("ls-files", "-z", cwd=root).stdout.split("\0")
    return sorted(
        p
        for p in listed
        if p
        and any(glob_match(p, g) for g in DEFAULT_GLOBS)
        and not SKIP_DIRS.intersection(p.split("/")[:-1])
    )


def refs_of(root: Path) -> Iterator[Ref]:
    for doc in documents(root):
        text = (root / doc).read_text(encoding="utf-8", errors="replace")
        for statement in parse_document(text, doc).statements:
            for ref in references(statement):
                yield Ref(doc, statement.line, ref)


def audit(root: Path) -> list[dict[str, Any]]:
    """profile-drift's findings over every profile of the checkout."""
    with tempfile.TemporaryDirectory() as tmp:
        policies = Path(tmp) / "policies" / "profiles"
        policies.mkdir(parents=True)
        body = {"id": PROFILE, "title": "profile-drift only", "rules": [{"id": "profile-drift"}]}
        (policies / f"{PROFILE}.yaml").write_text(yaml.safe_dump(body), encoding="utf-8")
        out = Path(tmp) / "report.json"
        cmd = [sys.executable, "-P", "-m", "charter", "audit", str(root), "--format", "json"]
        cmd += ["--no-cache", "--output", str(out), "--policies", str(policies.parent)]
        cmd += ["--select", "profile-drift", "--profile", PROFILE, "--no-repo-config"]
        env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}
        done = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, check=False)
        if not out.is_file():
            raise SystemExit(f"{root}: charter failed ({done.returncode}): {done.stderr[-400:]}")
        report = json.loads(out.read_text(encoding="utf-8"))
    return [f for f in report["findings"] if f["rule"] == "profile-drift"]


def restore(root: Path) -> None:
    ecosystem._git("checkout", "--quiet", "--", ".", cwd=root)
    ecosystem._git("clean", "-fdq", cwd=root)


def _folder_of(doc: str) -> str:
    return doc.rsplit("/", 1)[0] if "/" in doc and not doc.startswith(".claude/") else ""


def make_gap(root: Path, kind: str, refs: list[Ref]) -> tuple[Ref, str] | None:
    """Make the first gap of ``kind`` the profiles' references allow; the reference and what
    was changed, or None when no reference of the kind resolves in this repository."""
    for item in refs:
        ref = item.ref
        word = ref.token.split()[0] if ref.kind == "command" else ""
        folders = command_folders(ref, _folder_of(item.document))
        if kind == "make-target" and word == "make":
            target = ref.token.split()[1]
            for folder in folders:
                makefile = root / folder / "Makefile"
                text = makefile.read_text(encoding="utf-8") if makefile.is_file() else ""
                pattern = re.compile(rf"^{re.escape(target)}(\s*:(?!=))", re.MULTILINE)
                if pattern.search(text):
                    makefile.write_text(pattern.sub(rf"{target}-gone\1", text), encoding="utf-8")
                    return item, f"{makefile.relative_to(root)}: target `{target}` renamed"
        if kind == "npm-script" and word in {"npm", "pnpm", "yarn", "bun"}:
            script = ref.token.split()[-1]
            for folder in folders:
                package = root / folder / "package.json"
                if not package.is_file():
                    continue
                data = json.loads(package.read_text(encoding="utf-8"))
                if script in (data.get("scripts") or {}):
                    del data["scripts"][script]
                    package.write_text(json.dumps(data, indent=2), encoding="utf-8")
                    return item, f"{package.relative_to(root)}: script `{script}` removed"
                break  # the nearest package.json decides
        if kind == "folder" and ref.kind == "path" and ref.token.endswith("/"):
            token = ref.token.strip("/")
            base = ref.base
            for place in (f"{_folder_of(item.document)}/{token}", f"{base}/{token}", token):
                folder = root / place.strip("/")
                if folder.is_dir() and place.strip("/"):
                    folder.rename(folder.with_name(folder.name + "-gone"))
                    return item, f"folder `{place.strip('/')}/` renamed"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mirrors", type=Path, default=None, help="local git mirrors")
    parser.add_argument("--dest", type=Path, default=ecosystem.checkouts_dir() / "drift")
    args = parser.parse_args(argv)
    layouts = yaml.safe_load((HERE / "drift_layouts.yaml").read_text(encoding="utf-8"))
    repos = [ecosystem.Repo(**entry) for entry in layouts["layouts"]]
    reserved = ecosystem._reserved()
    if any(r.repo.lower() in reserved for r in repos):
        raise SystemExit("drift_layouts.yaml: a reserved repository is listed")
    ecosystem.checkout(repos, args.dest, args.mirrors)
    rows, gaps, false = [], [], []
    for repo in repos:
        root = args.dest / repo.slug
        restore(root)
        refs = list(refs_of(root))
        found = audit(root)
        paths = sum(r.ref.kind == "path" for r in refs)
        rows.append(
            f"| {repo.repo} | {len(documents(root))} | {paths} | {len(refs) - paths} | "
            f"{len(found)} |"
        )
        false += [f"{repo.repo}: {f['path']}:{f['line']}: {f['message']}" for f in found]
        for kind in ("make-target", "npm-script", "folder"):
            made = make_gap(root, kind, refs)
            if made is None:
                continue
            item, change = made
            after = audit(root)
            hit = any(f["path"] == item.document and f["line"] == item.line for f in after) and len(
                after
            ) > len(found)
            gaps.append(
                f"| {repo.repo} | {kind} | {change} | `{item.document}:{item.line}` "
                f"`{item.ref.token}` | {'found' if hit else 'MISSED'} |"
            )
            restore(root)
    print("| layout | profiles | path references | command references | findings |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))
    print("\nfindings on the unchanged layouts:" if false else "\nno finding on the layouts")
    print("\n".join(f"- {line}" for line in false))
    print("\n| layout | gap | made by | named at | profile-drift |")
    print("|---|---|---|---|---|")
    print("\n".join(gaps))
    return 0 if all("| found |" in g for g in gaps) else 1


if __name__ == "__main__":
    sys.exit(main())
