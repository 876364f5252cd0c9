"""``charter fix`` (issue 18): what the user sees — the fixed file, the diff, exit codes, unsafe
fixes only with the flag, files left alone when a fix would break them, idempotence, and never a
file outside the target."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import ClassVar

import libcst
import pytest

from charter import fixes
from charter.cli import main
from charter.fixes import fix_source
from charter.fixes.base import Applicability, Fixer
from charter.fixes.type_hints import TypeHintsFixer

SAFE_ONLY = """class Cart:
    def __init__(self, owner: str):
        self.owner = owner


def total(n: int):
    return n * 2
"""
SAFE_FIXED = SAFE_ONLY.replace("owner: str):", "owner: str) -> None:")

WITH_UNSAFE = """@app.get("/ping")
def ping():
    log("ping")


def reset(cache: dict):
    cache.clear()
"""


def _fix(*args: str) -> int:
    return main(["fix", *args])


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(SAFE_ONLY, encoding="utf-8")
    return tmp_path


def test_fix_writes_the_safe_fix_and_exits_1_while_findings_remain(
    repo: Path, capsys: pytest.CaptureFixture[str]
):
    assert _fix(str(repo)) == 1  # `total` still lacks its return type: no fix infers `int`
    assert (repo / "app.py").read_text(encoding="utf-8") == SAFE_FIXED
    out = capsys.readouterr().out
    assert out == "charter: applied 1 fix(es) in 1 file: 1 finding(s) fixed, 1 remain\n"


def test_a_fix_that_leaves_its_finding_standing_is_not_counted_as_fixed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    source = "class Store:\n    def __init__(self, path):\n        self.path = path\n"
    (tmp_path / "app.py").write_text(source)
    assert _fix(str(tmp_path)) == 1  # `path` still has no annotation
    assert "def __init__(self, path) -> None:" in (tmp_path / "app.py").read_text()
    assert capsys.readouterr().out == (
        "charter: applied 1 fix(es) in 1 file: 0 finding(s) fixed, 1 remain\n"
    )


def test_fix_exits_0_when_every_finding_is_fixed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    (tmp_path / "app.py").write_text('def f(x: int):\n    print("{}".format(x))\n')
    assert _fix(str(tmp_path)) == 0
    assert (tmp_path / "app.py").read_text() == 'def f(x: int) -> None:\n    print(f"{x}")\n'
    out = capsys.readouterr().out
    assert out == "charter: applied 2 fix(es) in 1 file: 2 finding(s) fixed, 0 remain\n"


def test_diff_prints_a_unified_diff_and_writes_nothing(
    repo: Path, capsys: pytest.CaptureFixture[str]
):
    assert _fix(str(repo), "--diff") == 1
    captured = capsys.readouterr()
    assert captured.out == (
        "--- app.py\n"
        "+++ app.py\n"
        "@@ -1,5 +1,5 @@\n"
        " class Cart:\n"
        "-    def __init__(self, owner: str):\n"
        "+    def __init__(self, owner: str) -> None:\n"
        "         self.owner = owner\n"
        " \n"
        " \n"
    )
    assert captured.err == "charter: would fix 1 finding(s) in 1 file\n"
    assert (repo / "app.py").read_text(encoding="utf-8") == SAFE_ONLY


def test_check_lists_the_files_and_exits_0_when_nothing_would_change(
    repo: Path, capsys: pytest.CaptureFixture[str]
):
    assert _fix(str(repo), "--check") == 1
    assert capsys.readouterr().out.splitlines()[0] == "would fix app.py"
    assert (repo / "app.py").read_text(encoding="utf-8") == SAFE_ONLY
    assert _fix(str(repo)) == 1
    capsys.readouterr()
    assert _fix(str(repo), "--check") == 0  # idempotent: a second fix changes nothing
    assert capsys.readouterr().out == "charter: would fix 0 finding(s) in 0 files\n"


def test_unsafe_fixes_apply_only_with_the_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    (tmp_path / "app.py").write_text(WITH_UNSAFE, encoding="utf-8")
    assert _fix(str(tmp_path)) == 1
    text = (tmp_path / "app.py").read_text(encoding="utf-8")
    assert "def ping():" in text  # a route decorator may read the annotation: unsafe
    assert "def reset(cache: dict) -> None:" in text
    assert capsys.readouterr().out == (
        "charter: applied 1 fix(es) in 1 file: 1 finding(s) fixed, 1 remain "
        "(1 more fix(es) available with --unsafe-fixes)\n"
    )
    assert _fix(str(tmp_path), "--unsafe-fixes") == 0
    assert "def ping() -> None:" in (tmp_path / "app.py").read_text(encoding="utf-8")


def test_select_narrows_the_rules_that_fix(tmp_path: Path):
    (tmp_path / "app.py").write_text('def f(x: int):\n    print("{}".format(x))\n')
    assert _fix(str(tmp_path), "--select", "f-strings") == 0
    assert (tmp_path / "app.py").read_text() == 'def f(x: int):\n    print(f"{x}")\n'
    (tmp_path / "app.py").write_text('def f(x: int):\n    print("{}".format(x))\n')
    assert _fix(str(tmp_path), "--ignore", "f-strings") == 0  # ignored rules do not count
    assert (
        tmp_path / "app.py"
    ).read_text() == 'def f(x: int) -> None:\n    print("{}".format(x))\n'


def test_a_suppressed_finding_is_not_fixed(tmp_path: Path):
    text = "def f(x: int):  # charter: ignore[type-hints] -- legacy API\n    print(x)\n"
    (tmp_path / "app.py").write_text(text)
    _fix(str(tmp_path))
    assert (tmp_path / "app.py").read_text() == text


def test_fix_keeps_permissions_crlf_and_comments(tmp_path: Path):
    path = tmp_path / "tool.py"
    path.write_bytes(b"# head\r\ndef main(argv: list):  # entry\r\n    print(argv)\r\n")
    path.chmod(0o750)
    assert _fix(str(tmp_path)) == 0
    assert path.read_bytes() == (
        b"# head\r\ndef main(argv: list) -> None:  # entry\r\n    print(argv)\r\n"
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o750
    assert [p.name for p in tmp_path.iterdir()] == ["tool.py"]  # no temporary file left


class _Breaks(Fixer):
    """A fixer that writes code that does not compile."""

    analyzer: ClassVar[str] = "type-hints"

    def leave_FunctionDef(
        self, original_node: libcst.FunctionDef, updated_node: libcst.FunctionDef
    ) -> libcst.FunctionDef:
        if not self.allow(original_node, Applicability.SAFE, "break"):
            return updated_node
        return updated_node.with_changes(
            returns=libcst.Annotation(libcst.parse_expression("None"))
        ).with_changes(name=libcst.Name("return"))


def test_a_file_that_would_not_compile_is_left_alone_and_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    (tmp_path / "app.py").write_text(SAFE_ONLY, encoding="utf-8")
    monkeypatch.setitem(fixes.FIXERS, "type-hints", _Breaks)
    assert _fix(str(tmp_path)) == 1
    assert (tmp_path / "app.py").read_text(encoding="utf-8") == SAFE_ONLY
    captured = capsys.readouterr()
    assert captured.err.startswith(
        "charter: app.py: not fixed: the fixed file would not compile (line 2): "
    )
    assert captured.out.endswith("; 1 file(s) left alone (see above)\n")


def test_an_annotation_fix_that_changes_code_is_refused():
    class _Sneaky(TypeHintsFixer):
        def leave_Pass(self, original_node: libcst.Pass, updated_node: libcst.Pass):
            return libcst.Expr(libcst.Integer("1"))

    source = b"def f(x: int):\n    pass\n"
    result = fix_source("app.py", source, {"type-hints": (_Sneaky, frozenset({1}))}, False)
    assert result.problem == "not fixed: the fix changed more than annotations"
    assert not result.changed


def test_a_link_out_of_the_target_is_never_written(tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "lib.py").write_text(SAFE_ONLY, encoding="utf-8")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "lib.py").symlink_to(outside / "lib.py")
    (repo / "vendored").symlink_to(outside, target_is_directory=True)
    _fix(str(repo))
    assert (outside / "lib.py").read_text(encoding="utf-8") == SAFE_ONLY


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        # never on stubs, overloads, abstract methods, generators or placeholders
        ("def f(x: int): ...\n", None),
        ("def f(x: int):\n    yield x\n", None),
        ("def f(x: int):\n    raise NotImplementedError\n", None),
        ("@abstractmethod\ndef f(x: int):\n    pass\n", None),
        ("def f(x: int):\n    return x\n", None),
        # a value returned by a nested function or lambda is not the function's
        (
            "def f(x: int):\n    def g():\n        return 1\n    h = lambda: 2\n",
            "def f(x: int) -> None:\n    def g():\n        return 1\n    h = lambda: 2\n",
        ),
        ("def f(x: int):\n    return None\n", "def f(x: int) -> None:\n    return None\n"),
    ],
)
def test_none_return_fix_cases(code: str, fixed: str | None):
    source = code.encode()
    line = 2 if code.startswith("@") else 1
    result = fix_source("app.py", source, {"type-hints": (TypeHintsFixer, frozenset({line}))}, True)
    assert result.problem is None
    assert (result.after.decode() if result.changed else None) == fixed


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        ('"{:>{w}}".format(x, w=3)', None),  # nested field in the spec
        ('"{0.name}".format(x)', None),  # attribute in the field
        ('"{} {}".format(x)', None),  # too few arguments: an error at run time, kept
        ('"{}".format(x, y)', None),  # y would vanish
        ('b"{}".format(x)', None),
        ('"\\N{DASH} {}".format(x)', None),
        ('"{} {0}".format(x)', None),  # auto and manual numbering mixed
        ("'{}'.format(x)", "f'{x}'"),
        ('r"\\d{}".format(x)', 'fr"\\d{x}"'),
        ('"{x!r:>4}".format(x=a.b)', 'f"{a.b!r:>4}"'),
    ],
)
def test_format_fix_cases(code: str, fixed: str | None):
    source = f"s = {code}\n".encode()
    result = fix_source(
        "app.py", source, {"f-strings": (fixes.FStringsFixer, frozenset({1}))}, False
    )
    assert result.problem is None
    assert (result.after.decode() if result.changed else None) == (
        f"s = {fixed}\n" if fixed else None
    )


def test_fix_refuses_a_git_url(capsys: pytest.CaptureFixture[str]):
    assert _fix("https://example.com/repo.git") == 2
    assert "charter fix changes files on disk" in capsys.readouterr().err


def test_writes_are_atomic_renames(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "a.py"
    path.write_bytes(b"old\n")
    renamed: list[str] = []
    real = os.replace

    def spy(src: str, dst: str) -> None:
        renamed.append(Path(dst).name)
        real(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    fixes.write_atomic(path, b"new\n")
    assert path.read_bytes() == b"new\n"
    assert renamed == ["a.py"]


HTTP = (
    b"import requests\r\n"
    b"\r\n"
    b"\r\n"
    b"def pull(url: str) -> dict:\r\n"
    b"    insecure = requests.get(url, verify=False, timeout=5)  # partner cert\r\n"
    b"    return requests.get(url).json() | insecure.json()\r\n"
)


def test_unsafe_call_fixes_take_the_timeout_from_the_configuration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    path = tmp_path / "client.py"
    path.write_bytes(HTTP)
    path.chmod(0o751)
    (tmp_path / ".charter.yml").write_text(
        "rules:\n  http-timeouts:\n    params:\n      default_timeout: 3.5\n"
    )
    selected = ("--select", "http-timeouts,tls-verification")
    assert _fix(str(tmp_path), *selected) == 1  # both fixes are unsafe: nothing written
    assert path.read_bytes() == HTTP
    assert "2 more fix(es) available with --unsafe-fixes" in capsys.readouterr().out
    assert _fix(str(tmp_path), *selected, "--unsafe-fixes") == 0  # the re-audit finds nothing
    assert path.read_bytes() == HTTP.replace(b"verify=False, ", b"").replace(
        b"requests.get(url).json()", b"requests.get(url, timeout=3.5).json()"
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    compile(path.read_bytes(), "client.py", "exec")
    assert _fix(str(tmp_path), *selected, "--unsafe-fixes", "--check") == 0  # idempotent


def test_a_call_passing_star_args_gets_no_timeout(tmp_path: Path):
    text = (
        "from urllib.request import urlopen\n\n\n"
        "def pull(*a: str) -> bytes:\n    return urlopen(*a).read()\n"
    )
    (tmp_path / "app.py").write_text(text)
    assert _fix(str(tmp_path), "--select", "http-timeouts", "--unsafe-fixes") == 1
    assert (tmp_path / "app.py").read_text() == text
