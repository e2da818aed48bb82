"""Checks that the delivery files agree with each other and with the service.

The Kubernetes manifests (deploy/kubernetes), the Secret template, the LiveKit
webhook snippet, the Dockerfile and docs/operations.md all repeat facts that
live in the code: variable names (Sources/RecordingServer/Configuration), route
paths (the OpenAPI document, or the contract's routes while that file does not
exist), the port, the user id. A typo in any of them is found here, not by a
pod that crash-loops at 3 a.m.

Each `*_problems` function returns a list of sentences (empty = fine), so the
same checker runs on the real files and, in the negative tests at the bottom,
on deliberately broken copies to prove it can fail.

Run: .venv/bin/python -m pytest deploy/tests -q
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
KUSTOMIZE_DIR = ROOT / "deploy" / "kubernetes"
SECRET_TEMPLATE = KUSTOMIZE_DIR / "secret.example.yaml"
WEBHOOK_SNIPPET = ROOT / "deploy" / "livekit-webhook.yaml"
DOCKERFILE = ROOT / "Dockerfile"
OPERATIONS_GUIDE = ROOT / "docs" / "operations.md"
# The API document: wherever the server keeps it (a resource of RecordingServer,
# or a copy at the top level); the first that exists is the authority.
OPENAPI_CANDIDATES = (
    ROOT / "openapi" / "openapi.json",
    ROOT / "Sources" / "RecordingServer" / "OpenAPI" / "openapi.json",
)
CONFIGURATION_DIR = ROOT / "Sources" / "RecordingServer" / "Configuration"
PACKAGE_SWIFT = ROOT / "Package.swift"

# The contract's routes (shared DESIGN.md), used only while openapi/openapi.json
# does not exist yet; once it does, it is the authority.
CONTRACT_ROUTES = (
    "/health",
    "/ready",
    "/metrics",
    "/openapi.json",
    "/webhooks/livekit",
    "/api/recording/start",
    "/api/recording/stop",
    "/api/recording/status/{egressId}",
    "/api/recording/list",
    "/api/recording/layout",
    "/api/recording/download/{egressId}",
    "/api/recording/{egressId}",
    "/api/rooms",
    "/api/audit",
)

# Debian's runtime package for each build-time package, and for the toolchain
# modules that stay dynamic under --static-swift-stdlib (they link libcurl and
# libxml2 from the system). Measured with readelf -d on a static-stdlib build.
RUNTIME_PACKAGES = {
    "libevent-dev": {"libevent-2.1-7", "libevent-pthreads-2.1-7"},
    "libssl-dev": {"libssl3"},
    "libsqlite3-dev": {"libsqlite3-0"},
    "libpq-dev": {"libpq5"},
    "FoundationNetworking": {"libcurl4"},
    "FoundationXML": {"libxml2"},
}

NAMESPACE = "livekit"
RUN_AS_USER = 10001


# --------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------


@dataclass
class Delivery:
    """Everything under test, as plain data a negative test can mutate."""

    kustomization: dict
    resources: dict[tuple[str, str], dict]  # (kind, name) -> manifest
    secret_template: dict
    webhook_snippet: dict
    dockerfile: str
    operations_guide: str
    config_variables: set[str]
    config_defaults: dict[str, int]
    routes: list[str]
    executable_products: set[str]
    apt_providers: set[str]
    toolchain_imports: set[str]
    files_present: set[str] = field(default_factory=set)

    def one(self, kind: str) -> dict:
        found = [doc for (k, _), doc in self.resources.items() if k == kind]
        assert len(found) == 1, f"expected one {kind} in the kustomization, found {len(found)}"
        return found[0]

    def all(self, kind: str) -> list[dict]:
        return [doc for (k, _), doc in self.resources.items() if k == kind]


def yaml_documents(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc is not None]


def configuration_variables() -> set[str]:
    """Every quoted UPPER_CASE name in the configuration code: what the service reads."""
    names: set[str] = set()
    for source in sorted(CONFIGURATION_DIR.glob("*.swift")):
        names.update(re.findall(r'"([A-Z][A-Z0-9_]+)"', source.read_text(encoding="utf-8")))
    return names


def configuration_integer_defaults() -> dict[str, int]:
    """Integer defaults written as plain literals (`default: 10,`); expressions are skipped."""
    defaults: dict[str, int] = {}
    for source in sorted(CONFIGURATION_DIR.glob("*.swift")):
        for name, value in re.findall(r'"([A-Z][A-Z0-9_]+)",\s*default:\s*([0-9][0-9_]*)\s*[,)]', source.read_text(encoding="utf-8")):
            defaults[name] = int(value.replace("_", ""))
    return defaults


def openapi_document() -> Path | None:
    return next((path for path in OPENAPI_CANDIDATES if path.exists()), None)


def api_routes() -> list[str]:
    document = openapi_document()
    if document is not None:
        return sorted(json.loads(document.read_text(encoding="utf-8")).get("paths", {}))
    return list(CONTRACT_ROUTES)


def executable_products() -> set[str]:
    return set(re.findall(r'\.executable\(\s*name:\s*"([^"]+)"', PACKAGE_SWIFT.read_text(encoding="utf-8")))


def apt_providers() -> set[str]:
    """Debian build packages the systemLibrary targets name in `.apt([...])`."""
    lists = re.findall(r"\.apt\(\[([^\]]*)\]\)", PACKAGE_SWIFT.read_text(encoding="utf-8"))
    return {name for entries in lists for name in re.findall(r'"([^"]+)"', entries)}


def toolchain_imports() -> set[str]:
    """Toolchain modules with system libraries of their own, imported anywhere in Sources."""
    found: set[str] = set()
    for source in (ROOT / "Sources").rglob("*.swift"):
        found.update(re.findall(r"^\s*import\s+(FoundationNetworking|FoundationXML)\b", source.read_text(encoding="utf-8"), re.MULTILINE))
    return found


def load_delivery() -> Delivery:
    kustomization = yaml_documents(KUSTOMIZE_DIR / "kustomization.yaml")[0]
    resources: dict[tuple[str, str], dict] = {}
    for name in kustomization.get("resources", []):
        path = KUSTOMIZE_DIR / name
        if path.is_file():
            for doc in yaml_documents(path):
                resources[(doc["kind"], doc["metadata"]["name"])] = doc
    return Delivery(
        kustomization=kustomization,
        resources=resources,
        secret_template=yaml_documents(SECRET_TEMPLATE)[0],
        webhook_snippet=yaml_documents(WEBHOOK_SNIPPET)[0],
        dockerfile=DOCKERFILE.read_text(encoding="utf-8"),
        operations_guide=OPERATIONS_GUIDE.read_text(encoding="utf-8"),
        config_variables=configuration_variables(),
        config_defaults=configuration_integer_defaults(),
        routes=api_routes(),
        executable_products=executable_products(),
        apt_providers=apt_providers(),
        toolchain_imports=toolchain_imports(),
        files_present={p.name for p in KUSTOMIZE_DIR.iterdir() if p.is_file()},
    )


@pytest.fixture
def delivery() -> Delivery:
    return load_delivery()


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def container(deployment: dict) -> dict:
    return deployment["spec"]["template"]["spec"]["containers"][0]


def pod_spec(deployment: dict) -> dict:
    return deployment["spec"]["template"]["spec"]


def is_route(path: str, routes: list[str]) -> bool:
    """A concrete path matches a route; `{param}` matches one path segment."""
    for route in routes:
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(route)) + "$"
        if re.match(pattern, path):
            return True
    return False


def is_route_prefix(prefix: str, routes: list[str]) -> bool:
    prefix = prefix.rstrip("/")
    return any(route == prefix or route.startswith(prefix + "/") for route in routes)


def effective_setting(name: str, delivery: Delivery, configmap: dict) -> int:
    """What the pods get: the ConfigMap's value, else the code's default."""
    if name in configmap.get("data", {}):
        return int(configmap["data"][name])
    return delivery.config_defaults[name]


def container_port_names(deployment: dict) -> dict[str, int]:
    return {port["name"]: port["containerPort"] for port in container(deployment).get("ports", [])}


def port_resolves(port: object, deployment: dict) -> bool:
    ports = container_port_names(deployment)
    return port in ports or port in ports.values()


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", text)
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, arguments = line.partition(" ")
        result.append((instruction.upper(), arguments.strip()))
    return result


def runtime_stage(text: str) -> list[tuple[str, str]]:
    instructions = dockerfile_instructions(text)
    last_from = max(i for i, (name, _) in enumerate(instructions) if name == "FROM")
    return instructions[last_from:]


# --------------------------------------------------------------------------
# Checkers: each returns the problems it finds
# --------------------------------------------------------------------------


def kustomization_problems(delivery: Delivery) -> list[str]:
    problems = []
    listed = delivery.kustomization.get("resources", [])
    for name in listed:
        if name not in delivery.files_present:
            problems.append(f"kustomization lists {name}, which does not exist")
    if "secret.example.yaml" in listed:
        problems.append("the Secret template must not be applied by default")
    if delivery.kustomization.get("namespace") != NAMESPACE:
        problems.append(f"kustomization namespace is not {NAMESPACE}")
    kinds = {kind for kind, _ in delivery.resources}
    for needed in ("Deployment", "Service", "Ingress", "ConfigMap", "PodDisruptionBudget"):
        if needed not in kinds:
            problems.append(f"no {needed} among the kustomization's resources")
    image = container(delivery.one("Deployment"))["image"]
    if image not in {entry["name"] for entry in delivery.kustomization.get("images", [])}:
        problems.append(f"the container image {image} has no entry under images:")
    return problems


def selector_problems(delivery: Delivery) -> list[str]:
    problems = []
    deployment = delivery.one("Deployment")
    template_labels = deployment["spec"]["template"]["metadata"]["labels"]

    def selects(selector: dict, owner: str) -> None:
        if not selector:
            problems.append(f"{owner} has an empty selector")
        for key, value in selector.items():
            if template_labels.get(key) != value:
                problems.append(f"{owner} selects {key}={value}, which the pod template does not carry")

    selects(deployment["spec"]["selector"]["matchLabels"], "Deployment")
    for service in delivery.all("Service"):
        selects(service["spec"]["selector"], f"Service {service['metadata']['name']}")
    for budget in delivery.all("PodDisruptionBudget"):
        selects(budget["spec"]["selector"]["matchLabels"], f"PodDisruptionBudget {budget['metadata']['name']}")
    return problems


def service_port_problems(delivery: Delivery) -> list[str]:
    problems = []
    deployment = delivery.one("Deployment")
    ports = container_port_names(deployment)
    if ports.get("http") != 3000:
        problems.append("the container must expose port 3000 named http")
    configmap = delivery.one("ConfigMap")
    listen_port = effective_setting("PORT", delivery, configmap)
    if listen_port not in ports.values():
        problems.append(f"the service listens on PORT {listen_port}, which is not a container port")
    for service in delivery.all("Service"):
        for port in service["spec"]["ports"]:
            if not port_resolves(port.get("targetPort", port["port"]), deployment):
                problems.append(f"Service port {port.get('name')} targets {port.get('targetPort')}, not a container port")
            if port.get("name") != "http" or port["port"] != 3000:
                problems.append("the Service must offer port 3000 named http")
        if service["spec"].get("type", "ClusterIP") != "ClusterIP":
            problems.append("the Service must be ClusterIP (the Ingress is the public door)")
    return problems


def ingress_problems(delivery: Delivery) -> list[str]:
    problems = []
    services = {service["metadata"]["name"]: service for service in delivery.all("Service")}
    for ingress in delivery.all("Ingress"):
        annotations = ingress["metadata"].get("annotations", {})
        if not annotations.get("cert-manager.io/cluster-issuer"):
            problems.append("the Ingress has no cert-manager.io/cluster-issuer annotation")
        if ingress["spec"].get("ingressClassName") != "nginx":
            problems.append("the Ingress class is not nginx")
        tls_hosts = {host for tls in ingress["spec"].get("tls", []) for host in tls.get("hosts", []) if tls.get("secretName")}
        for rule in ingress["spec"]["rules"]:
            if rule.get("host") not in tls_hosts:
                problems.append(f"host {rule.get('host')} has no TLS secret")
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                service = services.get(backend["name"])
                if service is None:
                    problems.append(f"Ingress backend {backend['name']} is not a Service here")
                    continue
                offered = {p.get("name") for p in service["spec"]["ports"]} | {p["port"] for p in service["spec"]["ports"]}
                wanted = backend["port"].get("name", backend["port"].get("number"))
                if wanted not in offered:
                    problems.append(f"Ingress backend port {wanted} is not a port of Service {backend['name']}")
                exact = path.get("pathType") == "Exact"
                if exact and not is_route(path["path"], delivery.routes):
                    problems.append(f"Ingress path {path['path']} is not a route of the API")
                if not exact and not is_route_prefix(path["path"], delivery.routes):
                    problems.append(f"Ingress prefix {path['path']} covers no route of the API")
    return problems


def env_reference_problems(delivery: Delivery) -> list[str]:
    problems = []
    configmap = delivery.one("ConfigMap")
    secret = delivery.secret_template
    configmap_name, secret_name = configmap["metadata"]["name"], secret["metadata"]["name"]
    secret_keys = set(secret.get("stringData", {})) | set(secret.get("data", {}))
    spec = container(delivery.one("Deployment"))
    for source in spec.get("envFrom", []):
        if "configMapRef" in source and source["configMapRef"]["name"] != configmap_name:
            problems.append(f"envFrom names ConfigMap {source['configMapRef']['name']}, which is not defined")
        if "secretRef" in source and source["secretRef"]["name"] != secret_name:
            problems.append(f"envFrom names Secret {source['secretRef']['name']}, which the template does not define")
    for variable in spec.get("env", []):
        reference = variable.get("valueFrom", {})
        if "secretKeyRef" in reference:
            ref = reference["secretKeyRef"]
            if ref["name"] != secret_name or ref["key"] not in secret_keys:
                problems.append(f"{variable['name']} reads Secret key {ref['name']}/{ref['key']}, which the template lacks")
        if "configMapKeyRef" in reference:
            ref = reference["configMapKeyRef"]
            if ref["name"] != configmap_name or ref["key"] not in configmap.get("data", {}):
                problems.append(f"{variable['name']} reads ConfigMap key {ref['name']}/{ref['key']}, which does not exist")
    referenced = {v["valueFrom"]["secretKeyRef"]["key"] for v in spec.get("env", []) if "secretKeyRef" in v.get("valueFrom", {})}
    if not any("secretRef" in s for s in spec.get("envFrom", [])):
        for key in sorted(secret_keys - referenced):
            problems.append(f"Secret key {key} reaches no container")
    overlap = set(configmap.get("data", {})) & secret_keys
    for key in sorted(overlap):
        problems.append(f"{key} is in both the ConfigMap and the Secret")
    return problems


def env_name_problems(delivery: Delivery) -> list[str]:
    problems = []
    known = delivery.config_variables
    sources = {
        "ConfigMap": set(delivery.one("ConfigMap").get("data", {})),
        "Secret template": set(delivery.secret_template.get("stringData", {})) | set(delivery.secret_template.get("data", {})),
        "Deployment env": {v["name"] for v in container(delivery.one("Deployment")).get("env", [])},
    }
    for where, names in sources.items():
        for name in sorted(names - known):
            problems.append(f"{where} sets {name}, which the service never reads")
    return problems


def probe_problems(delivery: Delivery) -> list[str]:
    problems = []
    deployment = delivery.one("Deployment")
    spec = container(deployment)
    expected = {"startupProbe": "/health", "livenessProbe": "/health", "readinessProbe": "/ready"}
    for probe_name, wanted in expected.items():
        probe = spec.get(probe_name)
        if probe is None:
            problems.append(f"no {probe_name}")
            continue
        get = probe.get("httpGet", {})
        if get.get("path") != wanted:
            problems.append(f"{probe_name} asks {get.get('path')}, expected {wanted}")
        if not is_route(get.get("path", ""), delivery.routes):
            problems.append(f"{probe_name} path {get.get('path')} is not a route of the API")
        if not port_resolves(get.get("port"), deployment):
            problems.append(f"{probe_name} port {get.get('port')} is not a container port")
    return problems


def security_problems(delivery: Delivery) -> list[str]:
    problems = []
    deployment = delivery.one("Deployment")
    pod = pod_spec(deployment).get("securityContext", {})
    box = container(deployment).get("securityContext", {})

    def setting(name: str) -> object:
        return box.get(name, pod.get(name))

    if setting("runAsNonRoot") is not True:
        problems.append("runAsNonRoot is not true")
    if setting("runAsUser") != RUN_AS_USER:
        problems.append(f"runAsUser is not {RUN_AS_USER}")
    if box.get("readOnlyRootFilesystem") is not True:
        problems.append("readOnlyRootFilesystem is not true")
    if box.get("allowPrivilegeEscalation") is not False:
        problems.append("allowPrivilegeEscalation is not false")
    if box.get("privileged", False):
        problems.append("the container is privileged")
    if box.get("capabilities", {}).get("drop") != ["ALL"] or box.get("capabilities", {}).get("add"):
        problems.append("capabilities must drop ALL and add none")
    if (setting("seccompProfile") or {}).get("type") != "RuntimeDefault":
        problems.append("seccompProfile is not RuntimeDefault")
    volumes = {v["name"]: v for v in pod_spec(deployment).get("volumes", [])}
    for volume in volumes.values():
        if "emptyDir" not in volume:
            problems.append(f"volume {volume['name']} is not an emptyDir")
    for mount in container(deployment).get("volumeMounts", []):
        if mount["name"] not in volumes:
            problems.append(f"volumeMount {mount['name']} has no volume")
    resources = container(deployment).get("resources", {})
    for bound in ("requests", "limits"):
        for resource in ("cpu", "memory"):
            if resource not in resources.get(bound, {}):
                problems.append(f"no {bound}.{resource}")
    return problems


def rollout_problems(delivery: Delivery) -> list[str]:
    problems = []
    deployment = delivery.one("Deployment")
    replicas = deployment["spec"].get("replicas", 1)
    strategy = deployment["spec"].get("strategy", {})
    if strategy.get("type") != "RollingUpdate" or strategy.get("rollingUpdate", {}).get("maxUnavailable") != 0:
        problems.append("the rolling update must keep maxUnavailable 0")
    if replicas > 1 and not delivery.secret_template["stringData"].get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        problems.append(f"{replicas} replicas need a PostgreSQL DATABASE_URL; SQLite is one file per pod")
    for budget in delivery.all("PodDisruptionBudget"):
        if not (1 <= budget["spec"].get("minAvailable", 0) < replicas):
            problems.append("the PodDisruptionBudget must keep at least one pod and still allow one eviction")
    configmap = delivery.one("ConfigMap")
    grace = effective_setting("SHUTDOWN_GRACE_SECONDS", delivery, configmap)
    pre_stop = container(deployment).get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
    pre_stop_seconds = int(pre_stop[-1]) if pre_stop and pre_stop[0].endswith("sleep") else 0
    termination = pod_spec(deployment).get("terminationGracePeriodSeconds", 30)
    if termination <= grace + pre_stop_seconds:
        problems.append(
            f"terminationGracePeriodSeconds {termination} must exceed the preStop sleep {pre_stop_seconds} "
            f"+ SHUTDOWN_GRACE_SECONDS {grace}, or Kubernetes kills in-flight requests"
        )
    return problems


def dockerfile_problems(delivery: Delivery) -> list[str]:
    problems = []
    stage = runtime_stage(delivery.dockerfile)
    by_name: dict[str, list[str]] = {}
    for name, arguments in stage:
        by_name.setdefault(name, []).append(arguments)
    deployment = delivery.one("Deployment")
    container_ports = set(container_port_names(deployment).values())

    exposed = {int(p.split("/")[0]) for line in by_name.get("EXPOSE", []) for p in line.split()}
    if exposed != container_ports:
        problems.append(f"Dockerfile EXPOSE {sorted(exposed)} differs from the container ports {sorted(container_ports)}")

    healthcheck = " ".join(by_name.get("HEALTHCHECK", []))
    match = re.search(r"https?://[^/:\s]+:(?:\$\{PORT:-(\d+)\}|(\d+))(/[^\s\"']*)", healthcheck)
    if not match:
        problems.append("the Dockerfile has no HEALTHCHECK on an http URL")
    else:
        port, path = int(match.group(1) or match.group(2)), match.group(3)
        liveness = container(deployment)["livenessProbe"]["httpGet"]["path"]
        if port not in container_ports:
            problems.append(f"HEALTHCHECK port {port} is not the container port")
        if path != liveness:
            problems.append(f"HEALTHCHECK asks {path}, the liveness probe asks {liveness}")

    users = by_name.get("USER", [])
    if not users or users[-1].split(":")[0] != str(RUN_AS_USER):
        problems.append(f"the runtime stage does not run as USER {RUN_AS_USER}")
    if not any(re.search(r"\bLOG_FORMAT=json\b", line) for line in by_name.get("ENV", [])):
        problems.append("the image does not set LOG_FORMAT=json")
    if by_name.get("ENTRYPOINT", [""])[-1] != '["/usr/local/bin/recording-api"]':
        problems.append("the ENTRYPOINT is not /usr/local/bin/recording-api")
    if by_name.get("WORKDIR", [""])[-1] != "/var/lib/recording-api":
        problems.append("the WORKDIR (base of the default SQLite path) is not /var/lib/recording-api")

    for product in re.findall(r"--product\s+(\S+)", delivery.dockerfile):
        if product not in delivery.executable_products:
            problems.append(f"the Dockerfile builds product {product}, which Package.swift does not declare")
    if "--static-swift-stdlib" not in delivery.dockerfile:
        problems.append("the build is not --static-swift-stdlib; the slim runtime has no Swift libraries")
    return problems


def apt_installs(stage: list[tuple[str, str]]) -> set[str]:
    packages: set[str] = set()
    for name, arguments in stage:
        if name == "RUN":
            for command in re.findall(r"apt-get\s+(?:-\S+\s+)*install\s+([^&;|]*)", arguments):
                packages.update(word for word in command.split() if not word.startswith("-") and word != "\\")
    return packages


def runtime_library_problems(delivery: Delivery) -> list[str]:
    """Every C library the code links is built against and shipped; nothing unknown."""
    problems = []
    instructions = dockerfile_instructions(delivery.dockerfile)
    last_from = max(i for i, (name, _) in enumerate(instructions) if name == "FROM")
    build_installs = apt_installs(instructions[:last_from])
    runtime_installs = apt_installs(instructions[last_from:])
    for provider in sorted(delivery.apt_providers):
        if provider not in build_installs:
            problems.append(f"the build stage does not install {provider} (a systemLibrary provider)")
    for need in sorted(delivery.apt_providers | delivery.toolchain_imports):
        runtime = RUNTIME_PACKAGES.get(need)
        if runtime is None:
            problems.append(f"no runtime package known for {need}: add it to RUNTIME_PACKAGES and the Dockerfile")
            continue
        for package in sorted(runtime - runtime_installs):
            problems.append(f"the runtime stage lacks {package}, needed for {need}")
    return problems


def webhook_problems(delivery: Delivery) -> list[str]:
    problems = []
    webhook = delivery.webhook_snippet.get("webhook", {})
    if not webhook.get("api_key"):
        problems.append("the LiveKit webhook snippet has no api_key")
    service = delivery.one("Service")
    namespace = delivery.kustomization.get("namespace")
    port = service["spec"]["ports"][0]["port"]
    expected_host = f"{service['metadata']['name']}.{namespace}.svc.cluster.local:{port}"
    urls = webhook.get("urls", [])
    if not urls:
        problems.append("the LiveKit webhook snippet has no urls")
    for url in urls:
        match = re.match(r"^https?://([^/]+)(/.*)$", url)
        if not match:
            problems.append(f"webhook url {url} is not an http URL")
            continue
        if match.group(1) != expected_host:
            problems.append(f"webhook url host {match.group(1)} is not the Service ({expected_host})")
        if match.group(2) != "/webhooks/livekit" or not is_route(match.group(2), delivery.routes):
            problems.append(f"webhook url path {match.group(2)} is not the API's /webhooks/livekit")
    return problems


def documented_variables(guide: str) -> set[str]:
    """Names in backticks in the first column of the guide's Markdown tables."""
    names: set[str] = set()
    for line in guide.splitlines():
        if line.startswith("|"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", first_cell))
    return names


def documented_integer_defaults(guide: str) -> dict[str, int]:
    """`| `NAME` | `123` | ...` rows: one variable, a plain number as its default."""
    defaults: dict[str, int] = {}
    for line in guide.splitlines():
        match = re.match(r"^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|\s*`(\d+)`\s*\|", line)
        if match:
            defaults[match.group(1)] = int(match.group(2))
    return defaults


def operations_guide_problems(delivery: Delivery) -> list[str]:
    documented = documented_variables(delivery.operations_guide)
    problems = [f"{name} is read by the service but missing from docs/operations.md" for name in sorted(delivery.config_variables - documented)]
    problems += [f"docs/operations.md documents {name}, which the service never reads" for name in sorted(documented - delivery.config_variables)]
    for name, value in sorted(documented_integer_defaults(delivery.operations_guide).items()):
        if name in delivery.config_defaults and delivery.config_defaults[name] != value:
            problems.append(f"docs/operations.md gives {name} the default {value}, the code {delivery.config_defaults[name]}")
    return problems


# --------------------------------------------------------------------------
# The real files
# --------------------------------------------------------------------------


def test_every_yaml_file_parses():
    files = sorted((ROOT / "deploy").rglob("*.yaml")) + sorted((ROOT / "deploy").rglob("*.yml"))
    assert files, "no YAML under deploy/"
    for path in files:
        documents = yaml_documents(path)
        assert documents, f"{path} holds no YAML document"
        for document in documents:
            assert isinstance(document, dict), f"{path} holds a non-mapping document"


def test_the_configuration_source_names_variables():
    # Guards the regex below every other check: if the configuration code moved
    # or changed shape, the name checks would pass vacuously.
    variables = configuration_variables()
    for name in ("PORT", "LIVEKIT_URL", "LIVEKIT_API_SECRET", "S3_ENDPOINT", "DATABASE_URL", "SHUTDOWN_GRACE_SECONDS"):
        assert name in variables
    assert configuration_integer_defaults()["PORT"] == 3000


@pytest.mark.parametrize(
    "checker",
    [
        kustomization_problems,
        selector_problems,
        service_port_problems,
        ingress_problems,
        env_reference_problems,
        env_name_problems,
        probe_problems,
        security_problems,
        rollout_problems,
        dockerfile_problems,
        runtime_library_problems,
        webhook_problems,
        operations_guide_problems,
    ],
    ids=lambda checker: checker.__name__,
)
def test_delivery_is_consistent(delivery, checker):
    assert checker(delivery) == []


def test_routes_come_from_the_openapi_document_when_it_exists():
    routes = api_routes()
    document = openapi_document()
    if document is not None:
        assert routes == sorted(json.loads(document.read_text(encoding="utf-8"))["paths"])
    else:
        assert routes == list(CONTRACT_ROUTES)
    assert is_route("/health", routes) and is_route("/ready", routes)


def test_secret_template_holds_only_placeholders(delivery):
    for key, value in delivery.secret_template["stringData"].items():
        assert "REPLACE" in value, f"{key} in the template looks like a real value"


def test_kustomize_renders_everything_into_the_namespace():
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed; the structural checks above still ran")
    rendered = subprocess.run([kubectl, "kustomize", str(KUSTOMIZE_DIR)], capture_output=True, text=True, check=True).stdout
    documents = [doc for doc in yaml.safe_load_all(rendered) if doc]
    assert {doc["kind"] for doc in documents} == {"ConfigMap", "Deployment", "Service", "Ingress", "PodDisruptionBudget"}
    assert all(doc["metadata"].get("namespace") == NAMESPACE for doc in documents)
    deployment = next(doc for doc in documents if doc["kind"] == "Deployment")
    assert container(deployment)["image"].startswith("registry.example.org/recording-api:")


def test_manifests_match_the_kubernetes_schema():
    validate = pytest.importorskip("kubernetes_validate", reason="kubernetes-validate is not installed")
    for path in [KUSTOMIZE_DIR / name for name in load_delivery().kustomization["resources"]] + [SECRET_TEMPLATE]:
        for document in yaml_documents(path):
            validate.validate(document, "1.30.0", strict=True)


# --------------------------------------------------------------------------
# The checkers can fail: each breaks one fact in a copy and must be caught
# --------------------------------------------------------------------------


def _secret_ref(delivery: Delivery, key: str) -> dict:
    env = container(delivery.one("Deployment"))["env"]
    return next(v for v in env if v["name"] == key)["valueFrom"]["secretKeyRef"]


def rename_secret_key_reference(d: Delivery) -> None:
    _secret_ref(d, "LIVEKIT_API_SECRET")["key"] = "LIVEKIT_API_SECRT"


def misspell_configmap_variable(d: Delivery) -> None:
    data = d.one("ConfigMap")["data"]
    data["S3_FORCE_PATHSTYLE"] = data.pop("S3_FORCE_PATH_STYLE")


def misspell_secret_variable(d: Delivery) -> None:
    data = d.secret_template["stringData"]
    data["S3_ACCES_KEY"] = data.pop("S3_ACCESS_KEY")


def point_envfrom_at_missing_configmap(d: Delivery) -> None:
    container(d.one("Deployment"))["envFrom"][0]["configMapRef"]["name"] = "recording-api-config"


def change_service_selector(d: Delivery) -> None:
    d.one("Service")["spec"]["selector"]["app.kubernetes.io/name"] = "recordings"


def change_target_port(d: Delivery) -> None:
    d.one("Service")["spec"]["ports"][0]["targetPort"] = "web"


def point_readiness_at_unknown_path(d: Delivery) -> None:
    container(d.one("Deployment"))["readinessProbe"]["httpGet"]["path"] = "/readyz"


def allow_writes_to_root_filesystem(d: Delivery) -> None:
    container(d.one("Deployment"))["securityContext"]["readOnlyRootFilesystem"] = False


def run_as_root(d: Delivery) -> None:
    container(d.one("Deployment"))["securityContext"]["runAsUser"] = 0


def expose_another_port_in_dockerfile(d: Delivery) -> None:
    d.dockerfile = d.dockerfile.replace("EXPOSE 3000", "EXPOSE 8080")


def healthcheck_another_path(d: Delivery) -> None:
    d.dockerfile = d.dockerfile.replace("}/health", "}/healthz")


def ingress_to_unknown_port(d: Delivery) -> None:
    d.one("Ingress")["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"] = {"name": "web"}


def list_missing_file(d: Delivery) -> None:
    d.kustomization["resources"].append("networkpolicy.yaml")


def shorten_termination_grace(d: Delivery) -> None:
    pod_spec(d.one("Deployment"))["terminationGracePeriodSeconds"] = 12


def use_sqlite_with_two_replicas(d: Delivery) -> None:
    d.secret_template["stringData"]["DATABASE_URL"] = "sqlite://data/recordings.db"


def import_foundation_xml_without_libxml2(d: Delivery) -> None:
    d.toolchain_imports = d.toolchain_imports | {"FoundationXML"}
    d.dockerfile = d.dockerfile.replace(" libxml2 ", " ")


def add_a_c_library(d: Delivery) -> None:
    d.apt_providers = d.apt_providers | {"libopus-dev"}


def webhook_to_wrong_namespace(d: Delivery) -> None:
    d.webhook_snippet["webhook"]["urls"] = ["http://recording-api.default.svc.cluster.local:3000/webhooks/livekit"]


def forget_a_variable_in_the_guide(d: Delivery) -> None:
    d.operations_guide = d.operations_guide.replace("`RECORDING_RECONCILE_SECONDS`", "RECORDING_RECONCILE_SECONDS")


def document_a_wrong_default(d: Delivery) -> None:
    d.operations_guide = d.operations_guide.replace("| `RECORDING_RECONCILE_SECONDS` | `30` |", "| `RECORDING_RECONCILE_SECONDS` | `60` |")


def service_reads_a_new_variable(d: Delivery) -> None:
    d.config_variables = d.config_variables | {"RECORDING_WEBHOOK_URL"}


@pytest.mark.parametrize(
    ("mutation", "checker", "mentions"),
    [
        (rename_secret_key_reference, env_reference_problems, "LIVEKIT_API_SECRT"),
        (misspell_configmap_variable, env_name_problems, "S3_FORCE_PATHSTYLE"),
        (misspell_secret_variable, env_name_problems, "S3_ACCES_KEY"),
        (point_envfrom_at_missing_configmap, env_reference_problems, "recording-api-config"),
        (change_service_selector, selector_problems, "recordings"),
        (change_target_port, service_port_problems, "web"),
        (point_readiness_at_unknown_path, probe_problems, "/readyz"),
        (allow_writes_to_root_filesystem, security_problems, "readOnlyRootFilesystem"),
        (run_as_root, security_problems, "runAsUser"),
        (expose_another_port_in_dockerfile, dockerfile_problems, "8080"),
        (healthcheck_another_path, dockerfile_problems, "/healthz"),
        (ingress_to_unknown_port, ingress_problems, "web"),
        (list_missing_file, kustomization_problems, "networkpolicy.yaml"),
        (shorten_termination_grace, rollout_problems, "terminationGracePeriodSeconds 12"),
        (use_sqlite_with_two_replicas, rollout_problems, "PostgreSQL"),
        (import_foundation_xml_without_libxml2, runtime_library_problems, "lacks libxml2"),
        (add_a_c_library, runtime_library_problems, "libopus-dev"),
        (webhook_to_wrong_namespace, webhook_problems, "recording-api.default"),
        (forget_a_variable_in_the_guide, operations_guide_problems, "RECORDING_RECONCILE_SECONDS"),
        (service_reads_a_new_variable, operations_guide_problems, "RECORDING_WEBHOOK_URL"),
        (document_a_wrong_default, operations_guide_problems, "default 60"),
    ],
    ids=lambda value: value.__name__ if callable(value) else None,
)
def test_checker_catches_a_broken_copy(delivery, mutation, checker, mentions):
    assert checker(delivery) == [], "the real files must pass before a broken copy can prove anything"
    broken = copy.deepcopy(delivery)
    mutation(broken)
    problems = checker(broken)
    assert any(mentions in problem for problem in problems), problems
