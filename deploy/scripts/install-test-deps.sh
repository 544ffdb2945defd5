#!/usr/bin/env bash
# Installs the real third-party programs the test suite drives (Debian packages).
# Idempotent; does nothing for packages already present.
set -euo pipefail
need=()
command -v mvn >/dev/null 2>&1      || need+=(maven)
command -v curl >/dev/null 2>&1     || need+=(curl)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v python3 >/dev/null 2>&1  || need+=(python3)
command -v ssh >/dev/null 2>&1      || need+=(openssh-client)
[ -x /usr/sbin/sshd ]               || need+=(openssh-server)
command -v nc >/dev/null 2>&1      || need+=(netcat-openbsd)
# TLS tests: test certificates are made with it, and s_client is the third-party TLS client.
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# The load-test peer: the tests start their own broker on a free port, never the package's service.
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
# The load balancer in front of the appliance in the PROXY protocol tests; they start their own haproxy.
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-test-deps: need root to install: ${need[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
