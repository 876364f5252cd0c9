"""The container and Kubernetes rules on the cases real repositories showed: compose override
files, development and CI stacks, images built elsewhere or from this repository's own image,
development overlays, Helm values files, singletons, one finding per cause."""

from __future__ import annotations

from pathlib import Path

from helpers import audit_rule, write_tree

from charter.models import Location

HEALTH = "health-checks"
NON_ROOT = "container-non-root"
LIMITS = "k8s-resource-limits"
CLUSTER = "k8s-cluster-policies"


def run(policies, root: Path, rule: str, files: dict[str, str], params: dict | None = None):
    write_tree(root, files)
    report = audit_rule(policies, root, rule, params)
    result = next(r for r in report.rules if r.id == rule)
    findings = {f.where: f for f in report.findings if f.rule == rule}
    return result, findings


APP = """\
from fastapi import FastAPI

app = FastAPI()


@app.get("/healthz")
def healthz() -> str:
    return "ok"
"""
#: judge every image, whoever runs it (for tests of how an image is judged, not where)
ALWAYS = {"dockerfile_healthcheck": "always"}
CHECKED = (
    "FROM python:3.12-slim\nCOPY . /app\nHEALTHCHECK CMD curl -f http://localhost:8000/healthz\n"
)


def deployment(name: str, image: str, extra: str = "") -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  template:
    spec:
      containers:
        - name: {name}
          image: {image}
{extra}"""


# --- compose ------------------------------------------------------------------------------------


def test_override_ports_make_a_base_service_judged_at_its_base_line(policies, tmp_path):
    files = {
        "app.py": APP,
        "Dockerfile": CHECKED,
        "deploy/docker-compose.yml": "services:\n  api:\n    build: ./api\n",
        "deploy/docker-compose.override.yml": "services:\n  api:\n    ports: ['80:80']\n",
        "deploy/api/Dockerfile": "FROM python:3.12-slim\nCOPY . /app\nCMD ['python', 'app.py']\n",
    }
    _, found = run(policies, tmp_path, HEALTH, files)
    assert "deploy/docker-compose.yml:2" in found
    assert found["deploy/docker-compose.yml:2"].message.startswith("compose service `api`")
    # only the -f file alone: no ports, nothing to probe
    del files["deploy/docker-compose.override.yml"]
    (tmp_path / "deploy/docker-compose.override.yml").unlink()
    _, found = run(policies, tmp_path, HEALTH, files)
    assert "deploy/docker-compose.yml:2" not in found


def test_override_healthcheck_counts_and_is_checked_where_it_is(policies, tmp_path):
    files = {
        "app.py": APP,
        "Dockerfile": CHECKED,
        "compose.yaml": "services:\n  api:\n    build: .\n    ports: ['80:80']\n",
        "compose.override.yaml": "services:\n  api:\n    healthcheck:\n"
        "      test: ['CMD', 'curl', '-f', 'http://localhost:8000/health']\n",
    }
    _, found = run(policies, tmp_path, HEALTH, files)
    assert list(found) == ["compose.override.yaml:3"]
    assert found["compose.override.yaml:3"].message == (
        "service api healthcheck path /health is not a route of app:app"
    )


def test_other_compose_files_are_stacks_of_their_own(policies, tmp_path):
    files = {
        "app.py": APP,
        "Dockerfile": CHECKED.replace("HEALTHCHECK CMD", "LABEL x=") + "CMD ['app']\n",
        "docker-compose.yml": "services:\n  api:\n    build: .\n",
        "docker-compose.prod.yml": "services:\n  api:\n    build: .\n    ports: ['80:80']\n",
    }
    _, found = run(policies, tmp_path, HEALTH, files)
    assert "docker-compose.prod.yml:2" in found
    assert "docker-compose.yml:2" not in found


def test_images_built_elsewhere_and_dev_stacks_are_not_judged(policies, tmp_path):
    files = {
        # no health route: the image is judged (an app with one leaves it to its orchestrator)
        "app.py": APP.replace('"/healthz"', '"/orders"'),
        "Dockerfile": CHECKED.replace("HEALTHCHECK CMD", "LABEL x=") + "CMD ['app']\n",
        # a vendor image: its own health check applies
        "compose.yaml": "services:\n  db:\n    image: postgres:16\n    ports: ['5432:5432']\n",
        # the source mounted into the container: a development stack
        "stack/compose.yaml": "services:\n  api:\n    build: ..\n    ports: ['80:80']\n"
        "    volumes: ['..:/app']\n",
        # a CI-only stack
        ".ci/compose.yaml": "services:\n  api:\n    build: ..\n    ports: ['80:80']\n",
    }
    _, found = run(policies, tmp_path, HEALTH, files)
    assert sorted(found) == ["Dockerfile:1", "app.py:3"]
    # without the mount, the same stack is judged: its service lacks the image's HEALTHCHECK,
    # one gap reported once, at the Dockerfile, with the service as a related place
    files["stack/compose.yaml"] = "services:\n  api:\n    build: ..\n    ports: ['80:80']\n"
    _, found = run(policies, tmp_path, HEALTH, files)
    assert sorted(found) == ["Dockerfile:1", "app.py:3"]
    assert Location(path="stack/compose.yaml", line=2) in found["Dockerfile:1"].related


def test_this_repository_image_from_a_registry_has_its_check_paths_checked(policies, tmp_path):
    files = {
        "pyproject.toml": '[project]\nname = "shop"\n',
        "app.py": APP,
        "Dockerfile": CHECKED,
        "compose.yaml": "services:\n  api:\n    image: ghcr.io/acme/shop:1\n    ports: ['80:80']\n"
        "    healthcheck:\n      test: curl -f http://localhost:8000/status\n",
    }
    _, found = run(policies, tmp_path, HEALTH, files)
    assert list(found) == ["compose.yaml:5"]


def test_a_compose_target_stage_gives_the_service_its_health_check(policies, tmp_path):
    dockerfile = (
        "FROM python:3.12-slim AS app\nCOPY . /app\n"
        "HEALTHCHECK CMD curl -f http://localhost:8000/healthz\nCMD ['app']\n"
        "FROM python:3.12 AS dev-envs\nRUN pip install debugpy\n"
    )
    files = {
        "app.py": APP,
        "Dockerfile": dockerfile,
        "compose.yaml": "services:\n  api:\n    build: {context: ., target: app}\n"
        "    ports: ['80:80']\n",
    }
    result, found = run(policies, tmp_path, HEALTH, files)
    assert found == {}
    assert any("final stage `dev-envs` is a development stage" in e for e in result.evidence)


def test_services_from_one_template_are_one_finding(policies, tmp_path):
    compose = (
        "x-app: &app\n  build: .\n  restart: always\n"
        "services:\n"
        "  alpha:\n    <<: *app\n    ports: ['8541:8541']\n"
        "  beta:\n    <<: *app\n    ports: ['8551:8551']\n"
        "  gamma:\n    build: .\n    ports: ['8561:8561']\n"
    )
    # the code serves /healthz: the image is left to whoever runs it, but compose probes only
    # what a service's healthcheck calls
    files = {
        "app.py": APP,
        "Dockerfile": "FROM rust:1\nCOPY . .\nCMD ['server']\n",
        "compose.yaml": compose,
    }
    _, found = run(policies, tmp_path, HEALTH, files)
    assert sorted(found) == ["compose.yaml:11", "compose.yaml:5"]
    assert found["compose.yaml:5"].related == (Location(path="compose.yaml", line=8),)
    assert "nor do `beta`, defined from the same template (line 1)" in (
        found["compose.yaml:5"].message
    )


# --- Dockerfiles --------------------------------------------------------------------------------


def test_an_image_built_from_this_repository_image_is_a_related_place(policies, tmp_path):
    files = {
        "pyproject.toml": '[project]\nname = "shop"\n',
        "Dockerfile": (
            "FROM python:3.12-slim\nCOPY . /app\nEXPOSE 8000\nCMD ['python', '-m', 'shop']\n"
        ),
        "docker/boltz/Dockerfile": "ARG TAG=latest\nFROM acme/shop:${TAG}\nCMD ['/run.sh']\n",
    }
    for rule in (HEALTH, NON_ROOT):
        _, found = run(policies, tmp_path, rule, files, ALWAYS if rule == HEALTH else None)
        assert list(found) == ["Dockerfile:1"], rule
        assert found["Dockerfile:1"].related == (Location(path="docker/boltz/Dockerfile", line=2),)
        assert "docker/boltz/Dockerfile:2" in found["Dockerfile:1"].message


def test_a_base_image_other_dockerfiles_build_from_is_judged_in_them(policies, tmp_path):
    files = {
        "pyproject.toml": '[project]\nname = "shop"\n',
        "docker/base/Dockerfile": "FROM ubuntu:24.04\nRUN apt-get update\n",
        "docker/prod/Dockerfile": "FROM shop/base:latest\nCOPY . /app\nEXPOSE 8000\nCMD ['app']\n",
    }
    _, found = run(policies, tmp_path, HEALTH, files, ALWAYS)
    assert list(found) == ["docker/prod/Dockerfile:1"]


def test_non_root_base_from_an_arg_and_privilege_drop(policies, tmp_path):
    files = {
        "a/Dockerfile": "ARG RUN_IMAGE=gcr.io/distroless/cc-debian12:nonroot\n"
        "FROM ${RUN_IMAGE}\nCMD ['app']\n",
        "b/Dockerfile": "FROM debian:12\nRUN apt-get install -y su-exec\nCMD ['/entry.sh']\n",
        "c/Dockerfile": "ARG BASE=python:3.12\nFROM ${BASE}\nCMD ['app']\n",
    }
    _, found = run(policies, tmp_path, NON_ROOT, files)
    assert list(found) == ["c/Dockerfile:2"]
    assert "(FROM python:3.12)" in found["c/Dockerfile:2"].message


def test_development_and_test_images_are_not_judged(policies, tmp_path):
    files = {
        "Dockerfile.dev": "FROM node:20\nCMD ['npm', 'run', 'dev']\n",
        "e2e.Dockerfile": "FROM node:20\nCMD ['npm', 'test']\n",
        "web/Dockerfile": "FROM node:20\nENV NODE_ENV development\nCMD ['/start.sh']\n",
        "features/Dockerfile": "FROM postgres:16\nUSER root\nENTRYPOINT ['/tox-wrapper.sh']\n",
        "svc/Dockerfile": "FROM node:20\nCOPY . /app\nCMD ['/opt/startup.dev.sh']\n",
    }
    for rule in (HEALTH, NON_ROOT):
        result, found = run(policies, tmp_path, rule, files)
        assert (result.status.value, found) == ("pass", {}), rule


def test_an_emulator_only_a_dev_stack_builds_is_not_judged(policies, tmp_path):
    files = {
        "src/main.go": "package main\n",
        "docker/emulator/Dockerfile": "FROM node:20\nRUN npm i -g firebase-tools\n"
        "COPY start.sh .\nCMD ['./start.sh']\n",
        "docker/emulator/start.sh": "firebase emulators:start\n",
        "docker-compose.yml": "services:\n  app:\n    image: golang:1.22\n"
        "    volumes: ['./src:/src']\n"
        "  emulator:\n    build: docker/emulator\n    ports: ['8787:8787']\n",
    }
    for rule in (HEALTH, NON_ROOT):
        _, found = run(policies, tmp_path, rule, files)
        assert found == {}, rule
    # an image with the repository's code in it is judged whoever builds it
    files["docker/emulator/Dockerfile"] = "FROM node:20\nCOPY . .\nCMD ['./start.sh']\n"
    files["docker/emulator/index.js"] = "console.log(1)\n"
    _, found = run(policies, tmp_path, NON_ROOT, files)
    assert list(found) == ["docker/emulator/Dockerfile:1"]


def test_a_vendor_image_running_its_own_program_is_not_judged(policies, tmp_path):
    files = {"grafana/Dockerfile": "FROM grafana/grafana\nADD ./dashboards /var/lib/grafana\n"}
    for rule in (HEALTH, NON_ROOT):
        result, found = run(policies, tmp_path, rule, files)
        assert found == {}, rule
        assert any(
            "runs the program of its base image grafana/grafana" in e for e in result.evidence
        )


def test_a_scratch_image_that_runs_a_shell_is_not_shell_less(policies, tmp_path):
    files = {
        "a/Dockerfile": "FROM golang:1.22 AS b\nRUN go build -o /app\nFROM scratch\n"
        "COPY --from=b /app /app\nCMD ['/app']\n",
        "b/Dockerfile": "FROM postgres:16 AS b\nFROM scratch\nCOPY --from=b / /\nEXPOSE 5432\n"
        "ENTRYPOINT ['/bin/sh', '/entrypoint.sh']\n",
    }
    _, found = run(policies, tmp_path, HEALTH, files, ALWAYS)
    assert list(found) == ["b/Dockerfile:2"]


# --- code ---------------------------------------------------------------------------------------


def test_go_routes_registered_through_a_handler_wrapper(policies, tmp_path):
    main = (
        'package main\n\nimport "net/http"\n\nfunc main() {\n'
        '\tapp.HandlerFuncNoMid(http.MethodGet, version, "/readiness", readiness)\n'
        '\tapp.HandlerFunc(http.MethodPost, version, "/healthz", create)\n'
        '\thttp.ListenAndServe(":8080", nil)\n}\n'
    )
    probe = deployment(
        "api",
        "api:1",
        "          livenessProbe: {httpGet: {path: /v1/readiness, port: 8080}}\n"
        "          readinessProbe: {httpGet: {path: /v1/healthz, port: 8080}}\n",
    )
    _, found = run(policies, tmp_path, HEALTH, {"main.go": main, "k8s/api.yaml": probe})
    # the POST route serves no probe; the GET one does, under its version prefix
    assert list(found) == ["k8s/api.yaml:11"]
    assert found["k8s/api.yaml:11"].message.startswith("readinessProbe path /v1/healthz")


def test_a_nest_application_that_never_listens_is_not_a_server(policies, tmp_path):
    seed = "const app = await NestFactory.create(SeedModule);\nawait app.get(Seeder).run();\n"
    main = "const app = await NestFactory.create(AppModule);\nawait app.listen(3000);\n"
    files = {"src/seeds/run-seed.ts": seed, "src/main.ts": main}
    _, found = run(policies, tmp_path, HEALTH, files)
    assert list(found) == ["src/main.ts:1"]


# --- Kubernetes ---------------------------------------------------------------------------------


def test_the_same_workload_in_several_files_is_one_finding(policies, tmp_path):
    files = {
        "deploy/api.yaml": deployment("api", "api:1"),
        "release/v1/api.yaml": deployment("api", "api:1"),
    }
    for rule, line in ((HEALTH, 8), (NON_ROOT, 8), (LIMITS, 8), (CLUSTER, 1)):
        _, found = run(policies, tmp_path, rule, files)
        assert list(found) == [f"deploy/api.yaml:{line}"], rule
        assert found[f"deploy/api.yaml:{line}"].related == (
            Location(path="release/v1/api.yaml", line=line),
        )


def test_vendor_image_probes_are_not_checked_against_our_routes(policies, tmp_path):
    probes = (
        "          livenessProbe: {httpGet: {path: /api/health, port: 3000}}\n"
        "          readinessProbe: {httpGet: {path: /robots.txt, port: 3000}}\n"
    )
    files = {
        "app.py": APP,
        "k8s/grafana.yaml": deployment("grafana", "grafana/grafana:11.0.0", probes),
        "k8s/api.yaml": deployment("api", "shop:1", probes),
    }
    _, found = run(policies, tmp_path, HEALTH, files)
    assert sorted(found) == ["k8s/api.yaml:10", "k8s/api.yaml:11"]


def test_a_base_only_dev_overlays_deploy_is_not_judged(policies, tmp_path):
    files = {
        "k8s/base/kustomization.yaml": "resources: [api.yaml]\n",
        "k8s/base/api.yaml": deployment("api", "api:1"),
        "k8s/dev/kustomization.yaml": "resources: [../base]\n",
        "k8s/kind/db.yaml": deployment("db", "postgres:16"),
    }
    for rule in (HEALTH, NON_ROOT, LIMITS, CLUSTER):
        _, found = run(policies, tmp_path, rule, files)
        assert found == {}, rule
    # a production overlay deploys it too: judged
    files["k8s/prod/kustomization.yaml"] = "namespace: shop\nresources: [../base]\n"
    _, found = run(policies, tmp_path, LIMITS, files)
    assert list(found) == ["k8s/base/api.yaml:8"]


def test_helm_values_with_a_kind_setting_are_not_manifests(policies, tmp_path):
    files = {
        "charts/exporter/values.yaml": "kind: Deployment\nreplicas: 1\n",
        "charts/exporter/ci/daemonset-values.yml": "kind: DaemonSet\n",
    }
    for rule in (CLUSTER, LIMITS, NON_ROOT):
        result, found = run(policies, tmp_path, rule, files)
        assert (result.status.value, found) == ("not_applicable", {}), rule


def test_no_autoscaler_for_singletons_and_the_applied_namespace(policies, tmp_path):
    recreate = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ctl}\n"
    recreate += "spec:\n  strategy: {type: Recreate}\n  template:\n    spec:\n      containers:\n"
    recreate += "        - {name: ctl, image: ctl:1}\n"
    files = {
        "kustomize/kustomization.yaml": "resources: [ctl.yaml]\n",
        "kustomize/ctl.yaml": recreate,
    }
    # a reusable base: whoever applies it chooses the namespace and its NetworkPolicies
    result, found = run(policies, tmp_path, CLUSTER, files)
    assert found == {}
    assert any("needs no autoscaler: its Recreate strategy" in e for e in result.evidence)
    assert any("NetworkPolicy not judged" in e and "kustomize base" in e for e in result.evidence)
    # rendering it to a temporary copy (`kubectl kustomize "$TMP"`) does not apply this folder
    files[".github/workflows/e2e.yml"] = (
        "on: push\njobs:\n  e2e:\n    runs-on: ubuntu-latest\n    steps:\n"
        '      - run: kubectl kustomize "$TMP" | kubectl apply -f -\n'
    )
    _, found = run(policies, tmp_path, CLUSTER, files)
    assert found == {}
    # an Argo CD Application of this repository deploys it: judged
    argo = dict(files)
    argo["gitops/ctl.yaml"] = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: ctl}\n"
        "spec:\n  source: {repoURL: 'https://example.com/ctl.git', path: ./kustomize}\n"
    )
    _, found = run(policies, tmp_path / "argo", CLUSTER, argo)
    assert list(found) == ["kustomize/ctl.yaml:1"]
    # this repository's CI applies it: a deployment of its own, judged
    files[".github/workflows/deploy.yml"] = (
        "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: kubectl apply -k kustomize\n"
    )
    result, found = run(policies, tmp_path, CLUSTER, files)
    assert found["kustomize/ctl.yaml:1"].message == (
        "Deployment ctl: no NetworkPolicy in the namespace kustomization `kustomize` is applied to"
    )
    pvc = deployment(
        "db", "db:1", "      volumes: [{name: d, persistentVolumeClaim: {claimName: d}}]\n"
    )
    files = {
        "k8s/db.yaml": pvc.replace("metadata: {name: db}", "metadata: {name: db, namespace: x}")
    }
    files["k8s/np.yaml"] = (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata: {name: deny, namespace: x}\nspec: {podSelector: {}}\n"
    )
    result, found = run(policies, tmp_path / "pvc", CLUSTER, files)
    assert (result.status.value, found) == ("pass", {})
