# charter: ignore-file[no-hardcoded-secrets] -- a fake key planted on purpose
"""Discovery on a hostile tree: ignore rules cannot hide what git tracks or the whole folder,
and the report says how many files git tracks next to how many were audited."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import write_tree
from test_hostile_git import git

from charter.cli import main

AWS_KEY = "AKIAQYLPMN5HHHFPZAM2"


def audit_json(root: Path, tmp_path: Path, *extra: str) -> tuple[int, dict]:
    out = tmp_path / "report.json"
    code = main(
        ["audit", str(root), "--no-cache", "--format", "json", "--output", str(out), *extra]
    )
    return code, json.loads(out.read_text(encoding="utf-8"))


def test_a_committed_ignore_all_hides_no_tracked_file(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {"s.py": f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n'})
    git(root, "init", "-q")
    git(root, "add", ".")
    (root / ".gitignore").write_text("*\n", encoding="utf-8")
    git(root, "add", "-f", ".gitignore")
    git(root, "commit", "-q", "-m", "hide")
    code, report = audit_json(root, tmp_path, "--no-repo-config")
    assert report["files_scanned"] == 2 and report["files_tracked"] == 2
    assert [f["path"] for f in report["findings"] if f["rule"] == "no-hardcoded-secrets"] == [
        "s.py"
    ]
    assert code == 1


def test_ignore_rules_that_hide_a_whole_plain_folder_hide_nothing(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "plain",
        {".gitignore": "*\n", "s.py": f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n'},
    )
    code, report = audit_json(root, tmp_path, "--no-repo-config")
    assert report["files_tracked"] is None
    assert report["files_scanned"] == 2
    assert any("ignore every file" in n["message"] for n in report["notes"])
    assert code == 1


def test_ordinary_ignores_still_apply_outside_git(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "plain",
        {".gitignore": "secret.env\n", "secret.env": "X=1\n", "app.py": "X = 1\n"},
    )
    _, report = audit_json(root, tmp_path, "--no-repo-config")
    assert report["files_scanned"] == 2  # .gitignore and app.py
    assert report["notes"] == []


def test_the_report_counts_tracked_and_audited_files(tmp_path: Path, capsys) -> None:
    root = write_tree(
        tmp_path / "repo",
        {
            "app.py": "X = 1\n",
            "build/gen.py": "Y = 2\n",
            "node_modules/lib/index.js": "var a = 1;\n",
            "new.py": "Z = 3\n",
        },
    )
    git(root, "init", "-q")
    git(root, "add", "-f", "app.py", "build/gen.py", "node_modules/lib/index.js")
    git(root, "commit", "-q", "-m", "one")
    (root / "dist").mkdir()
    (root / "dist" / "bundle.py").write_text("W = 4\n", encoding="utf-8")
    code, report = audit_json(root, tmp_path, "--no-repo-config", "--fail-on", "none")
    assert code == 0
    # a tracked build/ folder is source someone committed; an untracked dist/ is build output;
    # new.py is untracked but not ignored, so it is audited; node_modules/ is said, not audited
    assert report["files_scanned"] == 3 and report["files_tracked"] == 3
    assert [n["message"] for n in report["notes"]] == [
        "tracked files in dependency, cache or virtualenv folders were not audited "
        "(1 in node_modules/)"
    ]
    main(["audit", str(root), "--no-cache", "--no-repo-config", "--fail-on", "none"])
    header = capsys.readouterr().out.splitlines()[0]
    assert header.endswith("· 3 files (3 tracked by git)"), header


# --- the result cache holds no secret and only the user can read it ----------------------------

PLANTED = {
    "aws": "Zq8fakeTw92xQ4LmN0pR7sT1uV3wX5yZ9aB2cD4e",
    "terraform": "Tf-Secret-Qx7pL2mN9vB4",
    "compose": "Cmp-Secret-Zx81Kq55",
    "line": "Line-Secret-Pq73Lm08",
}


def test_the_cache_stores_no_secret_value(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "repo",
        {
            "app/settings.py": f'AWS_SECRET_ACCESS_KEY = "{PLANTED["aws"]}"\n',
            "app/client.py": (
                "import requests\n\n\ndef fetch(url: str) -> bytes:\n"
                f'    return requests.get(url, auth=("u", "{PLANTED["line"]}")).content\n'
            ),
            "infra/main.tf": (
                'resource "aws_db_instance" "db" {\n'
                '  engine   = "postgres"\n'
                f'  password = "{PLANTED["terraform"]}"\n'
                "}\n"
            ),
            "compose.yml": (
                "services:\n  api:\n    image: shop:1\n    environment:\n"
                f'      DB_PASSWORD: "{PLANTED["compose"]}"\n'
            ),
        },
    )
    cache = tmp_path / "cache"
    args = ["audit", str(root), "--cache-dir", str(cache), "--fail-on", "none", "--format", "json"]
    assert main([*args, "--output", str(tmp_path / "cold.json")]) == 0
    assert main([*args, "--output", str(tmp_path / "warm.json")]) == 0  # from the cache
    stored = [p for p in cache.rglob("*") if p.is_file()]
    assert any(p.suffix == ".jsonl" for p in stored)
    for path in stored:
        data = path.read_bytes()
        for kind, value in PLANTED.items():
            assert value.encode() not in data, f"{kind} secret in {path.name}"
        assert path.stat().st_mode & 0o077 == 0, path.name
    assert cache.stat().st_mode & 0o077 == 0
    cold = json.loads((tmp_path / "cold.json").read_text(encoding="utf-8"))
    warm = json.loads((tmp_path / "warm.json").read_text(encoding="utf-8"))
    assert cold["findings"] == warm["findings"]
    assert {"app/settings.py", "app/client.py"} <= {f["path"] for f in cold["findings"]}
