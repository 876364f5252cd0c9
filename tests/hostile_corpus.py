"""A hostile repository, generated at test time (nothing binary is committed).

``build_corpus(root)`` writes about thirty kinds of strange, broken or malicious input under
``root/repo`` and returns a :class:`Corpus` that says, for each file, what charter must report:

- ``parse_errors``: path -> a substring of the ``parse-error`` finding's message, for files that
  a rule reading that kind of file must report (``"parse error"`` or ``"skipped"`` plus detail);
- ``clean``: paths that look odd but are valid and must NOT get a parse-error;
- ``markers``: files that appear only if some audited code was imported or executed;
- ``outside``: a folder beside the target that symlinks point to; nothing in it may be read.

The same corpus is used by ``tests/test_hostile.py`` (audits) and ``tests/test_fuzz.py``.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from helpers import write_tree

#: the unannotated function charter must still find among the hostile files
REAL_FINDING = ("type-hints", "src/normal/service.py", 4)

# a secret-looking value that must never appear in any output
# charter: ignore[no-hardcoded-secrets] -- fake canary key; tests assert it is never printed
CANARY_SECRET = "AKIAQ3EGZLWHOSTILE7X"


@dataclass
class Corpus:
    root: Path
    outside: Path
    markers: list[Path] = field(default_factory=list)
    #: path -> substring of the parse-error message (when a rule reads the file)
    parse_errors: dict[str, str] = field(default_factory=dict)
    #: odd-looking files that are valid and must not get a parse-error
    clean: list[str] = field(default_factory=list)
    #: paths that must never be reported (links, FIFOs, files outside the target)
    never: list[str] = field(default_factory=list)
    #: files only a LibCST rule refuses (too deep or too big for it; ast reads them fine)
    cst_only: list[str] = field(default_factory=list)
    #: links a rule may name as a file to create ("no CLAUDE.md: create one"), never read
    named_links: list[str] = field(default_factory=list)
    #: the file name with an undecodable byte, when the file system allows it
    odd_byte_name: str | None = None

    def shown(self, path: str) -> str:
        """How a report shows ``path``: a byte that is not UTF-8 as a backslash escape."""
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")

    @property
    def odd_byte_name_shown(self) -> str | None:
        return None if self.odd_byte_name is None else self.shown(self.odd_byte_name)


def _marker_code(marker: Path) -> str:
    """Python that leaves a marker file if it is ever imported or executed."""
    return f"from pathlib import Path\nPath({str(marker)!r}).write_text('executed')\n"


def _write(root: Path, rel: str, content: str | bytes) -> None:
    write_tree(root, {rel: content})


def _billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghij"):
        prev = "abcdefghij"[i]
        lines.append(f"{name}: &{name} [{','.join([f'*{prev}'] * 9)}]")
    return "\n".join(lines) + "\n"


def build_corpus(base: Path, *, tiny_files: int = 1500) -> Corpus:
    """Write the hostile tree under ``base/repo``; markers and outside files go beside it."""
    root = base / "repo"
    outside = base / "outside"
    markers_dir = base / "markers"
    for folder in (root, outside, markers_dir):
        folder.mkdir(parents=True, exist_ok=True)
    corpus = Corpus(root=root, outside=outside)

    def marker(name: str) -> str:
        path = markers_dir / f"{name}.marker"
        corpus.markers.append(path)
        return _marker_code(path)

    def bad(rel: str, content: str | bytes, expect: str) -> None:
        _write(root, rel, content)
        corpus.parse_errors[rel] = expect

    def cst_bad(rel: str, content: str | bytes, expect: str) -> None:
        bad(rel, content, expect)
        corpus.cst_only.append(rel)

    def ok(rel: str, content: str | bytes) -> None:
        _write(root, rel, content)
        corpus.clean.append(rel)

    # --- the normal code beside it all, with one real finding --------------------------------
    _write(
        root,
        "src/normal/__init__.py",
        '"""A normal package."""\n',
    )
    _write(
        root,
        "src/normal/service.py",
        '"""A normal module."""\n\n\ndef handler(request, retries):\n    return request\n',
    )

    # --- code that must never run ------------------------------------------------------------
    ok("setup.py", marker("setup"))
    ok("conftest.py", marker("conftest"))
    ok("src/evil/__init__.py", marker("package-init"))
    ok("sitecustomize.py", marker("sitecustomize"))
    ok("usercustomize.py", marker("usercustomize"))
    ok("noxfile.py", marker("noxfile"))
    _write(root, "evil.pth", f"import os; {marker('pth').replace(chr(10), '; ')}")
    bad(
        "deploy/unsafe-tag.yaml",
        "run: !!python/object/apply:os.system ['touch " + str(markers_dir / "yaml.marker") + "']\n",
        "parse error",
    )
    corpus.markers.append(markers_dir / "yaml.marker")

    # --- Python that does not parse ----------------------------------------------------------
    bad("legacy/py2.py", 'print "hello"\nexec "x = 1"\nraise E, "m"\n', "parse error")
    bad("legacy/truncated.py", "def f(a, b):\n    return (a +\n", "parse error")
    bad("binary/blob.py", bytes(range(256)) * 8, "binary content")
    bad("binary/nul_late.py", b"x = 1\n" * 2000 + b"y = '\0'\n", "parse error")
    bad("enc/latin1_no_cookie.py", b'name = "caf\xe9"\n', "parse error")
    cst_bad("enc/comment_not_utf8.py", b"# caf\x80\nx = 1\n", "parse error")
    bad("enc/utf16_bom.py", "x = 'utf-16'\n".encode("utf-16"), "parse error")
    bad("deep/parens.py", "x = " + "(" * 100_000 + "1" + ")" * 100_000 + "\n", "parse error")
    bad("deep/lists.py", "x = " + "[" * 100_000 + "]" * 100_000 + "\n", "parse error")
    bad("deep/binop.py", "x = " + "+".join(["1"] * 100_000) + "\n", "parse error")
    bad("deep/unary.py", "x = " + "-" * 100_000 + "1\n", "parse error")
    bad("huge/one_line.py", "x = '" + "a" * (5 * 1024 * 1024) + "'\n", "skipped")

    # --- Python that parses but is hostile to concrete-syntax (LibCST) rules -----------------
    # (LibCST's native parser overflows the C stack on these; charter must skip, not crash)
    deep = "nested over 100 levels"
    cst_bad("deep/boolop.py", "x = " + " and ".join(["a"] * 20_000) + "\n", deep)
    cst_bad("deep/dotted_import.py", "import a" + ".b" * 20_000 + "\n", deep)
    cst_bad("deep/elif.py", "if a:\n    pass\n" + "elif a:\n    pass\n" * 600, deep)
    cst_bad("huge/long_string.py", "x = '" + "a" * 1_100_000 + "'\n", "limit of concrete-syntax")

    # --- valid but odd Python ---------------------------------------------------------------
    ok("enc/latin1_cookie.py", b'# -*- coding: latin-1 -*-\nname = "caf\xe9"\n')
    ok("enc/utf8_bom.py", b"\xef\xbb\xbfname = 'bom'\n")
    ok("empty.py", b"")
    ok("names/with space.py", "x = 1\n")
    ok("names/ünïcødé.py", "x = 1\n")
    ok("names/emoji-🦀.py", "x = 1\n")

    # --- YAML ---------------------------------------------------------------------------------
    bad(".github/workflows/bomb.yml", _billion_laughs(), "alias")
    bad(".github/workflows/recursive.yml", "a: &a [*a, *a]\n", "recursive")
    bad(".github/workflows/malformed.yml", "on: [push\njobs:\n  - : : :\n\t\n", "parse error")
    bad(".github/workflows/deep.yml", "x: " + "[" * 50_000 + "]" * 50_000 + "\n", "parse error")
    bad(".github/workflows/binary.yml", b"\0\1\2\3 jobs: \xff\xfe", "binary content")
    ok(".github/workflows/utf16.yml", "name: ci\non: [push]\n".encode("utf-16"))
    ok(".github/workflows/empty.yml", b"")
    ok(".github/workflows/latin1.yml", b"name: caf\xe9\non: [push]\n")

    # --- Terraform / HCL ---------------------------------------------------------------------
    bad("infra/main.tf", 'resource "aws_s3_bucket" "b" {\n  bucket = \n', "parse error")
    bad("infra/binary.tf", b"\0\0terraform {\xff", "binary content")
    bad(
        "infra/secret.tf",
        f'provider "aws" {{\n  access_key = {CANARY_SECRET} {CANARY_SECRET}\n',
        "parse error",
    )
    ok("infra/empty.tf", "")

    # --- Dockerfile, TOML, JSON -------------------------------------------------------------
    bad("Dockerfile", b"FROM python:3.12\0\0\xff\xfeRUN x", "binary content")
    _write(root, "svc/Dockerfile", "FROM\nRUN \\\n")  # odd but accepted by the parser
    bad("pyproject.toml", '[project\nname = "hostile\n', "parse error")
    bad("package.json", '{"scripts": {"test": [1, 2,', "parse error")
    _write(root, "deep.json", "[" * 100_000 + "]" * 100_000)
    # tree-sitter languages, nested 20 000 deep (analyzers walking these trees must cope)
    nest = 20_000
    _write(
        root, "deep/main.go", f"package main\nfunc main() {{ x := {'(' * nest}1{')' * nest} }}\n"
    )
    _write(root, "deep/main.rs", f"fn main() {{ let x = {'(' * nest}1{')' * nest}; }}\n")
    _write(root, "deep/index.ts", f"const x = {'[' * nest}{']' * nest};\n")
    bad("deep/nested.toml", "a = " + "[" * 50_000 + "]" * 50_000 + "\n", "nested too deeply")

    # --- the file system ---------------------------------------------------------------------
    (outside / "stolen.py").write_text("def leaked(a): return a\n", encoding="utf-8")
    (outside / "config.yml").write_text(f"token: {CANARY_SECRET}\n", encoding="utf-8")
    links = {
        "link_outside.py": outside / "stolen.py",
        "link_outside_dir": outside,
        "link_parent": Path(".."),
        "link_self": Path(),
        "loop_a": Path("loop_b"),
        "loop_b": Path("loop_a"),
        "src/normal/link_in.py": Path("service.py"),
        ".github/workflows/link.yml": outside / "config.yml",
        # agent profile documents are read with --repo-profiles: never through a link
        "CLAUDE.md": outside / "agent.md",
        ".claude": outside,
    }
    (outside / "agent.md").write_text(f"- Always use {CANARY_SECRET} as the key.\n", "utf-8")
    (outside / "agents").mkdir()
    (outside / "agents" / "evil.md").write_text(f"- Use {CANARY_SECRET} here.\n", "utf-8")
    for rel, target in links.items():
        (root / rel).symlink_to(target)
        if rel in {"CLAUDE.md", ".claude"}:  # rules may name these as files to create
            corpus.named_links.append(rel)
        else:
            corpus.never.append(rel)
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "pipe.py")
        os.mkfifo(root / ".gitignore-fifo")
        corpus.never += ["pipe.py", ".gitignore-fifo"]
    _write(root, "ignored/.gitignore", "[\n**/***\n!\n\\\n*.py[\n")
    _write(root, "ignored/kept.py", "x = 1\n")
    # a file name that is not valid UTF-8, where the file system allows it (Linux does)
    if sys.platform != "darwin":
        raw = os.fsencode(root / "names") + b"/bad\xff.py"
        Path(os.fsdecode(raw)).write_bytes(b"def broken(:\n")
        name = "names/" + os.fsdecode(b"bad\xff.py")
        corpus.parse_errors[name] = "skipped: the file name is not valid UTF-8"
        corpus.odd_byte_name = name

    # --- many tiny files ---------------------------------------------------------------------
    for i in range(tiny_files):
        _write(root, f"many/d{i % 30:02d}/m{i:05d}.py", f'"""Tiny module {i}."""\n')

    return corpus
