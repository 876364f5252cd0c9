"""The HTML pages in headless Chromium (Debian's ``chromium`` package): each page loads with
no console message at all (no script error, no blocked resource, no policy violation), its
script runs (the sortable tables mark themselves ready), the key elements are in the rendered
DOM, and a screenshot of each page is kept as a test artifact in ``build/html-screenshots/``
(``CHARTER_ARTIFACTS`` to put them elsewhere).

Without chromium these tests fail with the command that installs it: a page nobody loaded
is not tested."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import ROOT, SAMPLES
from test_html_report import Page, fleet_dir

from charter import cli

BROWSER = shutil.which("chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
    # nothing may be fetched: any host name resolves nowhere
    "--host-resolver-rules=MAP * ~NOTFOUND",
]
CONSOLE = re.compile(r":CONSOLE[^\]]*\] (.*)")
ARTIFACTS = Path(os.environ.get("CHARTER_ARTIFACTS", ROOT / "build" / "html-screenshots"))


def chromium(page: Path, tmp_path: Path, *args: str) -> tuple[str, list[str]]:
    """(stdout, console messages) of headless Chromium on the page."""
    if BROWSER is None:
        pytest.fail(
            "chromium is not installed; install Debian's package with "
            "'apt-get install -y chromium' (the HTML reports are tested in it)",
            pytrace=False,
        )
    profile = tmp_path / "chromium-profile"
    proc = subprocess.run(
        [BROWSER, *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
        capture_output=True,
        timeout=120,
        check=False,
    )
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0, err[-2000:]
    return proc.stdout.decode("utf-8", "replace"), CONSOLE.findall(err)


def load(page: Path, tmp_path: Path, name: str) -> Page:
    """The rendered DOM of the page, after asserting a clean console; a screenshot is kept."""
    dom, console = chromium(page, tmp_path, "--dump-dom")
    assert console == [], console
    shot = tmp_path / f"{name}.png"
    _, console = chromium(page, tmp_path, "--window-size=1280,1400", f"--screenshot={shot}")
    assert console == [], console
    assert shot.stat().st_size > 10_000  # a page was drawn, not a blank
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, ARTIFACTS / f"{name}.png")
    return Page(dom)


def test_repository_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "repository.html"
    cli.main(["audit", str(SAMPLES / "legacy-service"), "-f", "html", "--no-cache", "-o", str(out)])
    capsys.readouterr()
    dom = load(out, tmp_path, "repository")
    assert len(dom.find("g", class_="bar")) >= 5
    assert dom.by_id("rule-type-hints")
    assert dom.find("pre", class_="snippet")


def test_fleet_page_sorts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "fleet.html"
    assert cli.main(["report", str(fleet_dir(tmp_path, capsys)), "--html", str(out)]) == 0
    capsys.readouterr()
    dom = load(out, tmp_path, "fleet")
    assert dom.by_id("fleet-scores")[1].get("data-sortable") == "ready"  # the script ran
    assert dom.by_id("fleet-rules")[1].get("data-sortable") == "ready"
    assert "legacy-service" in dom.by_id("fleet-scores")[2]

    # the page's own script sorts: a copy clicks the first profile's header button twice
    # (the copy drops the page's script policy so that the test's script may run)
    text = out.read_text(encoding="utf-8")
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text)
    probe = """<script>
    var t = document.getElementById("fleet-scores");
    var b = t.querySelector("thead th:nth-child(2) button"), body = document.body;
    function order() { return Array.prototype.map.call(t.tBodies[0].rows, function (r) {
      return r.cells[1].getAttribute("data-sort"); }).join(" "); }
    function state() { return order() + "|" + b.parentNode.getAttribute("aria-sort"); }
    b.click(); body.setAttribute("data-up", state());
    b.click(); body.setAttribute("data-down", state());
    </script></body>"""
    probe_page = tmp_path / "probe.html"
    probe_page.write_text(text.replace("</body>", probe), encoding="utf-8")
    dom_text, console = chromium(probe_page, tmp_path, "--dump-dom")
    assert console == [], console
    (body,) = Page(dom_text).find("body")
    up, up_sort = body[1]["data-up"].split("|")
    down, down_sort = body[1]["data-down"].split("|")
    scores = [float(v) for v in up.split()]
    assert scores == sorted(scores) and up_sort == "ascending"
    assert [float(v) for v in down.split()] == sorted(scores, reverse=True)
    assert down_sort == "descending"


def test_history_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from test_history import POLICIES, commit, git

    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    commit(root, {"app.py": "def total(a, b):\n    return a + b\n"}, 0, "start")
    commit(root, {"README.md": "# r\n"}, 9, "readme")
    commit(root, {"app.py": "def total(a: int, b: int) -> int:\n    return a + b\n"}, 16, "hints")
    commit(root, {"README.md": "# r!\n"}, 30, "docs")
    out = tmp_path / "history.html"
    code = cli.main(
        [
            "history",
            str(root),
            "--since",
            "6w",
            "--every",
            "1w",
            "-f",
            "html",
            "-o",
            str(out),
            *POLICIES,
        ]
    )
    assert code == 0, capsys.readouterr().err
    dom = load(out, tmp_path, "history")
    assert len(dom.find("polyline")) == 1
    (flip,) = dom.find("g", class_="flip")
    assert "type-hints fail→pass" in flip[2]
    assert dom.by_id("history-flips")[1].get("data-sortable") == "ready"
