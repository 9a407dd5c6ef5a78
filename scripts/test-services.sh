#!/usr/bin/env bash
# Make sure the services the test suite talks to are answering on loopback: PostgreSQL (127.0.0.1:5432,
# database "test") and Redis (127.0.0.1:6379). Starts them when they are installed but stopped, installs
# them from Debian's packages when they are missing and we are root. Fails with a clear message otherwise.
set -euo pipefail

answering() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
  local port=$1 name=$2
  for _ in $(seq 1 60); do answering "$port" && return 0; sleep 0.5; done
  echo "test-services: $name is not answering on 127.0.0.1:$port" >&2
  return 1
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

apt_install() {
  if [ "$(id -u)" != 0 ] && ! sudo -n true 2>/dev/null; then
    echo "test-services: $* missing and not root; install it or start the service yourself" >&2
    return 1
  fi
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

if ! answering 5432; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then apt_install postgresql; fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_for 5432 PostgreSQL
fi
# The suite connects as postgres to database "test" without a password (trust on loopback, as on CI).
if ! psql -h 127.0.0.1 -U postgres -d test -Atc 'select 1' >/dev/null 2>&1; then
  as_root su postgres -c "createdb test" 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -d test -Atc 'select 1' >/dev/null || {
    echo "test-services: cannot connect as postgres to database test on 127.0.0.1:5432 (set PERIMETER_TEST_DATABASE_URL)" >&2
    exit 1
  }
fi

if ! answering 6379; then
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for 6379 Redis
fi
# The signing tests make X.509 certificates with the openssl command-line tool.
command -v openssl >/dev/null || apt_install openssl
# The deployment tests render deploy/kubernetes with `kubectl kustomize`; Debian's kubectl (1.20) renders it too.
command -v kubectl >/dev/null || apt_install kubernetes-client
# Tests that open pages (the evaluation report) drive Debian's Chromium through playwright-core;
# CHROMIUM_PATH names another build.
if ! { [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; } && ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
  apt_install chromium
fi
echo "test-services: PostgreSQL and Redis are answering; openssl is installed"
