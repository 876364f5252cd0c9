"""YAML of audited repositories is read by libyaml first and by PyYAML's own parser where
libyaml fails: the same documents and nodes either way, PyYAML's error where the text is not
YAML, and the alias bound on both paths."""

from __future__ import annotations

import pytest
import yaml

from charter import sources

TEXTS = [
    "a: plain\nb: 'single'\nc: \"double\"\nd: |\n  literal\ne: >\n  folded\n",
    "jobs:\n  test:\n    steps:\n    - run: pytest\n    - uses: actions/checkout@v4\n",
    "---\nkind: A\n---\nkind: B\nlist: [1, 2.5, true, null, ~, 0o17, 2024-01-01]\n",
    "anchors:\n  base: &base {x: 1}\n  child:\n    <<: *base\n    y: 2\n",
    "# comment only\n",
    "name: caf\u00e9 \u2014 \u65e5\u672c\nemoji: \U0001f980\n",
    "key: value\r\nother: 2\r\n",
]


def _shape(node: yaml.Node) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = []
    stack = [node]
    while stack:
        n = stack.pop()
        mark = n.start_mark
        value = n.value if isinstance(n, yaml.ScalarNode) else len(n.value)
        style = n.style if isinstance(n, yaml.ScalarNode) else None
        out.append((type(n).__name__, n.tag, style, mark.line, mark.column, mark.index, value))
        if isinstance(n, yaml.SequenceNode):
            stack.extend(reversed(n.value))
        elif isinstance(n, yaml.MappingNode):
            for k, v in reversed(n.value):
                stack.extend([v, k])
    return out


@pytest.mark.parametrize("text", TEXTS)
def test_libyaml_reads_what_pyyaml_reads(text: str) -> None:
    assert sources._FAST_LOADERS, "PyYAML here is built with libyaml"
    pure = list(yaml.compose_all(text, Loader=sources.BoundedSafeLoader))
    assert [_shape(n) for n in sources.yaml_compose_all(text)] == [
        _shape(n) for n in pure if n is not None
    ]
    assert sources.yaml_load_all(text) == [
        d for d in yaml.load_all(text, Loader=sources.BoundedSafeLoader) if d is not None
    ]


@pytest.mark.parametrize(
    "text",
    ["on: [push\njobs:\n  - : : :\n\t\n", "a: b: c\n", "{{- if .Values.enabled }}\nkind: A\n"],
)
def test_a_text_that_is_not_yaml_fails_with_pyyamls_own_message(text: str) -> None:
    with pytest.raises(yaml.YAMLError) as pure:
        list(yaml.load_all(text, Loader=sources.BoundedSafeLoader))
    with pytest.raises(yaml.YAMLError) as got:
        sources.yaml_load_all(text)
    assert str(got.value) == str(pure.value) and type(got.value) is type(pure.value)
    assert sources._error_line(got.value) == sources._error_line(pure.value) > 0


def test_aliases_stay_bounded_on_the_libyaml_path() -> None:
    """The alias bound is the composer's, which both paths share: a bomb stops on libyaml's
    events too (the pure parser is not what stops it)."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghij"):
        lines.append(f"{name}: &{name} [{','.join(['*' + 'abcdefghij'[i]] * 9)}]")
    bomb = "\n".join(lines) + "\n"
    (fast,) = sources._FAST_LOADERS
    with pytest.raises(sources.YamlAliasError, match="alias bomb"):
        list(yaml.compose_all(bomb, Loader=fast))
    with pytest.raises(sources.YamlAliasError, match="inside itself"):
        list(yaml.compose_all("a: &a [*a, *a]\n", Loader=fast))
    with pytest.raises(sources.YamlAliasError, match="alias bomb"):
        sources.yaml_compose_all(bomb)


@pytest.mark.parametrize(
    "shape",
    [
        '"x: " + "[" * 50_000 + "]" * 50_000',
        '"x: " + "{a: " * 50_000 + "1" + "}" * 50_000',
        '"- " * 50_000 + "x"',
    ],
)
def test_deep_nesting_fails_as_pyyaml_fails_and_never_crashes(shape: str) -> None:
    """libyaml's own composer overflows the C stack on deep nesting (a segfault: why only its
    scanner and parser are used); PyYAML's composer on its events stops with the error the
    pure parser gives. Run in a child process, so that a crash would fail the test, not
    pytest."""
    import subprocess
    import sys

    code = (
        "from charter import sources\n"
        f"text = {shape} + '\\n'\n"
        "try:\n"
        "    sources.yaml_compose_all(text)\n"
        "except RecursionError:\n"
        "    print('RecursionError')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-500:]
    assert proc.stdout.strip() == "RecursionError"
