"""``charter fix --unsafe-fixes`` on Kubernetes probes (``health-checks``, issue 18): a container
without probes gets ``httpGet`` probes of the app's own health route on its port; the file keeps
its bytes, line endings and permissions elsewhere; nothing is offered when the route, the port or
the manifest's shape would have to be guessed."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from helpers import write_tree

from charter.cli import main

APP = """from fastapi import FastAPI

app = FastAPI()


@app.get("/healthz")
def healthz() -> str:
    return "ok"
"""

DOCKERFILE = """FROM python:3.12-slim
COPY . /app
EXPOSE 8000
CMD ["uvicorn", "shop.app:app"]
"""

MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata: {name: shop}
spec:
  template:
    spec:
      containers:
      - name: api
        image: ghcr.io/acme/shop:1.0
        env:
        - {name: MODE, value: prod}
      - name: worker
        image: ghcr.io/acme/shop:1.0
        command: [python, -m, shop.worker]
"""

PROBES = """        livenessProbe:
          httpGet:
            path: /healthz
            port: 8000
        readinessProbe:
          httpGet:
            path: /healthz
            port: 8000
"""


def _repo(tmp_path: Path, **extra: str) -> Path:
    files = {
        "pyproject.toml": '[project]\nname = "shop"\n',
        "src/shop/app.py": APP,
        "Dockerfile": DOCKERFILE,
        "k8s/deploy.yaml": MANIFEST,
        **extra,
    }
    write_tree(tmp_path, {k: v for k, v in files.items() if v})
    return tmp_path


def _findings(repo: Path, capsys: pytest.CaptureFixture[str]) -> list[dict]:
    capsys.readouterr()
    main(["audit", str(repo), "--select", "health-checks", "--format", "json", "--no-cache"])
    found = json.loads(capsys.readouterr().out)["findings"]
    return [f for f in found if f["rule"] == "health-checks"]


def test_probes_use_the_route_and_the_exposed_port_and_keep_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    repo = _repo(tmp_path)
    manifest = repo / "k8s" / "deploy.yaml"
    manifest.write_bytes(MANIFEST.replace("\n", "\r\n").encode())
    manifest.chmod(0o640)
    before = _findings(repo, capsys)
    assert [(f["line"], f["fix"]) for f in before] == [(8, "unsafe"), (12, "unsafe")]

    assert main(["fix", str(repo), "--select", "health-checks"]) == 1  # unsafe: needs the flag
    assert manifest.read_bytes() == MANIFEST.replace("\n", "\r\n").encode()

    assert main(["fix", str(repo), "--select", "health-checks", "--unsafe-fixes"]) == 0
    lines = MANIFEST.splitlines(keepends=True)
    # each container's probes after its last line (a nested sequence included)
    expected = "".join(lines[:11]) + PROBES + "".join(lines[11:]) + PROBES
    assert manifest.read_bytes() == expected.replace("\n", "\r\n").encode()
    assert stat.S_IMODE(manifest.stat().st_mode) == 0o640
    assert _findings(repo, capsys) == []
    # a second fix changes nothing
    assert main(["fix", str(repo), "--select", "health-checks", "--unsafe-fixes", "--check"]) == 0


def test_only_the_missing_probe_is_added_with_the_declared_port(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    manifest = MANIFEST.replace(
        "        env:\n",
        "        ports:\n        - {containerPort: 9000}\n"
        "        readinessProbe: {tcpSocket: {port: 9000}}  # keep\n        env:\n",
    ).replace(
        "      - name: worker\n        image: ghcr.io/acme/shop:1.0\n"
        "        command: [python, -m, shop.worker]\n",
        "",
    )
    repo = _repo(tmp_path, **{"k8s/deploy.yaml": manifest})
    assert main(["fix", str(repo), "--select", "health-checks", "--unsafe-fixes"]) == 0
    text = (repo / "k8s" / "deploy.yaml").read_text()
    assert text == manifest + (
        "        livenessProbe:\n          httpGet:\n            path: /healthz\n"
        "            port: 9000\n"
    )


@pytest.mark.parametrize(
    ("why", "extra"),
    [
        # two apps with health routes in the project: which one runs in the container?
        (
            "two apps",
            {"src/shop/admin.py": APP.replace("/healthz", "/admin/ping")},
        ),
        # no port: none declared by the container, none EXPOSEd
        ("no port", {"Dockerfile": DOCKERFILE.replace("EXPOSE 8000\n", "")}),
        # two ports EXPOSEd, none declared by the container
        ("two ports", {"Dockerfile": DOCKERFILE.replace("EXPOSE 8000", "EXPOSE 8000 9090")}),
        # an image built elsewhere
        (
            "vendor image",
            {"k8s/deploy.yaml": MANIFEST.replace("ghcr.io/acme/shop:1.0", "nginx/nginx:1.27")},
        ),
        # a container written as a flow mapping
        (
            "flow mapping",
            {
                "k8s/deploy.yaml": MANIFEST.replace(
                    "      - name: api\n        image: ghcr.io/acme/shop:1.0\n"
                    "        env:\n        - {name: MODE, value: prod}\n",
                    "      - {name: api, image: 'ghcr.io/acme/shop:1.0'}\n",
                ).replace(
                    "      - name: worker\n        image: ghcr.io/acme/shop:1.0\n"
                    "        command: [python, -m, shop.worker]\n",
                    "",
                )
            },
        ),
        # only a router's route, mounted who knows where
        (
            "router route",
            {
                "src/shop/app.py": APP.replace(
                    "app = FastAPI()", "app = FastAPI()\nops = APIRouter(prefix='/ops')"
                )
                .replace("@app.get", "@ops.get")
                .replace("import FastAPI", "import APIRouter, FastAPI")
            },
        ),
    ],
)
def test_no_fix_is_offered_when_it_would_be_a_guess(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], why: str, extra: dict[str, str]
):
    repo = _repo(tmp_path, **extra)
    found = [f for f in _findings(repo, capsys) if f["path"] == "k8s/deploy.yaml"]
    assert found, why
    assert [f["fix"] for f in found] == [None] * len(found), why
    before = (repo / "k8s" / "deploy.yaml").read_bytes()
    main(["fix", str(repo), "--select", "health-checks", "--unsafe-fixes"])
    assert (repo / "k8s" / "deploy.yaml").read_bytes() == before, why


def test_a_workload_declared_in_two_places_is_not_fixed_in_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    repo = _repo(tmp_path, **{"release/deploy.yaml": MANIFEST})
    found = [f for f in _findings(repo, capsys) if f["path"] == "k8s/deploy.yaml"]
    assert found and [f["fix"] for f in found] == [None] * len(found)


def test_sarif_carries_the_inserted_probes(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    repo = _repo(tmp_path)
    capsys.readouterr()
    main(["audit", str(repo), "--select", "health-checks", "--format", "sarif", "--no-cache"])
    results = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    first = next(
        r for r in results if r["locations"][0]["physicalLocation"]["region"]["startLine"] == 8
    )
    (change,) = first["fixes"][0]["artifactChanges"]
    (replacement,) = change["replacements"]
    assert replacement["deletedRegion"] == {"startLine": 11, "endLine": 11}
    assert replacement["insertedContent"][
        "text"
    ] == "        - {name: MODE, value: prod}\n" + PROBES.rstrip("\n")


GO_MAIN = """package main

import "net/http"

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/livez", live)
	mux.HandleFunc("/readyz", ready)
	http.ListenAndServe(":9090", mux)
}
"""


def test_a_go_app_gives_its_routes_and_the_port_it_binds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    manifest = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: api\n          image: acme/api:2\n"
    )
    files = {
        "api/go.mod": "module github.com/acme/api\n",
        "api/main.go": GO_MAIN,
        "api/Dockerfile": "FROM alpine:3.20\nCOPY api /api\nCMD [\"/api\"]\n",
        "deploy/api.yaml": manifest,
    }
    write_tree(tmp_path, files)
    assert main(["fix", str(tmp_path), "--select", "health-checks", "--unsafe-fixes"]) == 0
    assert (tmp_path / "deploy" / "api.yaml").read_text() == manifest + (
        "          livenessProbe:\n            httpGet:\n              path: /livez\n"
        "              port: 9090\n          readinessProbe:\n            httpGet:\n"
        "              path: /readyz\n              port: 9090\n"
    )
    # the manifest as it was, and a port bound from a variable: no port known, no fix
    write_tree(tmp_path, {**files, "api/main.go": GO_MAIN.replace('":9090"', "addr")})
    found = [f for f in _findings(tmp_path, capsys) if f["path"] == "deploy/api.yaml"]
    assert [f["fix"] for f in found] == [None]
