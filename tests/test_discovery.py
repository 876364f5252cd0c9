"""Which files an audit sees: ignore rules, skipped folders, dotfiles, links."""

from __future__ import annotations

import subprocess
from pathlib import Path

from helpers import write_tree

from charter.discovery import discover


def test_gitignore_is_honoured_outside_git(tmp_path: Path):
    write_tree(
        tmp_path,
        {
            ".gitignore": "*.log\nsecret/\n!keep.log\n",
            "app.py": "",
            "debug.log": "",
            "keep.log": "",
            "secret/x.py": "",
            "pkg/.gitignore": "generated_*.py\n",
            "pkg/generated_a.py": "",
            "pkg/real.py": "",
            ".env": "A=1\n",
        },
    )
    assert discover(tmp_path) == [
        ".env",
        ".gitignore",
        "app.py",
        "keep.log",
        "pkg/.gitignore",
        "pkg/real.py",
    ]


def test_git_repo_uses_git_ls_files(tmp_path: Path):
    write_tree(
        tmp_path,
        {".gitignore": "ignored.py\n", "tracked.py": "", "ignored.py": "", "new.py": ""},
    )
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", ".gitignore", "tracked.py"], cwd=tmp_path, check=True)
    (tmp_path / "gone.py").write_text("")
    subprocess.run(["git", "add", "gone.py"], cwd=tmp_path, check=True)
    (tmp_path / "gone.py").unlink()  # tracked but deleted from the work tree
    assert discover(tmp_path) == [".gitignore", "new.py", "tracked.py"]


def test_vendor_folders_and_virtualenvs_are_skipped(tmp_path: Path):
    write_tree(
        tmp_path,
        {
            "node_modules/lib/index.js": "",
            ".venv/lib/x.py": "",
            "myenv/pyvenv.cfg": "home = /usr\n",
            "myenv/lib/site.py": "",
            "build/lib/x.py": "",
            "pkg.egg-info/PKG-INFO": "",
            "__pycache__/x.pyc": "",
            "src/app.py": "",
        },
    )
    assert discover(tmp_path) == ["src/app.py"]


def test_links_are_never_followed(tmp_path: Path):
    outside = write_tree(tmp_path / "outside", {"secret.py": "", "dir/x.py": ""})
    root = write_tree(tmp_path / "repo", {"app.py": "", "inner/real.py": ""})
    (root / "link.py").symlink_to(outside / "secret.py")
    (root / "linkdir").symlink_to(outside / "dir")
    (root / "loop").symlink_to(root / "inner")
    assert discover(root) == ["app.py", "inner/real.py"]


def test_exclude_patterns(tmp_path: Path):
    write_tree(tmp_path, {"a/x.py": "", "b/y.py": "", "c.py": ""})
    assert discover(tmp_path, exclude=["a/", "c.py"]) == ["b/y.py"]


def test_a_folder_its_enclosing_repo_ignores_is_still_audited(tmp_path: Path):
    write_tree(tmp_path, {".gitignore": "vendored/\n", "app.py": "", "vendored/lib/x.py": ""})
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    assert discover(tmp_path / "vendored") == ["lib/x.py"]
    assert discover(tmp_path) == [".gitignore", "app.py"]


def test_a_tracked_folder_replaced_by_a_link_is_read_only_inside_the_target(tmp_path: Path):
    """git still lists the files of a tracked folder that became a link; discovery reads what
    the link points to only when that lies inside the target."""
    outside = write_tree(tmp_path / "outside", {"pkg/a.py": "", "deep/x/y/b.py": ""})
    root = write_tree(
        tmp_path / "repo",
        {"app.py": "", "pkg/a.py": "", "deep/x/y/b.py": "", "real/c.py": "", "alias/c.py": ""},
    )
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "."], cwd=root, check=True)
    for name, target in (("pkg", outside / "pkg"), ("deep", outside / "deep"),
                         ("alias", root / "real")):
        for path in sorted((root / name).rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        (root / name).rmdir()
        (root / name).symlink_to(target)
    # pkg/ and deep/ lead outside: never read; alias/ leads inside the target: read
    assert discover(root) == ["alias/c.py", "app.py", "real/c.py"]
