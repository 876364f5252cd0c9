"""Write the benchmark's profiles to a folder, from local git mirrors of their repositories.

    python benchmarks/profile_import/materialise.py --mirrors /work/.mirror --out /tmp/profiles

Each profile of ``manifest.yaml`` is read with ``git --git-dir=<mirror> show <commit>:<path>``
(nothing is checked out: no hook, filter or attribute of the fetched repository runs) and written
to ``<out>/<id>.md``. A mirror is ``<mirrors>/<owner>+<name>/repo`` (the layout the fetch tool
gives) or ``<mirrors>/<owner>+<name>.git``; clone one with
``git clone --mirror https://github.com/<owner>/<name> <mirrors>/<owner>+<name>.git``.
The fetched files are never committed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


def manifest() -> list[dict[str, str]]:
    data = yaml.safe_load((HERE / "manifest.yaml").read_text(encoding="utf-8"))
    return list(data["profiles"])


def git_dir(mirrors: Path, repo: str) -> Path | None:
    stem = repo.replace("/", "+")
    for candidate in (mirrors / stem / "repo", mirrors / f"{stem}.git"):
        if candidate.is_dir():
            return candidate
    return None


def materialise(mirrors: Path, out: Path) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    missing = []
    for entry in manifest():
        gdir = git_dir(mirrors, entry["repo"])
        if gdir is None:
            missing.append(f"{entry['id']}: no mirror of {entry['repo']} under {mirrors}")
            continue
        env = {
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "PATH": "/usr/bin:/bin",
        }
        result = subprocess.run(
            ["git", "--git-dir", str(gdir), "show", f"{entry['commit']}:{entry['path']}"],
            capture_output=True,
            env=env,
            check=False,
        )
        if result.returncode != 0:
            missing.append(f"{entry['id']}: {result.stderr.decode(errors='replace').strip()}")
            continue
        (out / f"{entry['id']}.md").write_bytes(result.stdout)
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    missing = materialise(args.mirrors, args.out)
    for line in missing:
        print(line, file=sys.stderr)
    print(f"{len(manifest()) - len(missing)} profile(s) written to {args.out}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
