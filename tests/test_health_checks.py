"""health-checks: what a user sees — the finding's place and words, the status, the evidence."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import SAMPLES, audit_rule, write_tree

from charter.analyzers.health.checks import serves
from charter.analyzers.health.manifests import dockerfile_facts, url_paths
from charter.cli import main
from charter.sources import SourceFile

RULE = "health-checks"


def run(policies, tmp_path: Path, files: dict[str, str], params: dict | None = None):
    write_tree(tmp_path, files)
    report = audit_rule(policies, tmp_path, RULE, params)
    result = next(r for r in report.rules if r.id == RULE)
    findings = {f"{f.path}:{f.line}": f.message for f in report.findings if f.rule == RULE}
    return result, findings


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
spec:
  template:
    spec:
      containers:
        - name: api
          image: orders:1
          livenessProbe:
            httpGet: {path: /healthz, port: 8000}
          readinessProbe:
            httpGet: {path: /ready, port: 8000}
"""

FASTAPI_APP = """\
from fastapi import FastAPI

app = FastAPI()


@app.get("/healthz")
def healthz() -> str:
    return "ok"
"""


def test_probe_on_a_path_the_app_does_not_serve_names_the_app(policies, tmp_path):
    result, findings = run(
        policies, tmp_path, {"src/orders/api.py": FASTAPI_APP, "k8s/deploy.yaml": DEPLOYMENT}
    )
    assert result.status.value == "fail"
    assert findings == {
        "k8s/deploy.yaml:13": "readinessProbe path /ready is not a route of orders.api:app"
    }


def test_missing_probes_name_workload_container_and_probe(policies, tmp_path):
    manifest = """\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  template:
    spec:
      containers:
        - name: collector
          image: collector:2
"""
    _, findings = run(policies, tmp_path, {"agent.yaml": manifest})
    assert findings == {
        "agent.yaml:9": "DaemonSet agent: container `collector` has no livenessProbe and no "
        "readinessProbe"
    }


def test_startup_probe_only_when_asked(policies, tmp_path):
    files = {
        "src/orders/api.py": FASTAPI_APP,
        "k8s/deploy.yaml": DEPLOYMENT.replace("/ready,", "/healthz,"),
    }
    result, findings = run(policies, tmp_path, files)
    assert (result.status.value, findings) == ("pass", {})
    result, findings = run(policies, tmp_path, files, {"require_startup_probe": True})
    assert findings == {
        "k8s/deploy.yaml:9": "Deployment orders: container `api` has no startupProbe"
    }


def test_pass_lists_its_evidence(policies, tmp_path):
    files = {
        "src/orders/api.py": FASTAPI_APP,
        "Dockerfile": "FROM python:3.12-slim\nHEALTHCHECK CMD curl -f http://localhost:8000/healthz\n",
        "k8s/deploy.yaml": DEPLOYMENT.replace("/ready,", "/healthz,"),
    }
    result, findings = run(policies, tmp_path, files)
    assert findings == {}
    assert result.status.value == "pass"
    assert result.evidence == (
        "orders.api:app: health route /healthz at src/orders/api.py:6",
        "Dockerfile:2: HEALTHCHECK (/healthz)",
        "k8s/deploy.yaml:9: Deployment orders/api: livenessProbe /healthz, readinessProbe /healthz",
    )


def test_custom_health_paths(policies, tmp_path):
    app = FASTAPI_APP.replace("/healthz", "/_alive")
    result, findings = run(policies, tmp_path, {"src/orders/api.py": app})
    assert findings == {
        "src/orders/api.py:3": "orders.api:app (fastapi) serves no health route; add one such as "
        "GET /healthz (liveness) and GET /readyz (readiness)"
    }
    result, findings = run(
        policies, tmp_path, {"src/orders/api.py": app}, {"health_paths": ["/_alive"]}
    )
    assert (result.status.value, findings) == ("pass", {})


@pytest.mark.parametrize(
    ("path", "code", "line"),
    [
        (
            "app.py",
            "from flask import Flask\napp = Flask(__name__)\n\n@app.route('/orders')\n"
            "def orders():\n    return []\n",
            2,
        ),
        (
            "server.py",
            "from aiohttp import web\napp = web.Application()\n"
            "app.router.add_get('/orders', handler)\n",
            2,
        ),
        ("main.go", 'package main\n\nimport "github.com/labstack/echo/v4"\n\nfunc main() {\n'
         '\te := echo.New()\n\te.GET("/orders", list)\n}\n', 6),
        ("src/index.ts", 'import Fastify from "fastify";\nconst app = Fastify();\n'
         'app.get("/orders", async () => []);\n', 2),
    ],
)
def test_apps_without_health_route_are_found(policies, tmp_path, path, code, line):
    result, findings = run(policies, tmp_path, {path: code})
    assert result.status.value == "fail"
    assert list(findings) == [f"{path}:{line}"]


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("app.py", "from flask import Flask\napp = Flask(__name__)\n\n@app.get('/ping')\n"
         "def ping():\n    return 'pong'\n"),
        ("shop/urls.py", "from django.urls import path\nurlpatterns = [path('healthz/', h)]\n"),
        ("server.py", "from aiohttp import web\napp = web.Application()\n"
         "app.router.add_route('GET', '/health', h)\n"),
        ("main.go", 'package main\n\nimport "github.com/go-chi/chi/v5"\n\nfunc main() {\n'
         '\tr := chi.NewRouter()\n\tr.Get("/livez", live)\n}\n'),
        ("grpc_server.py", "import grpc\nfrom grpc_health.v1 import health, health_pb2_grpc\n"
         "server = grpc.server(pool)\n"
         "health_pb2_grpc.add_HealthServicer_to_server(health.HealthServicer(), server)\n"),
    ],
)
def test_health_routes_are_found_in_each_framework(policies, tmp_path, path, code):
    result, findings = run(policies, tmp_path, {path: code})
    assert (result.status.value, findings) == ("pass", {})


def test_compose_service_inherits_the_dockerfile_check_but_not_none(policies, tmp_path):
    compose = "services:\n  api:\n    build: ./api\n    ports: ['80:80']\n"
    files = {"compose.yaml": compose, "api/Dockerfile": "FROM nginx:1.27\nHEALTHCHECK NONE\n"}
    _, findings = run(policies, tmp_path, files)
    # one gap, one finding: at the Dockerfile, whose HEALTHCHECK the service runs
    assert set(findings) == {"api/Dockerfile:2"}
    files["api/Dockerfile"] = "FROM nginx:1.27\nHEALTHCHECK CMD curl -f http://localhost/\n"
    result, findings = run(policies, tmp_path, files)
    assert (result.status.value, findings) == ("pass", {})


def test_helm_template_is_skipped_with_a_note_not_a_parse_error(policies, tmp_path):
    files = {
        "chart/templates/deploy.yaml": "kind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n"
        "spec:\n  template:\n    spec:\n      containers:\n"
        "      {{- toYaml .Values.c | nindent 8 }}\n",
        "Dockerfile": "FROM alpine:3.20\nHEALTHCHECK CMD true\n",
    }
    write_tree(tmp_path, files)
    report = audit_rule(policies, tmp_path, RULE)
    result = next(r for r in report.rules if r.id == RULE)
    assert result.status.value == "pass"
    assert "skipped chart/templates/deploy.yaml: Helm template that is not plain YAML" in (
        result.evidence
    )
    assert [f for f in report.findings if f.rule == "parse-error"] == []


def test_tests_and_devcontainers_are_not_services(policies, tmp_path):
    files = {
        "tests/fixtures/Dockerfile": "FROM alpine\n",
        ".devcontainer/Dockerfile": "FROM mcr.microsoft.com/devcontainers/python:3.12\n",
    }
    result, findings = run(policies, tmp_path, files)
    assert (result.status.value, findings) == ("not_applicable", {})


def test_the_legacy_sample_names_each_missing_piece(policies):
    report = audit_rule(policies, SAMPLES / "legacy-service", RULE)
    got = {f"{f.path}:{f.line}": f.message for f in report.findings if f.rule == RULE}
    assert got["k8s/app.yaml:17"] == "Deployment orders: container `web` has no readinessProbe"
    assert got["k8s/app.yaml:19"] == "livenessProbe path /health is not a route of orders.app:app"
    assert got["Dockerfile:6"].startswith("HEALTHCHECK NONE")


def test_the_compliant_sample_passes_with_evidence(policies):
    report = audit_rule(policies, SAMPLES / "compliant-service", RULE)
    result = next(r for r in report.rules if r.id == RULE)
    assert result.status.value == "pass"
    # the sample's files grow; the lines are not what this asserts
    assert [re.sub(r":\d+", ":N", e) for e in result.evidence] == [
        "orders.api:app: health route /healthz at src/orders/api.py:N",
        "Dockerfile:N: HEALTHCHECK (/healthz)",
        "deploy/k8s/deployment.yaml:N: Deployment orders/api: livenessProbe /healthz, "
        "readinessProbe /readyz, startupProbe /healthz",
    ]


@pytest.mark.parametrize(
    ("routes", "path", "served"),
    [
        (["/healthz"], "/healthz", True),
        (["/healthz/"], "/healthz", True),
        (["/healthz"], "/api/v1/healthz", True),  # router mounted under a prefix
        (["/orders/{order_id}"], "/orders/7", True),
        (["/"], "/healthz", False),
        (["/healthz"], "/healthz-deep", False),
        (["/health"], "/ready", False),
    ],
)
def test_serves(routes, path, served):
    assert serves(routes, path) is served


def test_url_paths_in_health_commands():
    assert url_paths("curl -fsS http://localhost:8080/healthz?full=1 || exit 1") == ["/healthz"]
    assert url_paths("wget -qO- 127.0.0.1:8080/healthz") == ["/healthz"]
    assert url_paths("nc -z localhost 8080") == []
    assert url_paths("python -c \"urlopen('http://localhost:8000/readyz')\"") == ["/readyz"]


def test_final_stage_from_an_earlier_stage_inherits_its_healthcheck(tmp_path):
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.12 AS base\nHEALTHCHECK CMD true\nFROM base AS app\nFROM app\n"
    )
    facts = dockerfile_facts(SourceFile(tmp_path, "Dockerfile").dockerfile or [])
    assert facts is not None
    assert facts["line"] == 4
    assert facts["healthcheck"] == {"line": 2, "none": False, "paths": [], "command": "CMD true"}


def test_a_django_project_is_one_app_named_at_its_outermost_urls(policies, tmp_path):
    urls = "from django.urls import path\nurlpatterns = [path('orders/', orders)]\n"
    files = {"shop/urls.py": urls, "shop/orders/urls.py": urls, "manage.py": "import django\n"}
    _, findings = run(policies, tmp_path, files)
    assert list(findings) == ["shop/urls.py:2"]
    assert findings["shop/urls.py:2"].startswith("shop.urls.urlpatterns (django) serves no health")


def test_grpc_server_is_credited_only_through_a_program_that_builds_both(policies, tmp_path):
    """The gRPC server of internal/rpc runs in cmd/app, which also serves /healthz through
    internal/web; cmd/worker's server shares no program with a health route."""
    write_tree(
        tmp_path,
        {
            "go.mod": "module example.com/shop\n",
            "cmd/app/main.go": 'package main\n\nimport (\n\t"example.com/shop/internal/rpc"\n'
            '\t"example.com/shop/internal/web"\n)\n\nfunc main() {\n\tgo rpc.Start()\n'
            "\tweb.Serve()\n}\n",
            "internal/web/web.go": 'package web\n\nimport "net/http"\n\nfunc Serve() {\n'
            '\thttp.HandleFunc("/healthz", ok)\n\thttp.ListenAndServe(":8080", nil)\n}\n',
            "internal/rpc/rpc.go": 'package rpc\n\nimport "google.golang.org/grpc"\n\n'
            "func Start() {\n\ts := grpc.NewServer()\n\tserve(s)\n}\n",
            "cmd/worker/main.go": 'package main\n\nimport "google.golang.org/grpc"\n\n'
            "func main() {\n\ts := grpc.NewServer()\n\tserve(s)\n}\n",
        },
    )
    report = audit_rule(policies, tmp_path, "health-checks")
    got = sorted(f"{f.path}:{f.line}" for f in report.findings if f.rule == "health-checks")
    assert got == ["cmd/worker/main.go:6"]
    status = next(r for r in report.rules if r.id == "health-checks")
    assert any("same program (cmd/app)" in e for e in status.evidence)


SERVER_IMAGE = 'FROM python:3.12-slim\nCOPY . /app\nEXPOSE 8001\nCMD ["/app/serve"]\n'
MISSING = "Dockerfile:1"


def test_a_dockerfile_is_judged_only_where_docker_runs_its_image(policies, tmp_path):
    # no compose file runs the image: whoever deploys it probes with their own configuration
    result, findings = run(policies, tmp_path, {"Dockerfile": SERVER_IMAGE})
    assert (result.status.value, findings) == ("pass", {})
    assert any(
        e.startswith("Dockerfile: no HEALTHCHECK, not judged: no compose file of this repository")
        for e in result.evidence
    ), result.evidence
    # a test compose file runs a test suite: it does not count
    test_stack = {"docker-compose.test.yml": "services:\n  app:\n    build: .\n"}
    _, findings = run(policies, tmp_path, {"Dockerfile": SERVER_IMAGE, **test_stack})
    assert findings == {}
    # a service that runs a development server instead of the image's program does not count
    runserver = "services:\n  app:\n    build: .\n    command: python manage.py runserver\n"
    _, findings = run(policies, tmp_path, {"Dockerfile": SERVER_IMAGE, "compose.yaml": runserver})
    assert findings == {}
    (tmp_path / "compose.yaml").unlink()
    # a development stack is how the project runs it: judged
    dev_stack = {"docker-compose.dev.yml": "services:\n  app:\n    build: .\n"}
    _, findings = run(policies, tmp_path, {"Dockerfile": SERVER_IMAGE, **dev_stack})
    assert list(findings) == [MISSING]


@pytest.mark.parametrize(
    ("value", "reported"), [("always", True), (True, True), ("off", False), (False, False)]
)
def test_dockerfile_healthcheck_modes_and_the_old_booleans(policies, tmp_path, value, reported):
    params = {"dockerfile_healthcheck": value}
    _, findings = run(policies, tmp_path, {"Dockerfile": SERVER_IMAGE}, params)
    assert (MISSING in findings) is reported


def test_a_service_without_healthcheck_is_reported_once_at_its_dockerfile(policies, tmp_path):
    compose = (
        "x-app: &app\n  build: .\n  ports: ['8001:8001']\n"
        "services:\n  web:\n    <<: *app\n  admin:\n    <<: *app\n"
    )
    write_tree(tmp_path, {"Dockerfile": SERVER_IMAGE, "compose.yaml": compose})
    report = audit_rule(policies, tmp_path, RULE)
    found = [f for f in report.findings if f.rule == RULE]
    assert [(f.path, f.line) for f in found] == [("Dockerfile", 1)]
    assert [(r.path, r.line) for r in found[0].related] == [
        ("compose.yaml", 5),
        ("compose.yaml", 7),
    ]


def test_a_bad_dockerfile_healthcheck_value_stops_with_one_line(tmp_path, capsys):
    write_tree(
        tmp_path,
        {
            ".charter.yml": "rules: {health-checks: {params: {dockerfile_healthcheck: maybe}}}\n",
            "Dockerfile": SERVER_IMAGE,
        },
    )
    code = main(["audit", str(tmp_path), "--no-cache"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1, err
    assert f"{tmp_path / '.charter.yml'} rules.health-checks: field " in err
    assert "'params.dockerfile_healthcheck' must be one of where-docker-runs, always, off" in err


@pytest.mark.parametrize(
    ("project_file", "text"),
    [
        ("setup.py", 'from setuptools import setup\n\nsetup(name="shop.io", version="1")\n'),
        ("setup.cfg", "[metadata]\nname = shop.io\n"),
    ],
)
def test_a_compose_file_runs_this_repository_image_by_its_setup_name(
    policies, tmp_path, project_file, text
):
    compose = "services:\n  shop:\n    image: ghcr.io/acme/shop.io\n    ports: ['8001:8001']\n"
    files = {project_file: text, "Dockerfile": SERVER_IMAGE, "compose.yaml": compose}
    result, findings = run(policies, tmp_path, files)
    assert list(findings) == [MISSING]
    shown = "Dockerfile: run by compose (`shop` (compose.yaml:2)), where Docker reads HEALTHCHECK"
    assert shown in result.evidence
