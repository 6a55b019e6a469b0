"""Start the real MLflow server (PyPI) exactly as each rendered ModelRegistry Deployment runs it, and
ask it what the cluster would: the register step's and the probes' Host headers must be answered
(200), a Host the chart does not name must get 403 (proving the check is on).

Usage: python mlflow_host_check.py <manifest.yaml>...   (run with the venv of
scripts/requirements-mlflow-check.txt; scripts/mlflow-host-check.sh does).

For each Deployment whose container runs `mlflow server`: the container's command and args are run
as rendered, with only what cannot exist here replaced: the Secret and ConfigMap mount paths by temp
dirs (the backend store URI file holds a sqlite URI, the artifact destination is a local dir), the
`0.0.0.0` listen address by 127.0.0.1 and MLFLOW_PORT by a free port. Environment values are taken
as rendered (`value`); `valueFrom` entries are given local stand-ins. The Host headers sent are the
ones the cluster would send: every Service name of the chart (with the Service's port), the
readiness probe's httpHeaders, and the MLFLOW_TRACKING_URI of every workload in the manifests.
"""

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import yaml

EXPERIMENTS_SEARCH = "/api/2.0/mlflow/experiments/search"
FOREIGN_HOST = "rebind.attacker.example:5000"


def load(paths):
    docs = []
    for p in paths:
        with open(p) as f:
            docs.extend(d for d in yaml.safe_load_all(f) if d)
    return docs


def mlflow_deployments(docs):
    for d in docs:
        if d.get("kind") != "Deployment":
            continue
        for c in d["spec"]["template"]["spec"]["containers"]:
            if "mlflow server" in " ".join(c.get("command", []) + c.get("args", [])):
                yield d, c


def tracking_hosts(docs):
    """Host headers of MLFLOW_TRACKING_URI values anywhere in the manifests (the register step)."""
    found = set()

    def walk(x):
        if isinstance(x, dict):
            if x.get("name") == "MLFLOW_TRACKING_URI" and isinstance(x.get("value"), str):
                found.add(urllib.parse.urlsplit(x["value"]).netloc)
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(docs)
    return found


def services(docs, deployment):
    """(name, namespace, ports) of the Services selecting the Deployment's pods."""
    ns = deployment["metadata"]["namespace"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    for s in docs:
        if s.get("kind") != "Service" or s["metadata"].get("namespace") != ns:
            continue
        sel = s["spec"].get("selector") or {}
        if sel and all(labels.get(k) == v for k, v in sel.items()):
            yield s["metadata"]["name"], ns, [p["port"] for p in s["spec"]["ports"]]


def service_hosts(docs, deployment):
    """The Host headers a client in the cluster sends for those Services (every DNS form, with the port)."""
    hosts = set()
    for name, ns, ports in services(docs, deployment):
        for port in ports:
            for n in (name, f"{name}.{ns}", f"{name}.{ns}.svc", f"{name}.{ns}.svc.cluster.local"):
                hosts.add(f"{n}:{port}")
    return hosts


def own_tracking_hosts(docs, deployment):
    """The MLFLOW_TRACKING_URI hosts that name one of the Deployment's Services."""
    prefixes = [f"{name}.{ns}." for name, ns, _ in services(docs, deployment)]
    return {h for h in tracking_hosts(docs) if any(h.startswith(p) for p in prefixes)}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, path, host, method="GET", body=None):
    """(status, body start); a dropped connection (a worker restarting on a loaded machine) is retried."""
    for attempt in range(4):
        try:
            return request_once(port, path, host, method, body)
        except (ConnectionError, http.client.HTTPException):
            if attempt == 3:
                raise
            time.sleep(3)


def request_once(port, path, host, method, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, data=body)
    req.add_header("Host", host)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read(200).decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read(200).decode(errors="replace")


def start(deployment, container, work):
    """Run the container's command as rendered, with local stand-ins; return (process, port)."""
    pod = deployment["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    script = " ".join(container["args"]) if container.get("command", [])[:2] == ["/bin/sh", "-c"] else None
    if script is None:
        raise SystemExit(f"{deployment['metadata']['name']}: expected command /bin/sh -c (found {container.get('command')})")
    db = os.path.join(work, "mlflow.db")
    artifacts = os.path.join(work, "artifacts")
    os.makedirs(artifacts)
    env = {"PATH": os.environ["PATH"], "HOME": work}
    # Mounted Secrets: each key as a file holding the sqlite URI (the only Secret is the backend URI).
    for m in container.get("volumeMounts", []):
        v = volumes.get(m["name"], {})
        local = os.path.join(work, "mount-" + m["name"])
        os.makedirs(local, exist_ok=True)
        for item in (v.get("secret") or {}).get("items", []):
            with open(os.path.join(local, item["path"]), "w") as f:
                f.write(f"sqlite:///{db}")
        script = script.replace(m["mountPath"], local)
    port = free_port()
    for e in container.get("env", []):
        if "value" in e:
            env[e["name"]] = e["value"]
        elif "configMapKeyRef" in e.get("valueFrom", {}):
            env[e["name"]] = artifacts  # the artifact destination (an s3:// URI in the cluster)
    env["MLFLOW_PORT"] = str(port)
    if "--host 0.0.0.0" not in script:
        raise SystemExit(f"{deployment['metadata']['name']}: expected --host 0.0.0.0 in {script!r}")
    script = script.replace("--host 0.0.0.0", "--host 127.0.0.1")
    venv_bin = os.path.dirname(sys.executable)
    env["PATH"] = venv_bin + os.pathsep + env["PATH"]
    log = open(os.path.join(work, "server.log"), "w")
    proc = subprocess.Popen(["/bin/sh", "-c", script], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 240
    while time.time() < deadline:
        if proc.poll() is not None:
            break
        try:
            if request(port, "/health", "localhost")[0] == 200:
                return proc, port
        except OSError:
            pass
        time.sleep(1)
    stop(proc)
    with open(os.path.join(work, "server.log")) as f:
        sys.stdout.write(f.read()[-3000:])
    raise SystemExit(f"{deployment['metadata']['name']}: mlflow server did not answer /health within 240 s")


def stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def check(docs, deployment, container, work):
    name = f"{deployment['metadata']['namespace']}/{deployment['metadata']['name']}"
    problems = []
    hosts = service_hosts(docs, deployment)
    probe = container.get("readinessProbe", {}).get("httpGet", {})
    probe_hosts = {h["value"] for h in probe.get("httpHeaders", []) if h["name"].lower() == "host"}
    ours = sorted(hosts | probe_hosts | own_tracking_hosts(docs, deployment))
    proc, port = start(deployment, container, work)
    try:
        for host in ours:
            for method, path, body in (("GET", "/health", None), ("POST", EXPERIMENTS_SEARCH, b'{"max_results": 1}')):
                status, text = request(port, path, host, method, body)
                if status != 200:
                    problems.append(f"{name}: {method} {path} with Host {host}: {status} {text.strip()[:120]}")
        if probe:
            path = probe.get("path", "/")
            for host in sorted(probe_hosts) or ["(pod IP)"]:
                status, text = request(port, path, host if probe_hosts else f"127.0.0.1:{port}")
                if not 200 <= status < 400:
                    problems.append(f"{name}: readiness probe {path} with Host {host}: {status} {text.strip()[:120]}")
        # The check must be on: a Host the chart does not name is refused, on the API and on the probe.
        status, _ = request(port, EXPERIMENTS_SEARCH + "?max_results=1", FOREIGN_HOST)
        if status != 403:
            problems.append(f"{name}: GET {EXPERIMENTS_SEARCH} with the foreign Host {FOREIGN_HOST}: {status}, expected 403 (host check off?)")
        # The readiness probe must see a wrong host list: its path must be one MLflow checks.
        if probe.get("path"):
            status, _ = request(port, probe["path"], FOREIGN_HOST)
            if status != 403:
                problems.append(f"{name}: the readiness probe's path {probe['path']} answers the foreign Host {FOREIGN_HOST} with {status}: "
                                "it cannot see a host list that refuses the cluster's names")
    finally:
        stop(proc)
    print(f"{name}: {len(ours)} in-cluster Host headers answered, a foreign one refused" if not problems else f"{name}: {len(problems)} problem(s)")
    return problems


def main(paths):
    docs = load(paths)
    found = list(mlflow_deployments(docs))
    if not found:
        raise SystemExit(f"no Deployment running mlflow server in {', '.join(paths)}")
    problems = []
    for deployment, container in found:
        work = tempfile.mkdtemp(prefix="mlflow-host-check-")
        try:
            problems += check(docs, deployment, container, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    for p in problems:
        print("FAIL " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
