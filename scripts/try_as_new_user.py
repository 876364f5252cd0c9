"""A new user's first hour, replayed: every shell command of the README and docs/, verbatim.

``scripts/try-as-new-user.sh`` runs this file. It creates a fresh virtual environment (no system
site-packages, nothing of the caller's environment but the package index configuration), puts
its ``bin/`` first on ``PATH`` and runs each command the way a reader would paste it, in the
folder the page implies, then checks the exit code the page promises.

The commands are read from the pages themselves (``sh``/``bash``/``shell`` blocks line by line,
``console`` blocks from their ``$ `` lines), so a page cannot gain a command the walkthrough does
not run: every command must have an entry in ``STEPS`` below, and every entry must still be on a
page. ``--list`` checks exactly that without running anything (``tests/test_walkthrough.py``).

Some commands are written for the reader's own repository (``charter audit .``); for those the
step names the scratch repository it runs in, built from the checked-in sample repositories or
from the files the page itself shows (``title="path"`` blocks). Nothing is fetched: a command
that needs the network (cloning a URL) is run as written and must fail the way charter fails
offline (exit code 2 with a one-line error), which is what CI without network sees.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parents[1]
PAGES = [
    "README.md",
    "CONTRIBUTING.md",
    "SECURITY.md",
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md")),
]
SHELL_INFO = {"sh", "bash", "shell"}
TITLED = re.compile(r'^```\w+ title="(?P<path>[^"]+)"\n(?P<body>.*?)^```$', re.M | re.S)


@dataclass(frozen=True)
class DocCommand:
    page: str
    line: int
    command: str
    output: tuple[str, ...] = ()


@dataclass
class Step:
    """How one documented command is run and judged."""

    expect: int
    cwd: str = "."  # "." is the checkout; any other name is a scratch repository (SCRATCH)
    why: str = ""
    # lines of the page's example output that must appear in the real output, verbatim
    check_output_tail: int = 0
    env: dict[str, str] = field(default_factory=dict)


def doc_commands() -> list[DocCommand]:
    found: list[DocCommand] = []
    md = MarkdownIt()
    for page in PAGES:
        path = ROOT / page
        if not path.is_file():
            continue
        for tok in md.parse(path.read_text(encoding="utf-8")):
            if tok.type != "fence" or tok.map is None:
                continue
            info = tok.info.strip().split(" ")[0]
            lines = tok.content.splitlines()
            start = tok.map[0] + 2  # the fence line is map[0]; content starts one below
            if info in SHELL_INFO:
                for i, text in enumerate(lines):
                    if text.strip() and not text.lstrip().startswith("#"):
                        found.append(DocCommand(page, start + i, text.strip()))
            elif info == "console":
                for i, text in enumerate(lines):
                    if text.startswith("$ "):
                        rest = []
                        for more in lines[i + 1 :]:
                            if more.startswith("$ "):
                                break
                            rest.append(more)
                        found.append(DocCommand(page, start + i, text[2:].strip(), tuple(rest)))
    return found


def key(command: str) -> str:
    """A command without its trailing comment and with single spaces: the STEPS key."""
    return re.sub(r"\s+", " ", re.sub(r"\s+#\s.*$", "", command)).strip()


IMPORT = "charter profile import .claude/agents/backend.md --output policies/profiles/backend.yaml"

# Every documented command, by its text without a trailing comment. Keep in step with the pages.
STEPS: dict[str, Step] = {
    "pip install -e . && charter audit sample_repos/compliant-service": Step(0),
    "pip install -e '.[test]' && pytest": Step(0),
    "charter audit sample_repos/legacy-service --profile backend-polyglot": Step(
        1, check_output_tail=2, why="the README's example report: its summary and gate lines"
    ),
    "charter profiles": Step(0),
    IMPORT: Step(0, cwd="agent-repo"),
    "charter audit . --policies policies --profile backend": Step(
        1, cwd="agent-repo", why="the imported profile's rules find what the sample leaves out"
    ),
    "charter audit . --repo-profiles": Step(1, cwd="agent-repo"),
    "charter baseline . --output .charter-baseline.json": Step(0, cwd="legacy-repo"),
    "charter audit . --baseline .charter-baseline.json": Step(
        0, cwd="legacy-repo", why="every finding is in the baseline just recorded"
    ),
    "charter audit https://github.com/org/service.git --ref v1.4.0": Step(
        2, why="an example URL: offline (and online: no such repository) the clone fails"
    ),
    "charter audit . --ref HEAD~1": Step(1, cwd="legacy-repo", why="the first commit"),
    "charter audit shop --policies team-policies --profile team": Step(1, cwd="custom-policies"),
    "ruff check src tests benchmarks && mypy src": Step(0),
}


def scratch(name: str, base: Path) -> Path:
    """The reader's repository a step runs in, built once per walkthrough."""
    where = base / name
    if where.exists():
        return where
    if name == "agent-repo":
        shutil.copytree(ROOT / "sample_repos" / "agent-profile-repo", where)
        (where / "expected.yaml").unlink(missing_ok=True)
        git_init(where)
    elif name == "legacy-repo":
        shutil.copytree(ROOT / "sample_repos" / "legacy-service", where)
        (where / "expected.yaml").unlink(missing_ok=True)
        git_init(where)
        # a second commit, so that HEAD~1 exists
        (where / "NOTES.md").write_text("# Notes\n", encoding="utf-8")
        git(where, "add", "-A")
        git(where, "commit", "-qm", "notes")
    elif name == "custom-policies":
        text = (ROOT / "docs" / "custom-policies.md").read_text(encoding="utf-8")
        for m in TITLED.finditer(text):
            target = where / m["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(m["body"], encoding="utf-8")
    else:
        raise SystemExit(f"walkthrough: no scratch repository named {name!r}")
    return where


def git(where: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=new user", "-c", "user.email=new@example.invalid", *args],
        cwd=where,
        check=True,
        env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull},
    )


def git_init(where: Path) -> None:
    git(where, "init", "-q", "-b", "main")
    git(where, "add", "-A")
    git(where, "commit", "-qm", "initial")


def check_coverage(commands: list[DocCommand]) -> list[str]:
    problems = []
    seen = {key(c.command) for c in commands}
    for c in commands:
        if key(c.command) not in STEPS:
            problems.append(
                f"{c.page}:{c.line}: `{c.command}` has no step in {Path(__file__).name}"
            )
    for k in STEPS:
        if k not in seen:
            problems.append(f"step `{k}` is on no page any more: remove it from STEPS")
    return problems


def fresh_venv(where: Path) -> dict[str, str]:
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    keep = {k: v for k, v in os.environ.items() if k.startswith(("PIP_", "LANG", "LC_"))}
    keep.update(
        PATH=f"{where / 'bin'}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
        HOME=os.environ.get("HOME", str(where)),
        VIRTUAL_ENV=str(where),
        NO_COLOR="1",
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    for name in ("TMPDIR", "PIP_CONFIG_FILE", "XDG_CONFIG_HOME", "PIP_FIND_LINKS"):
        if name in os.environ:
            keep[name] = os.environ[name]
    return keep


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--list", action="store_true", help="check that every command has a step")
    ap.add_argument(
        "--quick-tests",
        metavar="PATHS",
        help="run the test command with PYTEST_ADDOPTS=PATHS (CI has just run the whole suite)",
    )
    args = ap.parse_args(argv)
    commands = doc_commands()
    problems = check_coverage(commands)
    if args.list or problems:
        for c in commands:
            print(f"{c.page}:{c.line}: {c.command}")
        for p in problems:
            print(f"walkthrough: {p}", file=sys.stderr)
        return 1 if problems else 0

    failures = 0
    with tempfile.TemporaryDirectory(prefix="charter-new-user-") as tmp:
        base = Path(tmp)
        env = fresh_venv(base / "venv")
        done: set[str] = set()
        for c in commands:
            k = key(c.command)
            if k in done:  # the same command on two pages runs once
                continue
            done.add(k)
            step = STEPS[k]
            cwd = ROOT if step.cwd == "." else scratch(step.cwd, base)
            run_env = {**env, **step.env}
            if args.quick_tests and re.search(r"(^|&& )pytest\b", k):
                run_env["PYTEST_ADDOPTS"] = args.quick_tests
            t0 = time.monotonic()
            proc = subprocess.run(
                ["bash", "-c", c.command],
                cwd=cwd,
                env=run_env,
                text=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            took = time.monotonic() - t0
            ok = proc.returncode == step.expect
            missing = []
            if step.check_output_tail:
                want = [w.rstrip() for w in c.output if w.strip()][-step.check_output_tail :]
                got = {g.rstrip() for g in proc.stdout.splitlines()}
                missing = [w for w in want if w not in got]
            mark = "ok  " if ok and not missing else "FAIL"
            where = "checkout" if step.cwd == "." else step.cwd
            print(
                f"{mark} {c.page}:{c.line} [{where}] exit {proc.returncode} "
                f"(expected {step.expect}, {took:.1f} s): {c.command}"
            )
            if not ok or missing:
                failures += 1
                for m in missing:
                    print(f"     the page shows `{m}`; the command did not print it")
                print("     " + "\n     ".join(proc.stdout.splitlines()[-25:]))
    print(f"walkthrough: {len(done)} command(s), {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
