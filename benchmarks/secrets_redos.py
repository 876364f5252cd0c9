"""Time the secret scan (``no-hardcoded-secrets``) on adversarial inputs, one file at a time.

Each input (``'key' * 600000``, ``'eyJ' * 200000``, ...) is written under several file names
(Python, YAML, JSON, .env, ...) so that every reader and hint regex sees it, and scanned in a
child process that is killed past ``--timeout`` seconds (a regex in the C engine cannot be
interrupted from Python). Prints one row per input: the slowest file kind and its time.

    python benchmarks/secrets_redos.py [--timeout 60] [--kinds py,yaml,...]

With ``--stream``, also times the streaming pass that scans files skipped for size or time
(``SecretsAnalyzer.check_unread``, :mod:`charter.analyzers.secrets.stream`) on each input.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path


def _keys(n: int) -> list[str]:
    """``n`` distinct AWS access key ids of random-looking letters (fake, never issued)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    state = 12345
    out = []
    for _ in range(n):
        chars = []
        for _ in range(16):
            state = (state * 1103515245 + 12345) % 2**31
            chars.append(alphabet[state >> 26])
        out.append("AKIA" + "".join(chars))
    return out


INPUTS: dict[str, str] = {
    "'key' * 600000": "key" * 600_000,
    "'eyJ' * 200000": "eyJ" * 200_000,
    "'sk-' * 200000": "sk-" * 200_000,
    "'AKIA' * 150000": "AKIA" * 150_000,
    "'password=' * 100000": "password=" * 100_000,
    "1 MB line of 'a'": "a" * 1_000_000,
    "1 MB line of '='": "=" * 1_000_000,
    # beyond the list: the rest of each rewritten pattern's worst case
    "'sk-' * 200000 + 'T3BlbkFJ'": "sk-" * 200_000 + "T3BlbkFJ",
    "'jdbc:a:' * 150000": "jdbc:a:" * 150_000,
    "a JSON string of 300000 escaped quotes": '{"k": "' + '\\"' * 300_000,
    "'a' + 1 MB of blanks + 'b'": "a" + " " * 1_000_000 + "b",
    "'${' * 300000 under a secret name": "password = '" + "${" * 300_000 + "'",
    "80 000 distinct AKIA keys": "\n".join(_keys(80_000)),
}
KINDS = ("py", "yaml", "json", "env", "toml", "ini", "properties", "ts", "go", "sh", "txt")


def _scan(path: str, stream: bool) -> float:
    from charter.analyzers.base import Emitter, NoParams
    from charter.analyzers.secrets import SecretsAnalyzer
    from charter.sources import SourceFile

    root = Path(path).parent
    analyzer = SecretsAnalyzer(NoParams())
    file = SourceFile(root, Path(path).name)
    started = time.perf_counter()
    if stream:
        analyzer.check_unread(file, Emitter(path=file.path), None)
    else:
        analyzer.check_file(file, Emitter(path=file.path))
    return time.perf_counter() - started


def _child(path: str, stream: bool, queue: multiprocessing.Queue[float]) -> None:
    queue.put(_scan(path, stream))


def timed(path: Path, timeout: float, stream: bool = False) -> float | None:
    """Seconds the scan of ``path`` took, or None past ``timeout``."""
    queue: multiprocessing.Queue[float] = multiprocessing.Queue()
    child = multiprocessing.Process(target=_child, args=(str(path), stream, queue))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.kill()
        child.join()
        return None
    return queue.get() if not queue.empty() else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--stream", action="store_true", help="also time the streaming pass")
    args = parser.parse_args()
    kinds = [k for k in args.kinds.split(",") if k]
    print(f"| input | slowest kind | seconds (timeout {args.timeout:g} s) |")
    print("|---|---|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for label, text in INPUTS.items():
            worst: tuple[str, float | None] = ("", 0.0)
            for kind in kinds:
                path = Path(tmp) / f"input.{kind}"
                path.write_text(text)
                took = timed(path, args.timeout)
                if took is None or (worst[1] is not None and took > worst[1]):
                    worst = (kind, took)
                if took is None:
                    break
            shown = f"> {args.timeout:g}" if worst[1] is None else f"{worst[1]:.2f}"
            print(f"| {label} | {worst[0]} | {shown} |", flush=True)
            if args.stream:
                path = Path(tmp) / "input.txt"
                path.write_text(text)
                took = timed(path, args.timeout, stream=True)
                shown = f"> {args.timeout:g}" if took is None else f"{took:.2f}"
                print(f"| {label} (streaming pass) | any | {shown} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
