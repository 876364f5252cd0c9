"""``charter fix --unsafe-fixes`` for ``pathlib-over-os-path`` and ``context-managers``: which
forms are rewritten and which are left alone, with the audit's ``[*]`` marks agreeing with what
the fix does (a marked finding is gone after it, an unmarked one is left as it was)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from charter.cli import main

PATHLIB = "pathlib-over-os-path"
WITH = "context-managers"


def _fix_and_marks(
    tmp_path: Path, rule: str, code: str, capsys: pytest.CaptureFixture[str]
) -> tuple[str, int, int]:
    """The file after ``charter fix --unsafe-fixes``, the findings the audit marked fixable,
    and the findings of the rule left after the fix."""
    (tmp_path / "app.py").write_text(code, encoding="utf-8")
    main(["audit", str(tmp_path), "--format", "json", "--no-cache", "--select", rule])
    before = json.loads(capsys.readouterr().out)["findings"]
    main(["fix", str(tmp_path), "--unsafe-fixes", "--select", rule])
    capsys.readouterr()
    after_text = (tmp_path / "app.py").read_text(encoding="utf-8")
    compile(after_text, "app.py", "exec")
    main(["audit", str(tmp_path), "--format", "json", "--no-cache", "--select", rule])
    after = json.loads(capsys.readouterr().out)["findings"]
    marked = sum(1 for f in before if f["fix"] == "unsafe")
    assert len(before) - len(after) == marked  # exactly the marked findings are gone
    # a second fix changes nothing: --check exits 0
    assert main(["fix", str(tmp_path), "--unsafe-fixes", "--check", "--select", rule]) == 0
    capsys.readouterr()
    return after_text, marked, len(after)


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        (
            "import os\n\nok = os.path.exists(p)\n",
            "import os\nfrom pathlib import Path\n\nok = Path(p).exists()\n",
        ),
        # a Path the module already imports is not imported twice; operands keep precedence
        (
            "import os\nfrom pathlib import Path\n\nf = open(os.path.join(d, a + b), 'rb')\n",
            "import os\nfrom pathlib import Path\n\nf = open(Path(d) / (a + b), 'rb')\n",
        ),
        (
            "from os.path import exists, join\n\nok = exists(join(d, 'x', y))\n",
            "from os.path import exists, join\nfrom pathlib import Path\n\n"
            "ok = (Path(d) / 'x' / y).exists()\n",
        ),
        # a joined str used as a str stays one
        ("import os\n\nname = os.path.join(d, 'x') + '.bak'\n", None),
        # another Path in the module, keyword or starred arguments, a comment inside the call
        ("import os\nfrom zipfile import Path\n\nok = os.path.exists(p)\n", None),
        ("import os\n\nok = os.path.exists(path=p)\n", None),
        ("import os\n\nf = open(os.path.join(*parts))\n", None),
        ("import os\n\nf = open(os.path.join(\n    d,  # the root\n    'x',\n))\n", None),
    ],
)
def test_pathlib_fix_forms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], code: str, fixed: str | None
):
    after, marked, _ = _fix_and_marks(tmp_path, PATHLIB, code, capsys)
    assert after == (fixed if fixed is not None else code)
    assert bool(marked) == (fixed is not None)


OPEN_CLOSE = """import json


def load(path: str) -> dict:
    # read it
    handle = open(path, "rb")  # binary
    data = json.load(handle)
    # done
    handle.close()  # closed
    return data
"""
OPEN_CLOSE_FIXED = """import json


def load(path: str) -> dict:
    # read it
    with open(path, "rb") as handle:  # binary
        data = json.load(handle)
        # done
        # closed
    return data
"""


def _wrap(body: str) -> str:
    return "def run(a: str, b: str, items: list) -> object:\n" + "".join(
        f"    {line}\n" if line else "\n" for line in body.splitlines()
    )


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        (OPEN_CLOSE, OPEN_CLOSE_FIXED),
        # nested pairs become nested with; the same name bound again after its close
        (
            _wrap("x = open(a)\ny = open(b, 'w')\ny.write(x.read())\ny.close()\nx.close()"),
            _wrap(
                "with open(a) as x:\n    with open(b, 'w') as y:\n        y.write(x.read())"
            ),
        ),
        (
            _wrap("f = open(a)\none = f.read()\nf.close()\nf = open(b)\ntwo = f.read()\n"
                  "f.close()\nreturn one + two"),
            _wrap("with open(a) as f:\n    one = f.read()\nwith open(b) as f:\n"
                  "    two = f.read()\nreturn one + two"),
        ),
        # a break of a loop inside the block stays in the block
        (
            _wrap("f = open(a)\nfor i in items:\n    if i:\n        break\nf.close()"),
            _wrap("with open(a) as f:\n    for i in items:\n        if i:\n            break"),
        ),
        # a return, yield or break out between, the file read after its close
        (_wrap("f = open(a)\nif b:\n    return f.read()\nf.close()\nreturn None"), None),
        (_wrap("for i in items:\n    f = open(i)\n    if b:\n        break\n    f.close()"), None),
        (_wrap("f = open(a)\ntext = f.read()\nf.close()\nreturn f.name + text"), None),
        # crossing pairs, a close in another block, nothing between, two statements on a line
        (_wrap("x = open(a)\ny = open(b)\nx.close()\ny.close()"), None),
        (_wrap("f = open(a)\ntext = f.read()\nif text:\n    f.close()"), None),
        (_wrap("f = open(a)\nf.close()"), None),
        (_wrap("f = open(a); text = f.read()\nf.close()"), None),
    ],
)
def test_context_managers_fix_forms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], code: str, fixed: str | None
):
    after, marked, _ = _fix_and_marks(tmp_path, WITH, code, capsys)
    assert after == (fixed if fixed is not None else code)
    assert bool(marked) == (fixed is not None)


def test_sarif_offers_the_with_block_as_one_patch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    (tmp_path / "app.py").write_text(OPEN_CLOSE, encoding="utf-8")
    main(["audit", str(tmp_path), "--format", "sarif", "--no-cache", "--select", WITH])
    results = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    (result,) = [r for r in results if r.get("fixes")]
    (change,) = result["fixes"][0]["artifactChanges"]
    (replacement,) = change["replacements"]
    assert replacement["deletedRegion"] == {"startLine": 6, "endLine": 9}
    assert replacement["insertedContent"]["text"] == "\n".join(
        OPEN_CLOSE_FIXED.splitlines()[5:9]
    )
    assert (tmp_path / "app.py").read_text(encoding="utf-8") == OPEN_CLOSE


def test_sarif_offers_no_patch_that_would_need_an_import_elsewhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    (tmp_path / "app.py").write_text("import os\n\nok = os.path.exists(p)\n", encoding="utf-8")
    main(["audit", str(tmp_path), "--format", "sarif", "--no-cache", "--select", PATHLIB])
    (result,) = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    assert result["properties"]["fix"] == "unsafe"  # marked, fixed by `charter fix`
    assert not result.get("fixes")  # but no patch: `Path(p)` alone would not run


def test_both_fixes_in_one_pass_on_one_statement(tmp_path: Path):
    code = (
        "import os\n\n\ndef read(d):\n"
        '    f = open(os.path.join(d, "x"))\n    data = f.read()\n    f.close()\n    return data\n'
    )
    (tmp_path / "app.py").write_text(code, encoding="utf-8")
    rules = f"{PATHLIB},{WITH}"
    assert main(["fix", str(tmp_path), "--unsafe-fixes", "--select", rules]) == 0
    assert (tmp_path / "app.py").read_text(encoding="utf-8") == (
        "import os\nfrom pathlib import Path\n\n\ndef read(d):\n"
        '    with open(Path(d) / "x") as f:\n        data = f.read()\n    return data\n'
    )
