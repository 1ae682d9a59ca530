# shellcheck shell=bash
# Shared set-up for scripts/demo.sh and scripts/test.sh: a PostgreSQL server,
# a Python environment that can import Odoo 18.0, and an Odoo config file.
# Every step checks before it acts, so running it again only reuses.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
DATA_DIR="${CALLFLOW_DATA_DIR:-$LOCAL/data}"
# CALLFLOW_FRESH=1 rehearses a new user's machine: a throwaway venv without
# system site-packages (so an Odoo installed on this machine is invisible),
# with Odoo installed from ODOO_SRC (or upstream) by install_odoo below.
if [ "${CALLFLOW_FRESH:-0}" = 1 ]; then
    VENV="${CALLFLOW_VENV:-$ROOT/.local/fresh-venv}"
else
    VENV="${CALLFLOW_VENV:-$ROOT/.venv}"
fi
PY="$VENV/bin/python"
ADDONS="callflow_odoo,callflow_optout,callflow_sms,callflow_event"
# Odoo modules the addons stand on; the test template database holds them.
BASE_MODULES="crm,phone_validation,website,portal,website_crm,sms,website_event"
ODOO_BRANCH="18.0"
mkdir -p "$LOCAL"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*"; fi; }

apt_install() {
    local missing=()
    for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
}

# --- PostgreSQL -------------------------------------------------------------
# Use the server the standard PG* variables name; otherwise run a cluster of
# our own (Debian's postgresql binaries) in .local/pg, on its own socket/port.
ensure_postgres() {
    if [ -n "${PGHOST:-}${PGPORT:-}${PGUSER:-}" ]; then
        DB_HOST="${PGHOST:-}"; DB_PORT="${PGPORT:-5432}"; DB_USER="${PGUSER:-$(id -un)}"
        DB_PASSWORD="${PGPASSWORD:-}"
        log "using the PostgreSQL server named by PG* variables (${DB_HOST:-local socket}:$DB_PORT as $DB_USER)"
        return 0
    fi
    local pgbin
    pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$pgbin" ]; then
        apt_install postgresql
        pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    fi
    local pgdir="$LOCAL/pg"
    if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$LOCAL"; then
        # A private parent folder (e.g. /root) keeps the postgres user out:
        # keep the cluster in a folder of its own, named after this checkout.
        pgdir="/var/tmp/callflow-pg-$(printf '%s' "$ROOT" | md5sum | cut -c1-8)"
        log "the postgres user cannot reach $LOCAL; using $pgdir for the cluster"
    fi
    local sockdir="$pgdir/run"
    # A unix socket path may not exceed 107 bytes.
    if [ ${#sockdir} -gt 80 ]; then sockdir="/tmp/callflow-pg-$(printf '%s' "$ROOT" | md5sum | cut -c1-8)"; fi
    DB_HOST="$sockdir"; DB_PORT="${CALLFLOW_PGPORT:-54329}"; DB_USER="callflow"; DB_PASSWORD=""
    local run=()
    if [ "$(id -u)" = 0 ]; then run=(runuser -u postgres --); fi
    # From / so that the postgres user never has to enter our folder.
    pg_run() { (cd / && "${run[@]}" "$@"); }
    mkdir -p "$pgdir" "$sockdir"
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$pgdir" "$sockdir"
        pg_run test -w "$pgdir" || die "the postgres user cannot write $pgdir (is a parent folder private?); set PGHOST/PGPORT/PGUSER to use another server"
    fi
    if [ ! -f "$pgdir/data/PG_VERSION" ]; then
        log "creating a project-local PostgreSQL cluster in $pgdir/data"
        pg_run "$pgbin/initdb" -D "$pgdir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! pg_run "$pgbin/pg_ctl" -D "$pgdir/data" status >/dev/null 2>&1; then
        log "starting PostgreSQL on $sockdir port $DB_PORT"
        STARTED_PG="$pgdir/data"
        pg_run "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/postgres.log" -w \
            -o "-k $sockdir -p $DB_PORT -c listen_addresses='' -c fsync=off -c max_connections=200" start >/dev/null
    fi
    export PGHOST="$DB_HOST" PGPORT="$DB_PORT"
    if ! pg_run psql -h "$DB_HOST" -p "$DB_PORT" -U postgres -tAc "select 1 from pg_roles where rolname='callflow'" postgres | grep -q 1; then
        pg_run psql -q -h "$DB_HOST" -p "$DB_PORT" -U postgres -c "create role callflow login superuser" postgres
    fi
    export PGUSER="$DB_USER"
    PG_CTL="$pgbin/pg_ctl"
}

STARTED_PG=""
# Stop the cluster if this run started it (tests and benchmarks leave no
# server behind; CALLFLOW_KEEP_PG=1 keeps it for faster repeated runs).
stop_postgres_if_started() {
    if [ -n "$STARTED_PG" ] && [ "${CALLFLOW_KEEP_PG:-0}" != 1 ]; then
        (cd / && if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$PG_CTL" -D "$STARTED_PG" -m fast stop; else "$PG_CTL" -D "$STARTED_PG" -m fast stop; fi) >/dev/null 2>&1 || true
    fi
}

# --- Python and Odoo ----------------------------------------------------------
odoo_importable() { "$PY" -c "import odoo.release as r, sys; sys.exit(r.version_info[0] != 18)" 2>/dev/null; }

ensure_python() {
    if [ "${CALLFLOW_FRESH:-0}" = 1 ] && [ -z "${CALLFLOW_FRESH_KEEP:-}" ]; then
        log "CALLFLOW_FRESH=1: a throwaway Python environment in $VENV, without system site-packages"
        rm -rf "$VENV"
        python3 -m venv "$VENV"
        CALLFLOW_FRESH_KEEP=1  # one rebuild per run, even if called twice
    elif [ ! -x "$PY" ]; then
        log "creating the Python environment in $VENV"
        # System site-packages: an Odoo 18.0 already installed there is reused.
        python3 -m venv --system-site-packages "$VENV"
    fi
    ensure_pip
    ensure_setuptools
    if ! odoo_importable; then
        install_odoo
    fi
    local stamp="$VENV/.callflow-requirements"
    local want
    want=$(cat "$ROOT/requirements.txt" "$ROOT/requirements-test.txt" | md5sum)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        log "installing Python requirements"
        "$PY" -m pip install -q --disable-pip-version-check -r "$ROOT/requirements.txt" -r "$ROOT/requirements-test.txt"
        echo "$want" > "$stamp"
    fi
}

# pip 23.1 or later: Debian's python3 makes venvs with pip 23.0.1, which
# does not hand --config-settings to an editable build, so Odoo's compat
# install (install_odoo) silently became an import hook that the addons'
# site-packages/odoo folder shadows.
ensure_pip() {
    if ! "$PY" - <<'PYEOF' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(tuple(map(int, version("pip").split(".")[:2])) < (23, 1))
PYEOF
    then
        log "bringing the environment's pip to 23.1 or later"
        "$PY" -m pip install -q --disable-pip-version-check "pip>=23.1"
    fi
}

# The venv's own setuptools, in the range of scripts/pip-constraints.txt.
# Python 3.11's venv ships setuptools 65, whose pkg_resources cannot find
# distributions whose metadata folder uses today's normalised names
# (zope_interface-8.7.dist-info): gevent 22.10 resolves its plugins through
# pkg_resources at start, so Odoo's websocket worker (--workers > 0) died
# with DistributionNotFound and was restarted twice a second.  setuptools
# >= 70 reads those names; below 81 it still ships pkg_resources, which
# gevent 22.10 and Odoo 18.0 import.
ensure_setuptools() {
    if ! "$PY" - <<'PYEOF' 2>/dev/null
import sys
from importlib.metadata import version
major = int(version("setuptools").split(".")[0])
sys.exit(not 70 <= major < 81)
PYEOF
    then
        log "bringing the environment's setuptools into >=70,<81"
        "$PY" -m pip install -q --disable-pip-version-check -c "$ROOT/scripts/pip-constraints.txt" "setuptools>=70"
    fi
}

# Odoo 18.0 from upstream, or from a local source tree named by ODOO_SRC.
install_odoo() {
    local src="${ODOO_SRC:-}"
    if [ -z "$src" ]; then
        src="$LOCAL/odoo-$ODOO_BRANCH"
        if [ ! -f "$src/odoo-bin" ]; then
            log "downloading Odoo $ODOO_BRANCH from upstream (set ODOO_SRC to use a local tree)"
            mkdir -p "$src"
            curl -fsSL "https://github.com/odoo/odoo/archive/refs/heads/$ODOO_BRANCH.tar.gz" \
                | tar -xz --strip-components=1 -C "$src"
        fi
    fi
    [ -f "$src/odoo-bin" ] || die "ODOO_SRC=$src is not an Odoo source tree"
    apt_install libpq-dev libldap2-dev libsasl2-dev
    log "installing Odoo from $src"
    # Odoo pins a few packages that pip builds from source on some Pythons
    # (cbor2 5.4.2 on Python < 3.12, whose setup.py imports pkg_resources).
    # pip builds each in an isolated environment with the newest setuptools,
    # which no longer ships pkg_resources, so the build fails.  PIP_CONSTRAINT
    # is the one setting that reaches pip's build environments (a -c option
    # does not), and setuptools<81 builds every pin of Odoo 18.0 on Python
    # 3.10, 3.11 and 3.12; it is set for this call only, so the project's
    # own requirements are not held back.
    PIP_CONSTRAINT="$ROOT/scripts/pip-constraints.txt" \
        "$PY" -m pip install -q --disable-pip-version-check -r "$src/requirements.txt"
    # compat mode: a regular package on sys.path, so that installing the
    # addons under site-packages/odoo/addons does not shadow it.  Newer
    # setuptools (84 here) ignore compat mode and install an import hook
    # instead, which a site-packages/odoo folder shadows: the same cap.
    PIP_CONSTRAINT="$ROOT/scripts/pip-constraints.txt" \
        "$PY" -m pip install -q --disable-pip-version-check --no-deps -e "$src" --config-settings editable_mode=compat
    odoo_importable || die "Odoo $ODOO_BRANCH is still not importable"
}

core_addons_path() {
    "$PY" - <<'PYEOF'
import os, odoo
pkg = os.path.dirname(odoo.__file__)
paths = [os.path.join(pkg, "addons")]
if not os.path.isdir(os.path.join(paths[0], "web")):
    paths.append(os.path.join(os.path.dirname(pkg), "addons"))
print(",".join(p for p in paths if os.path.isdir(p)))
PYEOF
}

# write_config FILE HTTP_PORT
# CALLFLOW_WORKERS=N serves with N HTTP worker processes plus Odoo's
# websocket (gevent) process on gevent_port, as production runs; 0 (the
# default) is Odoo's threaded server.  Tests always run threaded.
write_config() {
    local conf="$1" port="$2" workers="${3:-${CALLFLOW_WORKERS:-0}}"
    cat > "$conf" <<CONF
[options]
addons_path = $ROOT,$(core_addons_path)
data_dir = $DATA_DIR
db_host = ${DB_HOST}
db_port = ${DB_PORT}
db_user = ${DB_USER}
db_password = ${DB_PASSWORD:-False}
admin_passwd = ${CALLFLOW_MASTER_PASSWORD:-callflow-admin}
http_port = $port
http_interface = ${CALLFLOW_HTTP_INTERFACE:-127.0.0.1}
list_db = False
max_cron_threads = ${CALLFLOW_CRON_THREADS:-1}
log_level = ${CALLFLOW_LOG_LEVEL:-warn}
workers = ${workers}
gevent_port = ${CALLFLOW_GEVENT_PORT:-$(( port ? port + 3 : 8072 ))}
CONF
}

# scripts/odoo-server, not `python -m odoo`: see that file.
odoo_bin() { "$PY" "$ROOT/scripts/odoo-server" "$@"; }

db_exists() { psql -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -tAc "select 1 from pg_database where datname='$1'" postgres | grep -q 1; }

# Hash of the addons' sources: a database built from an older state is updated.
addons_digest() { (cd "$ROOT" && find callflow_odoo callflow_optout callflow_sms -type f -not -path '*/__pycache__/*' -print0 | sort -z | xargs -0 md5sum | md5sum | cut -c1-12); }

# demo_port_check PORT DB [PREFIX]: is the Odoo that answers on PORT the one serving
# DB?  Returns 0 if nothing answers (the port is free to serve on), 3 if
# DB's server answers there already, 4 if another server holds the port
# (another project's Odoo, another database, anything else), saying which
# port to use instead.  Odoo's /web/session/authenticate refuses a database
# its server does not serve ("Database not found") before checking the
# password, and names the database it logged into: with the demo's own
# login it tells the two apart without a route of ours.  PREFIX starts the
# suggested command (e.g. "CALLFLOW_DEMO_LANG=ja_JP ").
demo_port_check() {
    local port="$1" db="$2" prefix="${3:-}" reply
    curl -s -o /dev/null -m 5 "http://localhost:$port/" 2>/dev/null || return 0
    reply=$(curl -s -m 20 -H 'Content-Type: application/json' \
        --data "{\"jsonrpc\": \"2.0\", \"method\": \"call\", \"params\": {\"db\": \"$db\", \"login\": \"admin\", \"password\": \"admin\"}}" \
        "http://localhost:$port/web/session/authenticate" 2>/dev/null || true)
    if printf '%s' "$reply" | grep -q "\"db\": *\"$db\"" \
        || printf '%s' "$reply" | grep -q 'odoo.exceptions.AccessDenied'; then
        log "the Odoo server of database $db already answers on http://localhost:$port"
        return 3
    fi
    local free="" p
    for p in $(seq $((port + 10)) 10 $((port + 200))); do
        if ! curl -s -o /dev/null -m 2 "http://localhost:$p/" 2>/dev/null \
            && ! curl -s -o /dev/null -m 2 "http://localhost:$((p + 2))/" 2>/dev/null \
            && ! curl -s -o /dev/null -m 2 "http://localhost:$((p + 3))/" 2>/dev/null; then
            free="$p"
            break
        fi
    done
    printf 'error: port %s is taken by another server, not the Odoo of database %s.\n' "$port" "$db" >&2
    printf 'Serve the demo on a free port:  %sCALLFLOW_DEMO_PORT=%s make demo\n' "$prefix" "${free:-8169}" >&2
    return 4
}
