"""Configuration errors a new user makes (issue 16): exit 2 and one line naming the file, the
line or field, and the fix, in the configuration's own words."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write_tree

from charter.cli import main

ROOT = Path(__file__).resolve().parents[1]
AGENT_DOC = ROOT / "sample_repos" / "agent-profile-repo" / ".claude" / "agents" / "backend.md"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main([*args])
    err = capsys.readouterr().err
    return code, err


def _one_line_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, err = _run(capsys, *args)
    assert code == 2, err
    assert err.count("\n") == 1, err
    assert err.startswith("charter: error: "), err
    assert "Traceback" not in err
    return err.removeprefix("charter: error: ").rstrip("\n")


# --- a malformed pyproject.toml / .charter.yml ------------------------------------------------


def test_malformed_pyproject_stops_naming_the_file_and_line(tmp_path: Path, capsys) -> None:
    write_tree(tmp_path, {
        "pyproject.toml": '[project]\nname = "x"\n[tool.charter\nfail-on = "none"\n',
        "app.py": "X = 1\n",
    })
    err = _one_line_error(capsys, "audit", str(tmp_path), "--no-cache")
    assert err.startswith(f"{tmp_path / 'pyproject.toml'}:3: invalid TOML"), err
    assert "[tool.charter]" in err and "--no-repo-config" in err


def test_unterminated_pyproject_names_its_last_line(tmp_path: Path, capsys) -> None:
    write_tree(tmp_path, {"pyproject.toml": '[tool.charter]\nexclude = ["gen/"\n'})
    err = _one_line_error(capsys, "audit", str(tmp_path), "--no-cache")
    assert err.startswith(f"{tmp_path / 'pyproject.toml'}:2: invalid TOML"), err


def test_no_repo_config_still_ignores_a_malformed_pyproject(tmp_path: Path, capsys) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[project\n", "app.py": "X = 1\n"})
    code, err = _run(capsys, "audit", str(tmp_path), "--no-cache", "--no-repo-config",
                     "--fail-on", "none")
    assert code == 0, err


def test_malformed_pyproject_is_ignored_when_charter_yml_is_the_config(
    tmp_path: Path, capsys
) -> None:
    write_tree(tmp_path, {
        "pyproject.toml": "[project\n",
        ".charter.yml": "fail-on: none\n",
        "app.py": "X = 1\n",
    })
    code, err = _run(capsys, "audit", str(tmp_path), "--no-cache")
    assert code == 0, err


@pytest.mark.parametrize("name", [".charter.yml", ".charter.yaml"])
def test_yaml_syntax_error_names_the_line(tmp_path: Path, capsys, name: str) -> None:
    write_tree(tmp_path, {name: "fail-on: high\nexclude: [gen/\nstrict: true\n"})
    err = _one_line_error(capsys, "audit", str(tmp_path), "--no-cache")
    assert err.startswith(f"{tmp_path / name}:3: invalid YAML"), err
    assert "began at line 2" in err and "fix the YAML syntax" in err


# --- min-score for an unknown profile --------------------------------------------------------


def test_min_score_for_an_unknown_profile_is_an_error(tmp_path: Path, capsys) -> None:
    write_tree(tmp_path, {
        ".charter.yml": "min-score: {backend-polyglott: 80}\n",
        "app.py": "X = 1\n",
    })
    err = _one_line_error(capsys, "audit", str(tmp_path), "--no-cache")
    assert err.startswith(
        f"{tmp_path / '.charter.yml'}: field 'min-score.backend-polyglott': unknown profile "
        "'backend-polyglott' (did you mean 'backend-polyglot'?)"
    ), err


def test_min_score_in_pyproject_for_an_unknown_profile(tmp_path: Path, capsys) -> None:
    write_tree(tmp_path, {
        "pyproject.toml": '[tool.charter]\nmin-score = { "nobody-knows" = 50 }\n',
        "app.py": "X = 1\n",
    })
    err = _one_line_error(capsys, "audit", str(tmp_path), "--no-cache")
    assert "field 'min-score.nobody-knows': unknown profile 'nobody-knows'" in err
    assert "did you mean" not in err and "backend-polyglot" in err


def test_min_score_for_a_known_profile_still_gates(tmp_path: Path, capsys) -> None:
    write_tree(tmp_path, {
        ".charter.yml": "min-score: {backend-polyglot: 100}\nprofiles: [backend-polyglot]\n",
        "app.py": "def f(a):\n    return a\n",
    })
    code = main(["audit", str(tmp_path), "--no-cache"])
    out, err = capsys.readouterr()
    assert code == 1, err
    assert "profile backend-polyglot scores" in out + err


# --- --policies FILE --------------------------------------------------------------------------


def test_policies_given_a_file_says_it_takes_a_folder(tmp_path: Path, capsys) -> None:
    write_tree(tmp_path, {"policies/profiles/backend.yaml": "id: backend\n", "app.py": "X = 1\n"})
    profile = tmp_path / "policies" / "profiles" / "backend.yaml"
    err = _one_line_error(capsys, "audit", str(tmp_path), "--policies", str(profile))
    assert err.startswith(f"{profile}: --policies takes a folder with rules/ and profiles/"), err
    assert "this is a YAML file" in err and "does not exist" not in err


def test_policies_missing_folder_still_says_so(tmp_path: Path, capsys) -> None:
    err = _one_line_error(capsys, "rules", "--policies", str(tmp_path / "nope"))
    assert "--policies folder does not exist" in err


# --- the documented profile import round trip -------------------------------------------------


def _doc_command(needle: str) -> list[str]:
    """The exact command of docs/agent-profiles.md that contains ``needle``."""
    text = (ROOT / "docs" / "agent-profiles.md").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.startswith("$ charter") and needle in line]
    assert lines, needle
    return lines[0].removeprefix("$ charter ").split()


def test_documented_import_then_audit_round_trip(tmp_path: Path, capsys, monkeypatch) -> None:
    write_tree(tmp_path, {
        ".claude/agents/backend.md": AGENT_DOC.read_text(encoding="utf-8"),
        "app.py": "def f(a):\n    return a\n",
    })
    monkeypatch.chdir(tmp_path)
    command = _doc_command("profile import")
    assert command == [
        "profile", "import", ".claude/agents/backend.md",
        "--output", "policies/profiles/backend.yaml",
    ]
    code, err = _run(capsys, *command)
    assert code == 0, err
    assert "wrote profile 'backend' to policies/profiles/backend.yaml" in err
    # the audit of the issue (audit --policies policies), then the one docs/agent-profiles.md
    # shows
    code = main(["audit", "--policies", "policies", "--format", "json", "--no-cache"])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    assert '"id": "backend"' in out
    audit = _doc_command("--policies policies")
    assert audit == ["audit", ".", "--policies", "policies", "--profile", "backend"]
    code = main([*audit, "--format", "json", "--no-cache"])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    assert '"id": "backend"' in out and '"title": "orders-backend"' in out


def test_import_into_a_folder_names_the_file_after_the_id(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "policies" / "profiles"
    folder.mkdir(parents=True)
    code, err = _run(capsys, "profile", "import", str(AGENT_DOC), "--output", str(folder))
    assert code == 0, err
    assert (folder / "orders-backend.yaml").is_file()
    code, err = _run(capsys, "profiles", "--policies", str(tmp_path / "policies"))
    assert code == 0, err


def test_import_with_an_id_that_is_not_the_file_name(tmp_path: Path, capsys) -> None:
    out = tmp_path / "policies" / "profiles" / "backend.yaml"
    err = _one_line_error(
        capsys, "profile", "import", str(AGENT_DOC), "--output", str(out), "--id", "api"
    )
    assert err.startswith("--id: 'api' does not match the file name backend.yaml"), err
    assert not out.exists()


def test_import_to_a_file_name_that_is_not_an_id(tmp_path: Path, capsys) -> None:
    out = tmp_path / "Backend Profile.yaml"
    err = _one_line_error(capsys, "profile", "import", str(AGENT_DOC), "--output", str(out))
    assert "'Backend Profile' is not kebab-case" in err
    assert err.endswith(f"write to {tmp_path / 'backend-profile.yaml'}")
    assert not out.exists()


# --- messages in the configuration's words, not pydantic's -------------------------------------

PYDANTIC_WORDING = ("Input should be", "Extra inputs are not permitted", "Field required",
                    "valid tuple", "Value error,", "type=")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("exclude: gen/\n",
         "field 'exclude' must be a list of globs (got the string 'gen/'), "
         'e.g. exclude: ["gen/"]'),
        ("exclude: [1]\n", "field 'exclude.0' must be a string (got the number 1), "
         'e.g. exclude: ["gen/"]'),
        ("profiles: backend-polyglot\n", "field 'profiles' must be a list of profile ids"),
        ("fial-on: low\n", "field 'fial-on' is not a key charter knows (did you mean 'fail-on'?); "
         "remove it or fix its spelling"),
        ("fail-on: severe\n", "field 'fail-on' must be one of critical, high, medium, low, none "
         "(got the string 'severe'), e.g. fail-on: high"),
        ("min-score: lots\n", "field 'min-score' must be a score from 0 to 100, or a mapping of "
         "profile id to score (got the string 'lots'), e.g. min-score: 80"),
        ("min-score: 120\n", "field 'min-score': 120.0 is not a score between 0 and 100, "
         "e.g. min-score: 80"),
        ("max-file-bytes: 0\n", "field 'max-file-bytes' must be above 0 (got the number 0)"),
        ("max-file-bytes: big\n", "field 'max-file-bytes' must be a whole number of bytes"),
        ("max-file-seconds: soon\n", "field 'max-file-seconds' must be a number of seconds"),
        ("strict: maybe\n", "field 'strict' must be true or false (got the string 'maybe'), "
         "e.g. strict: true"),
        ("rules: {type-hints: {severity: hgh}}\n",
         "field 'rules.type-hints.severity' must be one of critical, high, medium, low "
         "(got the string 'hgh'; did you mean 'high'?), e.g. severity: low"),
        ("rules: {type-hints: {sevrity: low}}\n",
         "field 'rules.type-hints.sevrity' is not a key charter knows under 'rules.type-hints' "
         "(did you mean 'severity'?)"),
        ("rules: {type-hints: {scope: []}}\n",
         "field 'rules.type-hints.scope' must list at least 1 item(s) (got an empty list)"),
        ("rules: {type-hints: {disable: perhaps}}\n",
         "field 'rules.type-hints.disable' must be true or false"),
        ("path-classes: {genrated: [api/]}\n",
         "field 'path-classes.genrated': the key 'genrated' must be one of source, test"),
        ("path-classes: {generated: api/}\n",
         "field 'path-classes.generated' must be a list of globs (got the string 'api/')"),
    ],
)
def test_charter_yml_errors_speak_the_configuration(tmp_path: Path, capsys, text, message) -> None:
    write_tree(tmp_path, {".charter.yml": text, "app.py": "X = 1\n"})
    err = _one_line_error(capsys, "audit", str(tmp_path), "--no-cache")
    assert err.startswith(f"{tmp_path / '.charter.yml'}: {message}"), err
    assert not any(words in err for words in PYDANTIC_WORDING), err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('exclude = "gen/"\n', "field 'exclude' must be a list of globs (got the string "
         "'gen/'), e.g. exclude = [\"gen/\"]"),
        ("fail-on = 3\n", "field 'fail-on' must be one of critical, high, medium, low, none "
         '(got the number 3), e.g. fail-on = "high"'),
        ("[tool.charter.min-score]\nbackend-polyglot = \"high\"\n",
         "field 'min-score' must be a score from 0 to 100"),
    ],
)
def test_pyproject_errors_give_toml_examples(tmp_path: Path, capsys, text, message) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[tool.charter]\n" + text, "app.py": "X = 1\n"})
    err = _one_line_error(capsys, "audit", str(tmp_path), "--no-cache")
    assert err.startswith(f"{tmp_path / 'pyproject.toml'} [tool.charter]: {message}"), err
    assert not any(words in err for words in PYDANTIC_WORDING), err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: mine\ntitle: ab\nrules: [{id: type-hints}]\n",
         "field 'title' must be at least 3 character(s) long (got the string 'ab')"),
        ("id: mine\nrules: [{id: type-hints}]\n", "field 'title' is missing"),
        ("id: mine\ntitle: Mine\nrules: type-hints\n",
         "field 'rules' must be a list of the rules the profile applies (got the string "
         "'type-hints'), e.g. rules: [{\"id\": \"type-hints\"}]"),
        ("id: mine\ntitle: Mine\nrules: [{id: type-hints, sevrity: low}]\n",
         "field 'rules.0.sevrity' is not a key charter knows under 'rules.0' "
         "(did you mean 'severity'?)"),
        ("id: mine\ntitle: Mine\nrules: [{id: type-hints, severity: hi}]\n",
         "field 'rules.0.severity' must be one of critical, high, medium, low (got the string "
         "'hi'; did you mean 'high'?)"),
        ("id: mine\ntitle: Mine\nrules: []\n", "field 'rules' must list at least 1 item(s)"),
    ],
)
def test_profile_file_errors_speak_the_policy(tmp_path: Path, capsys, text, message) -> None:
    write_tree(tmp_path, {"pol/profiles/mine.yaml": text})
    err = _one_line_error(capsys, "profiles", "--policies", str(tmp_path / "pol"))
    assert err.startswith(f"{tmp_path / 'pol' / 'profiles' / 'mine.yaml'}: {message}"), err
    assert not any(words in err for words in PYDANTIC_WORDING), err


def test_rule_params_errors_speak_the_configuration(tmp_path: Path, capsys) -> None:
    write_tree(tmp_path, {
        ".charter.yml": "rules: {type-hints: {params: {include_test: true}}}\n",
        "app.py": "X = 1\n",
    })
    err = _one_line_error(capsys, "audit", str(tmp_path), "--no-cache")
    assert err.startswith(
        f"{tmp_path / '.charter.yml'} rules.type-hints: field 'params.include_test' is not a "
        "key charter knows under 'params' (did you mean 'include_tests'"
    ), err
    assert err.endswith("see 'charter explain type-hints' for the parameters")
    assert not any(words in err for words in PYDANTIC_WORDING), err


# --- the documented precedence: .charter.yml, then .charter.yaml, then [tool.charter] ----------


@pytest.mark.parametrize(
    ("files", "source"),
    [
        ({".charter.yaml": "fail-on: critical\n"}, ".charter.yaml"),
        ({".charter.yml": "fail-on: critical\n", ".charter.yaml": "fail-on: [broken\n"},
         ".charter.yml"),
        ({".charter.yaml": "fail-on: critical\n", "pyproject.toml": "[tool.charter]\nx = 1\n"},
         ".charter.yaml"),
        ({"pyproject.toml": "[tool.charter]\nfail-on = 'critical'\n"}, "pyproject.toml"),
    ],
)
def test_the_first_settings_file_in_the_documented_order_is_read(
    tmp_path: Path, files: dict[str, str], source: str
) -> None:
    from charter.config import load_config

    write_tree(tmp_path, files)
    config, where = load_config(tmp_path)
    assert where == tmp_path / source
    assert config.fail_on == "critical"
    docs = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    assert "1. `.charter.yml`\n2. `.charter.yaml`" in docs
