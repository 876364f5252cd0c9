"""The HTML pages, read with the standard library's HTML parser (no browser): what they show,
that they need nothing from the network, that sorting is reachable by keyboard, and that a
secret stays redacted. ``test_html_browser.py`` loads the same pages in Chromium."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import SAMPLES, write_tree

from charter import cli
from charter.reporters import html

DATA = Path(__file__).parent / "data"


class Page(HTMLParser):
    """Every element as (tag, attributes, text inside it), in document order."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str], list[str]]] = []
        self._open: list[int] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}, []))
        if tag not in {"meta", "link", "br", "img", "input", "rect", "line", "circle", "path"}:
            self._open.append(len(self.elements) - 1)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self.elements[self._open[i]][0] == tag:
                del self._open[i:]
                break

    def handle_data(self, data: str) -> None:
        for i in self._open:
            self.elements[i][2].append(data)

    def find(self, tag: str, **attrs: str) -> list[tuple[str, dict[str, str], str]]:
        return [
            (t, a, "".join(text))
            for t, a, text in self.elements
            if t == tag and all(a.get(_attr(k)) == v for k, v in attrs.items())
        ]

    def by_id(self, ident: str) -> tuple[str, dict[str, str], str]:
        (found,) = [(t, a, "".join(x)) for t, a, x in self.elements if a.get("id") == ident]
        return found


def _attr(name: str) -> str:
    """``class_`` -> ``class``, ``aria_sort`` -> ``aria-sort``."""
    return name.rstrip("_").replace("_", "-")


def assert_offline(text: str, page: Page) -> None:
    """Nothing the page would load: no external script, style, image or font, and a policy
    that forbids every network source."""
    (meta,) = page.find("meta", http_equiv="Content-Security-Policy")
    assert "default-src 'none'" in meta[1]["content"]
    for tag, attrs, _ in page.elements:
        assert not attrs.get("src"), tag
        if tag == "link":
            raise AssertionError(f"external resource {attrs}")
        href = attrs.get("href", "")
        assert not href or href.startswith("#"), href
    (style,) = page.find("style")
    assert "url(" not in style[2] and "@import" not in style[2]


def audit_html(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = cli.main(["audit", *args, "--format", "html", "--no-cache"])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    return out


def test_repository_page_bars_failing_rules_sentences_and_snippets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = str(SAMPLES / "legacy-service")
    text = audit_html(capsys, target)
    cli.main(["audit", target, "--format", "json", "--no-cache"])
    report = json.loads(capsys.readouterr().out)
    page = Page(text)
    assert_offline(text, page)
    bars = page.find("g", class_="bar")
    assert [a["data-profile"] for _, a, _ in bars] == [p["id"] for p in report["profiles"]]
    first = report["profiles"][0]
    assert f"{first['score']:.1f}" in bars[0][2]  # the score as text next to its bar
    failing = [r["id"] for r in report["rules"] if r["status"] == "fail"]
    shown = [a["id"].removeprefix("rule-") for _, a, _ in page.find("article", class_="rule")]
    assert sorted(shown) == sorted(failing)
    _, _, hints = page.by_id("rule-type-hints")
    assert "Profile sentences behind it" in hints
    # a finding's source line with its column marked, as the text report shows it
    snippets = page.find("pre", class_="snippet")
    assert snippets and any("def " in s for _, _, s in snippets)
    assert page.find("mark")


def test_no_snippet_for_a_secret_and_values_redacted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = "AKIA" + "Q3EGRP4TKW7XMZ2N"
    root = write_tree(
        tmp_path,
        {
            "settings.py": f'AWS_KEY = "{key}"\n\n\ndef load(path):\n    return path\n',
        },
    )
    text = audit_html(capsys, str(root))
    assert "no-hardcoded-secrets" in text  # the finding is reported
    assert key not in text and key[4:] not in text
    page = Page(text)
    shown = "".join(s for _, _, s in page.find("pre", class_="snippet"))
    assert "AWS_KEY" not in shown  # the secret's own line is never shown
    assert "def load(path)" in shown  # another finding of the same file keeps its line


def fleet_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A fleet's output folder as docs/fleet.md describes it: the run summary (fleet.json,
    with the repositories' order), a record per repository, the reports of the three audited
    ones ('charter audit --format json'), and the record of one whose clone failed."""
    out = tmp_path / "fleet"
    (out / "reports").mkdir(parents=True)
    (out / "records").mkdir()
    names = ("legacy-service", "compliant-service", "go-service")
    for name in names:
        report = out / "reports" / f"{name}.json"
        code = cli.main(
            ["audit", str(SAMPLES / name), "-f", "json", "--no-cache", "-o", str(report)]
        )
        assert code in (0, 1)
        record = {"id": name, "source": name, "status": "ok", "error": None}
        (out / "records" / f"{name}.json").write_text(json.dumps(record))
    capsys.readouterr()
    broken = {
        "id": "broken",
        "source": "https://example.invalid/broken.git",
        "status": "error",
        "error": "cannot clone: repository not found",
    }
    (out / "records" / "broken.json").write_text(json.dumps(broken))
    run = {"repos": ["broken", *names], "counts": {"ok": 3, "error": 1}}
    (out / "fleet.json").write_text(json.dumps(run))
    return out


def test_fleet_heatmaps_sortable_by_keyboard(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = fleet_dir(tmp_path, capsys)
    target = tmp_path / "fleet.html"
    assert cli.main(["report", str(out), "--html", str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    page = Page(text)
    assert_offline(text, page)
    for table in ("fleet-scores", "fleet-rules"):
        assert "sortable" in page.by_id(table)[1]["class"]
    headers = page.find("th", aria_sort="none")
    buttons = page.find("button", type="button")
    assert len(buttons) == len(headers) > 5  # every sortable header is a button
    rows = [s for _, a, s in page.find("th", scope="row")]
    # one row per audited repository in each heatmap, in the run's order
    assert [r.rsplit("/", 1)[-1] for r in rows] == [
        "legacy-service",
        "compliant-service",
        "go-service",
    ] * 2
    # colour plus text: every score cell says its number and its band in words
    cells = page.find("td", class_="cell")
    assert cells and all(
        any(
            w in s
            for w in (
                "good",
                "fair",
                "poor",
                "no score",
                "pass",
                "fail",
                "n/a",
                "not impl.",
                "error",
                "—",
            )
        )
        for _, _, s in cells
    )
    assert "cannot clone" in page.by_id("fleet-failed")[2]
    # without --html the page goes into the folder, and a rerun does not read it as a report
    assert cli.main(["report", str(out)]) == 0
    assert cli.main(["report", str(out)]) == 0
    assert Page((out / "report.html").read_text(encoding="utf-8")).by_id("fleet-scores")


def test_history_page_has_a_line_per_profile_and_marks_flips() -> None:
    doc = {
        "kind": "charter-history",
        "target": "repo",
        "ref": "HEAD",
        "since": "6w",
        "every": "2w",
        "points": [
            {
                "commit": f"{i}" * 40,
                "date": f"2026-01-{10 + i:02d}T00:00:00+00:00",
                "subject": "s",
                "scores": {"a": 50.0 + i, "b": 90.0},
            }
            for i in range(4)
        ],
        "profiles": [
            {"id": "a", "title": "A", "scores": [50.0, 51.0, 52.0, 53.0]},
            {"id": "b", "title": "B", "scores": [90.0, 90.0, 90.0, 90.0]},
        ],
        "flips": [
            {
                "commit": "2" * 40,
                "date": "2026-01-12T00:00:00+00:00",
                "point": 2,
                "rule": "type-hints",
                "title": "T",
                "from": "fail",
                "to": "pass",
                "profiles": ["a"],
            }
        ],
    }
    text = html.render_history(doc)
    page = Page(text)
    assert_offline(text, page)
    assert [a["data-profile"] for _, a, _ in page.find("g", class_="series")] == ["a", "b"]
    assert len(page.find("polyline")) == 2
    (mark,) = page.find("g", class_="flip")
    assert "type-hints fail→pass" in mark[2]
    assert "a from 50.0 to 53.0" in page.by_id("chart-desc")[2]
    assert "fail" in page.by_id("history-flips")[2] and "pass" in page.by_id("history-flips")[2]


def test_report_refuses_what_is_not_a_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "x.json").write_text('{"hello": 1}')
    code = cli.main(["report", str(tmp_path / "x.json"), "--html", str(tmp_path / "o.html")])
    assert code == 2
    assert "neither a charter JSON report nor a history" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli.main(["report", str(empty), "--html", str(tmp_path / "o.html")]) == 2
    assert "no charter JSON report in it" in capsys.readouterr().err


def test_hostile_names_are_escaped_and_the_repositorys_configuration_is_stated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = "esc\x1b[31mred\x9b\x07.py"
    root = write_tree(
        tmp_path,
        {
            name: "def f(x):\n    return x\n",
            "<img src=x onerror=alert(1)>.py": "def g(x):\n    return x\n",
            ".charter.yml": "rules:\n  docstrings:\n    disable: true\n",
        },
    )
    text = audit_html(capsys, str(root), "-p", "backend-polyglot")
    raw = {c for c in text if (ord(c) < 0x20 and c not in "\n") or 0x7F <= ord(c) <= 0x9F}
    assert raw == set()
    assert "esc\\x1b[31mred\\x9b\\x07.py" in text
    page = Page(text)
    assert not page.find("img")  # a file name is text, never markup
    assert "&lt;img src=x onerror=alert(1)&gt;.py" in text
    _, _, config = page.by_id("repo-config")
    assert "Configuration from the repository" in config
    assert "rule docstrings: disabled (.charter.yml)" in config
