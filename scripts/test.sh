#!/usr/bin/env bash
# Runs Flatline's whole test suite: unit, storage (SQLite and PostgreSQL) and end-to-end tests,
# the web UI's in headless Chromium. Installs what the tests need (Debian packages, the wasm32 target, the npm package of the test
# OIDC provider, the PyPI packages of the test SMTP server and of schemathesis) when it is missing, and starts a throwaway PostgreSQL server on 127.0.0.1 for
# the duration of the run. The OpenAPI fuzzing runs in a network namespace of its own
# (`unshare --net`).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || missing+=(postgresql)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
# The Alertmanager the alertmanager channel's test posts to.
[ -x /usr/bin/prometheus-alertmanager ] || missing+=(prometheus-alertmanager)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
# The DNS server the DNS-monitor tests ask (dnsmasq without its system service).
command -v dnsmasq >/dev/null 2>&1 || [ -x /usr/sbin/dnsmasq ] || missing+=(dnsmasq-base)
# `ip`, to bring up loopback in the network namespace the OpenAPI fuzzing runs in.
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || missing+=(iproute2)
python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "==> installing the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The OIDC provider the authentication tests sign in against (npm's oidc-provider, pinned by
# e2e/oidc/package-lock.json).
if [ ! -d e2e/oidc/node_modules/oidc-provider ]; then
  echo "==> installing the test OIDC provider (npm ci in e2e/oidc)"
  npm ci --prefix e2e/oidc --no-audit --no-fund --loglevel=error
fi

# The SMTP server the email notification tests deliver to (PyPI's aiosmtpd).
if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
  echo "==> installing the test SMTP server (pip install aiosmtpd)"
  python3 -m pip install --quiet --disable-pip-version-check aiosmtpd==1.4.6 2>/dev/null ||
    python3 -m pip install --quiet --disable-pip-version-check --break-system-packages aiosmtpd==1.4.6
fi

# The OpenAPI fuzzer the API contract test runs (PyPI's schemathesis, in a virtualenv of its
# own under target/).
st_version=4.32.5
st_venv=target/schemathesis
if ! "$st_venv/bin/st" --version 2>/dev/null | grep -q " $st_version\$"; then
  echo "==> installing schemathesis $st_version (pip, in $st_venv)"
  rm -rf "$st_venv"
  python3 -m venv "$st_venv"
  "$st_venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$st_version"
fi
export FLATLINE_SCHEMATHESIS="$PWD/$st_venv/bin/st"

# A private PostgreSQL on a free loopback port, removed on exit.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pg_dir=$(mktemp -d /tmp/flatline-pg.XXXXXX)
pg_port=""
for _ in $(seq 1 50); do
  candidate=$((20000 + RANDOM % 20000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then pg_port=$candidate; break; fi
done
[ -n "$pg_port" ] || { echo "no free port for PostgreSQL" >&2; exit 1; }
run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$pg_dir"
stop_pg() {
  run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap stop_pg EXIT
run_pg "$pg_bin/initdb" -D "$pg_dir/data" -U flatline --auth=trust -E UTF8 >/dev/null
run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w start \
  -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" >/dev/null
export FLATLINE_TEST_POSTGRES_URL="postgres://flatline@127.0.0.1:$pg_port/postgres"
echo "==> PostgreSQL on 127.0.0.1:$pg_port"

log="$pg_dir/cargo-test.log"
status=0
cargo test --workspace --locked "$@" 2>&1 | tee "$log" || status=$?
# One closing line for the whole run (cargo's own last line is an empty doc-test run).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed/) p += $(i-1); if ($i ~ /^failed/) f += $(i-1) } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
