#!/usr/bin/env python3
"""Static checks of Blend's deployment files; each subcommand is one CTest test (label unit).

  deploy_checks.py k8s|prometheus|dashboard|compose|dockerfile --repo DIR --venv DIR

  k8s         kubectl kustomize of deploy/k8s/base and overlays/example renders; the example
              passes kubernetes-validate --strict; expected kinds; every Deployment has probes on
              /healthz and /readyz, resources, a non-root read-only securityContext, scrape
              annotations on its metrics port; every BLEND_* variable is a flag of its binary;
              every Secret/ConfigMap reference resolves.
  prometheus  promtool check config / check rules / test rules; every alert has a firing and a
              not-firing test; every metric in alerts.yml is exported (or listed as proposed).
  dashboard   Grafana dashboard: every panel has queries whose blend_* metrics are all exported
              by the services (grepped from the sources now), variables defined, provisioning
              consistent with docker-compose.yml; and the same check on a broken copy must fail.
  compose     docker-compose.yml against the compose-spec JSON schema (check-jsonschema's
              vendored copy: no Docker engine or `docker compose` plugin exists here), plus
              Blend's rules: loopback-only ports, BLEND_* variables are real flags, scrape
              targets and webhook URLs match the services' addresses.
  dockerfile  hadolint passes; the Dockerfile runs scripts/setup and the same CMake configure
              as scripts/test; the runtime user is not root.

Runs under the venv made by scripts/setup ($BLEND_CACHE/deploy-venv): it re-executes itself
there, and fails with a clear message when the venv is missing. Exit 0 = pass, 1 = failures.
"""

import argparse
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

PROPOSED_METRICS = set()  # metrics alerts may name before a service exports them
BINARIES = {
    "blend-orchestrator": "orchestrator", "blend-sms-worker": "sms-worker",
    "blend-dialer-worker": "dialer-worker", "blend-email-worker": "email-worker",
    "blend-genesys-sim": "genesys-sim",
}
# Services that talk to Kafka declare libs/bus's security flags (AddKafkaSecurityFlags).
KAFKA_SERVICES = {"orchestrator", "sms-worker", "dialer-worker", "email-worker"}
HISTOGRAM_SUFFIXES = ("_bucket", "_count", "_sum")
# The `job` label depends on each Prometheus's scrape config; Blend's own `service` label does not.
JOB_LABEL_RE = re.compile(r"\bjob\s*(=~|!~|!=|=|\))|by \([^)]*\bjob\b|labels\.job|\{\{\s*job\s*\}\}")


class Checker:
    """Collects failures instead of stopping at the first one."""

    def __init__(self):
        self.failures = []
        self.passed = 0

    def check(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failures.append(what)
        return cond

    def finish(self, name):
        for f in self.failures:
            print(f"FAIL: {f}")
        print(f"{name}: {self.passed} passed, {len(self.failures)} failed")
        return 1 if self.failures else 0


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def tool(name):
    path = shutil.which(name)
    if not path:
        raise SystemExit(f"{name} not found on PATH (kubectl ships with the machine image; "
                         f"promtool with Debian's prometheus package: run scripts/setup)")
    return path


# ---- facts grepped from the sources ---------------------------------------------------------

def source_files(repo, roots):
    for root in roots:
        for d, dirs, files in os.walk(os.path.join(repo, root)):
            dirs[:] = [x for x in dirs if x != "tests"]
            for f in files:
                if f.endswith((".cc", ".h")):
                    yield os.path.join(d, f)


def strip_comments(text):
    return re.sub(r"//[^\n]*", "", text)


def exported_metrics(repo):
    """Every "blend_*" string literal in the non-test sources of libs/ and services/."""
    names = set()
    for path in source_files(repo, ["libs", "services"]):
        with open(path, encoding="utf-8", errors="replace") as f:
            names.update(re.findall(r'"(blend_[a-z0-9_]+)"', strip_comments(f.read())))
    return names


FLAG_RE = re.compile(r'Add(?:Duration|Secret)?(?:Flag|Switch)\(\s*\w+\s*,\s*"([a-z0-9-]+)"')


def binary_flags(repo, binary):
    """Flags of a service binary: its own sources, plus libs/worker's for the workers and
    libs/bus's shared Kafka security flags for every service that talks to Kafka."""
    svc = BINARIES[binary]
    roots = [f"services/{svc}/src"] + (["libs/worker/src"] if svc.endswith("-worker") else [])
    if svc in KAFKA_SERVICES:
        roots.append("libs/bus/src")
    flags = set()
    for path in source_files(repo, roots):
        with open(path, encoding="utf-8", errors="replace") as f:
            flags.update(FLAG_RE.findall(f.read()))
    return flags


def env_flag(var):
    return var[len("BLEND_"):].lower().replace("_", "-")


def metric_family(name, exported):
    if name in exported:
        return name
    for suffix in HISTOGRAM_SUFFIXES:
        if name.endswith(suffix) and name[: -len(suffix)] in exported:
            return name[: -len(suffix)]
    return None


def unknown_metrics(expr, exported, allowed=()):
    names = set(re.findall(r"\bblend_[a-z0-9_]+", expr))
    return sorted(n for n in names if not metric_family(n, exported) and n not in allowed)


# ---- k8s ------------------------------------------------------------------------------------

def check_k8s(repo, venv, c):
    import yaml

    kubectl = tool("kubectl")
    base = run([kubectl, "kustomize", os.path.join(repo, "deploy/k8s/base")])
    c.check(base.returncode == 0, f"kubectl kustomize deploy/k8s/base: {base.stderr.strip()}")
    r = run([kubectl, "kustomize", os.path.join(repo, "deploy/k8s/overlays/example")])
    if not c.check(r.returncode == 0, f"kubectl kustomize overlays/example: {r.stderr.strip()}"):
        return
    docs = [d for d in yaml.safe_load_all(r.stdout) if d]
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(r.stdout)
    try:
        for version in ("1.37.0", "1.33.0"):
            v = run([os.path.join(venv, "bin", "kubernetes-validate"), "--strict", "--quiet",
                     "-k", version, f.name])
            c.check(v.returncode == 0, f"kubernetes-validate --strict -k {version}:\n"
                                       f"{v.stdout}{v.stderr}")
    finally:
        os.unlink(f.name)
    check_k8s_objects(repo, docs, c)


def by_kind(docs, kind):
    return {d["metadata"]["name"]: d for d in docs if d.get("kind") == kind}


def check_k8s_objects(repo, docs, c):
    deployments = by_kind(docs, "Deployment")
    hpas, pdbs = by_kind(docs, "HorizontalPodAutoscaler"), by_kind(docs, "PodDisruptionBudget")
    services = by_kind(docs, "Service")
    c.check(sorted(deployments) == ["blend-dialer-worker", "blend-email-worker",
                                    "blend-genesys-sim", "blend-orchestrator", "blend-sms-worker"],
            f"Deployments: {sorted(deployments)}")
    workers = {"blend-sms-worker", "blend-dialer-worker", "blend-email-worker"}
    c.check({h["spec"]["scaleTargetRef"]["name"] for h in hpas.values()} == workers
            and len(hpas) == 3, f"HPAs must target the three workers: {sorted(hpas)}")
    c.check(len(by_kind(docs, "ConfigMap")) == 1, "one ConfigMap (blend-config)")
    c.check(len(by_kind(docs, "Namespace")) == 1, "the example overlay creates its Namespace")
    all_flags = set().union(*(binary_flags(repo, b) for b in BINARIES))
    for var in config_values(docs):
        c.check(env_flag(var) in all_flags, f"ConfigMap blend-config: {var} is not a flag of "
                                            f"any Blend binary")
    partitions = int(config_values(docs).get("BLEND_TOPIC_PARTITIONS", "4"))
    for name, h in hpas.items():
        s = h["spec"]
        target = deployments.get(s["scaleTargetRef"]["name"], {})
        c.check("replicas" not in target.get("spec", {}),
                f"HPA {name}: its Deployment must not set replicas (kubectl apply would reset it)")
        c.check(1 <= s["minReplicas"] <= s["maxReplicas"] <= partitions,
                f"HPA {name}: replicas {s['minReplicas']}..{s['maxReplicas']} must not exceed "
                f"the {partitions} topic partitions")
    for name in deployments:
        if name == "blend-genesys-sim":
            continue  # single in-memory replica: a PDB would block node drains
        c.check(any(selects(p["spec"]["selector"], deployments[name]) for p in pdbs.values()),
                f"Deployment {name} has no PodDisruptionBudget")
    for name, dep in deployments.items():
        c.check(any(svc_selects(s, dep) for s in services.values()), f"{name} has no Service")
        check_deployment(repo, name, dep, docs, c)
        if name != "blend-genesys-sim":
            check_tls(repo, name, dep, docs, c)
    # The migration step: an init container of the orchestrator running a flag that exists.
    inits = pod_spec(deployments.get("blend-orchestrator", {})).get("initContainers", [])
    c.check(any(ic.get("command") == ["blend-orchestrator", "--migrate-only"] for ic in inits),
            "blend-orchestrator needs the init container `blend-orchestrator --migrate-only`")
    c.check("migrate-only" in binary_flags(repo, "blend-orchestrator"),
            "blend-orchestrator has no --migrate-only flag")
    for name, svc in services.items():
        targets = [d for d in deployments.values() if svc_selects(svc, d)]
        if not c.check(len(targets) == 1, f"Service {name} selects {len(targets)} Deployments"):
            continue
        ports = {p["name"] for ct in pod_spec(targets[0])["containers"] for p in ct.get("ports", [])}
        for p in svc["spec"]["ports"]:
            c.check(p["targetPort"] in ports, f"Service {name}: targetPort {p['targetPort']} "
                                              f"is not a container port name {sorted(ports)}")


def pod_spec(dep):
    return dep["spec"]["template"]["spec"]


def selects(selector, dep):
    labels = dep["spec"]["template"]["metadata"].get("labels", {})
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def svc_selects(svc, dep):
    return selects({"matchLabels": svc["spec"].get("selector", {})}, dep)


def config_values(docs):
    values = {}
    for cm in by_kind(docs, "ConfigMap").values():
        values.update(cm.get("data", {}))
    return values


def check_deployment(repo, name, dep, docs, c):
    spec = pod_spec(dep)
    annotations = dep["spec"]["template"]["metadata"].get("annotations", {})
    pod_sc = spec.get("securityContext", {})
    c.check(pod_sc.get("runAsNonRoot") is True and pod_sc.get("runAsUser", 0) != 0,
            f"{name}: pod securityContext must run as a non-root user")
    for ct in spec["containers"]:
        where = f"{name}/{ct['name']}"
        sc = ct.get("securityContext", {})
        c.check(sc.get("readOnlyRootFilesystem") is True, f"{where}: readOnlyRootFilesystem")
        c.check(sc.get("allowPrivilegeEscalation") is False, f"{where}: allowPrivilegeEscalation")
        c.check(re.fullmatch(r"ghcr\.io/blend/blend:[\w.-]+", ct.get("image", "")) is not None,
                f"{where}: image {ct.get('image')} is not ghcr.io/blend/blend:<tag>")
        res = ct.get("resources", {})
        for part in ("requests", "limits"):
            c.check({"cpu", "memory"} <= set(res.get(part, {})), f"{where}: resources.{part}")
        ports = {p["name"]: p["containerPort"] for p in ct.get("ports", [])}
        for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
            get = ct.get(probe, {}).get("httpGet", {})
            c.check(get.get("path") == path and get.get("port") == "metrics",
                    f"{where}: {probe} must GET {path} on the metrics port, got {get}")
        metrics_port = ports.get("metrics")
        c.check(annotations.get("prometheus.io/scrape") == "true"
                and annotations.get("prometheus.io/port") == str(metrics_port),
                f"{where}: prometheus.io annotations must point at the metrics port {metrics_port}")
        check_container_env(repo, where, ct, metrics_port, docs, c)


def check_container_env(repo, where, ct, metrics_port, docs, c):
    binary = (ct.get("command") or [""])[0]
    if not c.check(binary in BINARIES, f"{where}: command {ct.get('command')} is not a Blend binary"):
        return
    flags = binary_flags(repo, binary)
    env = {e["name"]: e for e in ct.get("env", [])}
    for var in env:
        if var.startswith("BLEND_"):
            c.check(env_flag(var) in flags, f"{where}: {var} is not a flag of {binary}")
    addr = env.get("BLEND_METRICS_ADDR", {}).get("value", "")
    c.check(addr == f"0.0.0.0:{metrics_port}",
            f"{where}: BLEND_METRICS_ADDR={addr!r} must listen on 0.0.0.0:{metrics_port}")
    secrets = {n: set(s.get("data", {})) for n, s in by_kind(docs, "Secret").items()}
    configmaps = by_kind(docs, "ConfigMap")
    for e in env.values():
        ref = e.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            c.check(ref["key"] in secrets.get(ref["name"], set()),
                    f"{where}: {e['name']} refers to missing Secret key {ref['name']}/{ref['key']}")
    for src in ct.get("envFrom", []):
        name = src.get("configMapRef", {}).get("name")
        c.check(name in configmaps, f"{where}: envFrom ConfigMap {name} does not exist")


# Flags whose value is a file the service reads at start: each must come from a mounted Secret.
FILE_FLAGS = ("BLEND_TLS_CERT_FILE", "BLEND_TLS_KEY_FILE", "BLEND_TLS_CLIENT_CA_FILE",
              "BLEND_ORCHESTRATOR_CA_FILE", "BLEND_ORCHESTRATOR_CERT_FILE",
              "BLEND_ORCHESTRATOR_KEY_FILE", "BLEND_KAFKA_CA_FILE", "BLEND_KAFKA_CERT_FILE",
              "BLEND_KAFKA_KEY_FILE", "BLEND_KAFKA_SASL_PASSWORD_FILE")


def container_env(ct, docs):
    """The container's BLEND_* settings: blend-config values overlaid by its own env (a value,
    or True for one taken from a Secret)."""
    env = dict(config_values(docs)) if ct.get("envFrom") else {}
    for e in ct.get("env", []):
        env[e["name"]] = e.get("value", True)
    return env


def check_tls(repo, name, dep, docs, c):
    """TLS is on: tokens cross the network only inside TLS (the services refuse otherwise),
    Kafka is reached over SSL or SASL_SSL, and every certificate, key and password file is a
    key of a Secret mounted at that path."""
    spec = pod_spec(dep)
    secrets = {n: set(s.get("data", {})) for n, s in by_kind(docs, "Secret").items()}
    volumes = {v["name"]: v.get("secret", {}).get("secretName") for v in spec.get("volumes", [])}
    for ct in spec["containers"]:
        where = f"{name}/{ct['name']}"
        binary = (ct.get("command") or [""])[0]
        flags = binary_flags(repo, binary) if binary in BINARIES else set()
        env = container_env(ct, docs)
        protocol = env.get("BLEND_KAFKA_SECURITY_PROTOCOL")
        c.check(protocol in ("SSL", "SASL_SSL"),
                f"{where}: BLEND_KAFKA_SECURITY_PROTOCOL={protocol!r}, expected SSL or SASL_SSL")
        if binary == "blend-orchestrator":
            c.check("BLEND_API_TOKENS" in env or "BLEND_API_TOKENS_FILE" in env,
                    f"{where}: the orchestrator needs API tokens on a routable address")
            c.check("BLEND_TLS_CERT_FILE" in env and "BLEND_TLS_KEY_FILE" in env,
                    f"{where}: API tokens without BLEND_TLS_CERT_FILE/BLEND_TLS_KEY_FILE: the "
                    f"orchestrator refuses to start")
        else:
            c.check("BLEND_ORCHESTRATOR_CA_FILE" in env or env.get("BLEND_ORCHESTRATOR_TLS") == "true",
                    f"{where}: BLEND_ORCHESTRATOR_TOKEN without BLEND_ORCHESTRATOR_CA_FILE: the "
                    f"worker refuses to start")
        for var in FILE_FLAGS:
            path = env.get(var)
            if not isinstance(path, str) or env_flag(var) not in flags:
                continue
            mounts = [m for m in ct.get("volumeMounts", [])
                      if path.startswith(m["mountPath"].rstrip("/") + "/")]
            secret = volumes.get(mounts[0]["name"]) if mounts else None
            key = path[len(mounts[0]["mountPath"].rstrip("/")) + 1:] if mounts else None
            c.check(secret is not None and key in secrets.get(secret, set()),
                    f"{where}: {var}={path} is not a key of a mounted Secret")


# ---- prometheus -----------------------------------------------------------------------------

def check_prometheus(repo, venv, c):
    import yaml

    promtool = tool("promtool")
    src = os.path.join(repo, "deploy/prometheus")
    with tempfile.TemporaryDirectory() as tmp:  # promtool resolves rule_files beside the config
        for f in ("prometheus.yml", "alerts.yml", "alerts_test.yml"):
            shutil.copy(os.path.join(src, f), tmp)
        for args in (["check", "config", "prometheus.yml"], ["check", "rules", "alerts.yml"],
                     ["test", "rules", "alerts_test.yml"]):
            r = run([promtool] + args, cwd=tmp)
            c.check(r.returncode == 0, f"promtool {' '.join(args)}:\n{r.stdout}{r.stderr}")
    with open(os.path.join(src, "alerts.yml"), encoding="utf-8") as f:
        rules = [r for g in yaml.safe_load(f)["groups"] for r in g["rules"]]
    with open(os.path.join(src, "alerts_test.yml"), encoding="utf-8") as f:
        tests = yaml.safe_load(f)["tests"]
    check_alert_rules(rules, tests, exported_metrics(repo), c)


def check_alert_rules(rules, tests, exported, c):
    firing, quiet = set(), set()
    for t in tests:
        for a in t.get("alert_rule_test", []):
            (firing if a.get("exp_alerts") else quiet).add(a["alertname"])
    for rule in rules:
        name = rule.get("alert") or rule.get("record")
        missing = unknown_metrics(rule["expr"], exported, PROPOSED_METRICS)
        c.check(not missing, f"alert {name}: metrics not exported by any service: {missing}")
        c.check(name in firing, f"alert {name}: no alerts_test.yml case where it fires")
        c.check(name in quiet, f"alert {name}: no alerts_test.yml case where it must not fire")
        c.check(rule.get("labels", {}).get("severity") in ("critical", "warning", "info"),
                f"alert {name}: severity label")
        c.check(not JOB_LABEL_RE.search(rule["expr"] + json.dumps(rule.get("annotations", {}))),
                f"alert {name}: uses the `job` label; group by `service` (job names differ "
                f"between compose, scripts/demo and Kubernetes)")


# ---- dashboard ------------------------------------------------------------------------------

GRAFANA_BUILTINS = {"__rate_interval", "__interval", "__interval_ms", "__range", "__range_s",
                    "__range_ms", "__dashboard", "__from", "__to"}


def dashboard_problems(dash, exported):
    """Returns a list of problems of a Grafana dashboard (empty = good)."""
    problems = []
    variables = {v["name"] for v in dash.get("templating", {}).get("list", [])}
    for v in dash.get("templating", {}).get("list", []):
        q = v.get("query")
        q = q.get("query", "") if isinstance(q, dict) else str(q or "")
        if v.get("type") == "query":
            for m in unknown_metrics(q, exported):
                problems.append(f"variable {v['name']}: unknown metric {m}")
    ids = []
    for p in iter_panels(dash.get("panels", [])):
        ids.append(p.get("id"))
        if p.get("type") == "row":
            continue
        title = f"panel {p.get('title')!r}"
        exprs = [t.get("expr", "") for t in p.get("targets", []) if t.get("expr")]
        if not exprs:
            problems.append(f"{title}: no query")
        for expr in exprs:
            if JOB_LABEL_RE.search(expr + json.dumps([t.get("legendFormat", "") for t in p["targets"]])):
                problems.append(f"{title}: uses the `job` label; use `service`")
            for m in unknown_metrics(expr, exported):
                problems.append(f"{title}: metric {m} is not exported by any service")
            if not re.search(r"\bblend_|\bup\b", expr):
                problems.append(f"{title}: query uses no Blend metric: {expr}")
            for var in re.findall(r"\$\{?(\w+)", expr):
                if var not in variables and var not in GRAFANA_BUILTINS:
                    problems.append(f"{title}: undefined variable ${var}")
        ds = (p.get("datasource") or {}).get("uid")
        if ds != "${datasource}":
            problems.append(f"{title}: datasource must be the $datasource variable, got {ds}")
    if len(ids) != len(set(ids)):
        problems.append(f"panel ids are not unique: {ids}")
    return problems


def iter_panels(panels):
    for p in panels or []:
        yield p
        yield from iter_panels(p.get("panels"))


def check_dashboard(repo, venv, c):
    import yaml

    exported = exported_metrics(repo)
    c.check(len(exported) > 20, f"found only {len(exported)} exported metric names in the sources")
    with open(os.path.join(repo, "deploy/grafana/dashboards/blend.json"), encoding="utf-8") as f:
        dash = json.load(f)
    for problem in dashboard_problems(dash, exported):
        c.check(False, f"blend.json: {problem}")
    titles = " | ".join(p.get("title", "") for p in iter_panels(dash["panels"])).lower()
    for topic in ("journeys", "channel and outcome", "quota", "429", "timer lateness",
                  "consumer lag", "dead-letter", "outbox", "services up"):
        c.check(topic in titles, f"blend.json: no panel about {topic!r}")
    # The check must be able to fail: a renamed metric and a panel without query are caught.
    broken = copy.deepcopy(dash)
    panels = [p for p in iter_panels(broken["panels"]) if p.get("targets")]
    panels[0]["targets"][0]["expr"] = "sum(rate(blend_no_such_metric_total[5m]))"
    panels[1]["targets"] = []
    problems = dashboard_problems(broken, exported)
    c.check(any("blend_no_such_metric_total" in p for p in problems)
            and any("no query" in p for p in problems),
            f"the dashboard check does not detect a broken dashboard: {problems}")
    check_grafana_provisioning(repo, yaml, c)


def check_grafana_provisioning(repo, yaml, c):
    prov = os.path.join(repo, "deploy/grafana/provisioning")
    with open(os.path.join(prov, "datasources/prometheus.yml"), encoding="utf-8") as f:
        ds = yaml.safe_load(f)["datasources"]
    c.check(any(d["type"] == "prometheus" and d["url"] == "http://prometheus:9090" for d in ds),
            "Grafana data source must point at the compose service prometheus:9090")
    with open(os.path.join(prov, "dashboards/blend.yml"), encoding="utf-8") as f:
        path = yaml.safe_load(f)["providers"][0]["options"]["path"]
    with open(os.path.join(repo, "docker-compose.yml"), encoding="utf-8") as f:
        grafana = yaml.safe_load(f)["services"]["grafana"]
    mounts = dict(v.split(":")[:2] for v in grafana["volumes"] if v.startswith("./"))
    c.check(mounts.get("./deploy/grafana/dashboards") == path,
            f"dashboard provider path {path} is not where compose mounts deploy/grafana/dashboards")
    c.check(mounts.get("./deploy/grafana/provisioning") == "/etc/grafana/provisioning",
            "compose must mount deploy/grafana/provisioning at /etc/grafana/provisioning")


# ---- compose --------------------------------------------------------------------------------

def check_compose(repo, venv, c):
    import yaml

    path = os.path.join(repo, "docker-compose.yml")
    r = run([os.path.join(venv, "bin", "check-jsonschema"), "--builtin-schema",
             "vendor.compose-spec", path])
    c.check(r.returncode == 0, f"compose-spec schema:\n{r.stdout}{r.stderr}")
    with open(path, encoding="utf-8") as f:
        services = yaml.safe_load(f)["services"]
    c.check(services.get("postgres", {}).get("image") == "postgres:15", "postgres: image postgres:15")
    c.check(services.get("kafka", {}).get("image") == "apache/kafka:4.1.1",
            "kafka: image apache/kafka:4.1.1")
    for name, svc in services.items():
        for port in svc.get("ports", []):
            c.check(str(port).startswith("127.0.0.1:"), f"{name}: port {port} not on 127.0.0.1")
    metrics_ports = {}
    for name, svc in services.items():
        binary = (svc.get("command") or [""])[0]
        if binary in BINARIES:
            metrics_ports[name] = check_compose_service(repo, name, svc, binary, c)
    c.check(set(metrics_ports) == {"orchestrator", "sms-worker", "dialer-worker", "email-worker",
                                   "genesys-sim"}, f"Blend services in compose: {sorted(metrics_ports)}")
    check_scrape_targets(repo, yaml, metrics_ports, c)
    check_webhooks(repo, services, c)


def check_compose_service(repo, name, svc, binary, c):
    c.check(svc.get("build", {}).get("dockerfile") == "Dockerfile", f"{name}: built from Dockerfile")
    flags = binary_flags(repo, binary)
    env = svc.get("environment", {})
    for var in env:
        c.check(not var.startswith("BLEND_") or env_flag(var) in flags,
                f"{name}: {var} is not a flag of {binary}")
    addr = str(env.get("BLEND_METRICS_ADDR", ""))
    c.check(addr.startswith("0.0.0.0:"), f"{name}: BLEND_METRICS_ADDR must listen on 0.0.0.0")
    port = addr.rpartition(":")[2]
    test = " ".join(svc.get("healthcheck", {}).get("test", []))
    c.check(f"/dev/tcp/127.0.0.1/{port} " in test and "/readyz" in test,
            f"{name}: healthcheck must ask /readyz on its metrics port {port}")
    return port


def check_scrape_targets(repo, yaml, metrics_ports, c):
    with open(os.path.join(repo, "deploy/prometheus/prometheus.yml"), encoding="utf-8") as f:
        jobs = {j["job_name"]: j for j in yaml.safe_load(f)["scrape_configs"]}
    for name, port in metrics_ports.items():
        configs = jobs.get(name, {}).get("static_configs", [])
        targets = [t for sc in configs for t in sc["targets"]]
        c.check(targets == [f"{name}:{port}"],
                f"prometheus.yml job {name}: targets {targets}, expected {name}:{port}")
        c.check(all(sc.get("labels", {}).get("service") == name for sc in configs),
                f"prometheus.yml job {name}: targets need the label service: {name}")


def check_webhooks(repo, services, c):
    sim_env = services["genesys-sim"]["environment"]
    dialer_port = str(services["dialer-worker"]["environment"]["BLEND_HTTP_ADDR"]).rpartition(":")[2]
    with open(os.path.join(repo, "services/dialer-worker/src/webhook.cc"), encoding="utf-8") as f:
        routes = set(re.findall(r'"(/webhooks/[a-z/-]+)"', f.read()))
    for var in ("BLEND_POSTCONTACT_WEBHOOK_URLS", "BLEND_INBOUND_SMS_WEBHOOK_URLS"):
        m = re.fullmatch(r"http://dialer-worker:(\d+)(/\S+)", str(sim_env.get(var, "")))
        c.check(m is not None and m.group(1) == dialer_port and m.group(2) in routes,
                f"genesys-sim {var}={sim_env.get(var)!r} must be a dialer-worker route "
                f"{sorted(routes)} on port {dialer_port}")


# ---- dockerfile -----------------------------------------------------------------------------

def check_dockerfile(repo, venv, c):
    r = run([os.path.join(venv, "bin", "hadolint"), "--no-color", "Dockerfile"], cwd=repo)
    c.check(r.returncode == 0, f"hadolint Dockerfile:\n{r.stdout}{r.stderr}")
    with open(os.path.join(repo, "Dockerfile"), encoding="utf-8") as f:
        dockerfile = f.read()
    with open(os.path.join(repo, "scripts/test"), encoding="utf-8") as f:
        script = f.read()
    c.check(re.search(r"^FROM debian:bookworm AS build$", dockerfile, re.M) is not None,
            "build stage FROM debian:bookworm")
    c.check(re.search(r"^FROM debian:bookworm(-slim)? AS runtime$", dockerfile, re.M) is not None,
            "runtime stage FROM debian:bookworm[-slim]")
    c.check(re.search(r"^RUN .*scripts/setup", dockerfile, re.M | re.S) is not None,
            "the build stage runs scripts/setup")
    flags = set(re.findall(r"-D\w+=\S+|-G \w+", script.split("configure()")[1].split("}")[0]))
    flags |= set(re.findall(r"configure build (-D\S+)", script))
    c.check(len(flags) >= 3, f"could not read scripts/test's configure flags: {flags}")
    cmake = " ".join(re.findall(r"cmake [^\n]*(?:\n\s+-[^\n]*)*", dockerfile))
    for flag in sorted(flags):
        c.check(flag in cmake, f"Dockerfile cmake lacks scripts/test's {flag}")
    c.check(re.search(r"^USER (?!0|root)\S+", dockerfile, re.M) is not None, "runtime USER non-root")
    with open(os.path.join(repo, ".dockerignore"), encoding="utf-8") as f:
        ignored = set(f.read().split())
    c.check({"build", "build-*", ".local", ".git"} <= ignored, ".dockerignore excludes build trees")


# ---- main -----------------------------------------------------------------------------------

CHECKS = {"k8s": check_k8s, "prometheus": check_prometheus, "dashboard": check_dashboard,
          "compose": check_compose, "dockerfile": check_dockerfile}


def enter_venv(venv):
    """Re-executes this script with the venv's Python unless it already runs there."""
    py = os.path.join(venv, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(venv):
        return
    if not os.path.exists(py):
        raise SystemExit(f"{venv} does not exist: run scripts/setup (it creates the deploy venv "
                         f"with kubernetes-validate and check-jsonschema)")
    os.execv(py, [py] + sys.argv)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("check", choices=sorted(CHECKS))
    p.add_argument("--repo", required=True)
    p.add_argument("--venv", required=True)
    args = p.parse_args()
    enter_venv(args.venv)
    c = Checker()
    CHECKS[args.check](os.path.abspath(args.repo), args.venv, c)
    return c.finish(f"deploy {args.check}")


if __name__ == "__main__":
    sys.exit(main())
