#!/usr/bin/env bash
# Static checks of the deployment files: Prometheus config and rules (with their unit tests),
# systemd units, the Kubernetes kustomization and YAML syntax. Uses whichever of promtool,
# systemd-analyze, kubectl and python3 (PyYAML) are installed, and says which it skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
run() { echo "== $*"; "$@" || fail=1; }
skip() { echo "-- skipped: $1 not installed"; }

if command -v promtool >/dev/null 2>&1; then
  # The config names a credentials file that exists only on a Prometheus host.
  run promtool check config --syntax-only prometheus/prometheus.yml
  run promtool check rules prometheus/connmgr-rules.yml
  run promtool test rules prometheus/connmgr-rules.test.yml
else skip promtool; fi

if command -v systemd-analyze >/dev/null 2>&1; then
  tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
  # verify insists that ExecStart exists: point it at /bin/true in a scratch copy.
  for u in systemd/*.service; do
    name="$(basename "$u")"; name="${name/@.service/@check.service}"
    sed 's#/opt/connmgr/bin/cm#/bin/true#' "$u" > "$tmp/$name"
  done
  # verify exits 0 on most unit-file mistakes and only prints them: any output is a failure.
  echo "== systemd-analyze verify systemd/*.service"
  out="$(systemd-analyze verify "$tmp"/*.service 2>&1)" || fail=1
  [ -z "$out" ] || { echo "$out"; fail=1; }
else skip systemd-analyze; fi

if command -v kubectl >/dev/null 2>&1; then
  echo "== kubectl kustomize kubernetes"
  kubectl kustomize kubernetes >/dev/null || fail=1
else skip kubectl; fi

if python3 -c 'import yaml' 2>/dev/null; then
  echo "== YAML syntax"
  python3 - <<'PY' || fail=1
import glob, sys, yaml
bad = 0
for f in sorted(glob.glob("kubernetes/*.yaml") + glob.glob("prometheus/*.yml") + glob.glob("config/*.yaml")):
    try:
        docs = list(yaml.safe_load_all(open(f)))
        for d in docs:
            if isinstance(d, dict) and d.get("kind") == "ConfigMap":
                for k, v in d.get("data", {}).items():
                    if k.endswith((".yaml", ".yml")):
                        yaml.safe_load(v)
    except yaml.YAMLError as e:
        bad += 1
        print(f"{f}: {e}")
sys.exit(1 if bad else 0)
PY
else skip "python3 yaml"; fi

[ "$fail" -eq 0 ] && echo "deploy checks passed" || { echo "deploy checks FAILED"; exit 1; }
