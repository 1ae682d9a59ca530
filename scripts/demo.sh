#!/usr/bin/env bash
# make demo: PostgreSQL, Python + Odoo 18.0, database callflow_demo with the
# three addons and demo data, then Odoo on http://localhost:8069.
# CALLFLOW_DEMO_DETACH=1 serves in the background and returns.
# CALLFLOW_DEMO_LANG=ja_JP makes the Japanese demo: 日本語 installed, a
# company in Tokyo, admin and operator in Japanese; in a database of its own
# (callflow_demo_ja), so that both demos can exist side by side.
source "$(dirname "$0")/common.sh"

DEMO_LANG="${CALLFLOW_DEMO_LANG:-en_US}"
case "$DEMO_LANG" in
    en_US) DEFAULT_DB=callflow_demo ;;
    ja_JP) DEFAULT_DB=callflow_demo_ja ;;
    *) die "CALLFLOW_DEMO_LANG=$DEMO_LANG: the demo speaks en_US (default) or ja_JP" ;;
esac
DB="${CALLFLOW_DEMO_DB:-$DEFAULT_DB}"
PORT="${CALLFLOW_DEMO_PORT:-${CALLFLOW_PORT:-8069}}"
CONF="$LOCAL/demo-$DB.conf"

ensure_postgres
ensure_python
# Odoo prints reports (the ledger's PDF export, event badges) through
# wkhtmltopdf; without it the demo's event mail cron logs a traceback a
# minute and "Export as PDF" falls back to HTML.
command -v wkhtmltopdf >/dev/null || apt_install wkhtmltopdf
# CALLFLOW_WORKERS=4 serves as production runs: 4 HTTP worker processes and
# Odoo's websocket worker, behind nginx on $PORT, which sends /websocket to
# the websocket worker (browsers reach both through one port, and live
# notifications work).  Odoo itself then listens on $PORT+2 and $PORT+3.
WORKERS="${CALLFLOW_WORKERS:-0}"
ODOO_PORT="$PORT"
[ "$WORKERS" -gt 0 ] && ODOO_PORT=$((PORT + 2))
CALLFLOW_GEVENT_PORT=$((PORT + 3)) write_config "$CONF" "$ODOO_PORT" "$WORKERS"
if [ "$WORKERS" -gt 0 ]; then
    # Behind nginx: Odoo reads the client's address from X-Forwarded-For,
    # which nginx sets (never appends to) below.
    echo "proxy_mode = True" >> "$CONF"
fi

start_nginx() {
    apt_install nginx
    local dir="$LOCAL/nginx"
    mkdir -p "$dir/tmp"
    cat > "$dir/nginx.conf" <<NGINX
# Written by scripts/demo.sh for CALLFLOW_WORKERS > 0.
user root;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    client_max_body_size 64m;
    map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
    server {
        listen ${CALLFLOW_HTTP_INTERFACE:-127.0.0.1}:$PORT;
        proxy_read_timeout 720s;
        proxy_set_header Host \$http_host;
        proxy_set_header X-Forwarded-Host \$http_host;
        proxy_set_header X-Forwarded-For \$remote_addr;
        proxy_set_header X-Forwarded-Proto \$scheme;
        proxy_set_header X-Real-IP \$remote_addr;
        location /websocket {
            proxy_pass http://127.0.0.1:$((PORT + 3));
            proxy_http_version 1.1;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection \$connection_upgrade;
        }
        location / {
            proxy_pass http://127.0.0.1:$ODOO_PORT;
            proxy_redirect off;
        }
    }
}
NGINX
    if [ -f "$dir/nginx.pid" ] && kill -0 "$(cat "$dir/nginx.pid")" 2>/dev/null; then
        nginx -c "$dir/nginx.conf" -p "$dir" -s reload
    else
        nginx -c "$dir/nginx.conf" -p "$dir"
    fi
    log "nginx on port $PORT: / to Odoo's workers on $ODOO_PORT, /websocket to $((PORT + 3))"
}

port_rc=0
hint=""
[ "$DEMO_LANG" != en_US ] && hint="CALLFLOW_DEMO_LANG=$DEMO_LANG "
demo_port_check "$PORT" "$DB" "$hint" || port_rc=$?
if [ "$port_rc" = 3 ]; then
    echo "Open http://localhost:$PORT/web/login  (login: admin, password: admin)"
    exit 0
elif [ "$port_rc" != 0 ]; then
    exit "$port_rc"
fi

digest=$(addons_digest)
stamp="$LOCAL/demo-$DB.digest"
if ! db_exists "$DB"; then
    log "creating database $DB with the Callflow addons and demo data (a few minutes)"
    lang_opt=()
    [ "$DEMO_LANG" != en_US ] && lang_opt=(--load-language="$DEMO_LANG")
    odoo_bin -c "$CONF" -d "$DB" -i "$ADDONS" "${lang_opt[@]}" --stop-after-init --log-level=warn
    CALLFLOW_DEMO_LANG="$DEMO_LANG" CALLFLOW_DEMO_BASE_URL="http://localhost:$PORT" \
        odoo_bin shell -c "$CONF" -d "$DB" --no-http --log-level=warn < "$ROOT/scripts/demo_setup.py"
    echo "$digest" > "$stamp"
elif [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
    log "updating the Callflow addons in $DB"
    odoo_bin -c "$CONF" -d "$DB" -u "$ADDONS" -i "$ADDONS" --stop-after-init --log-level=warn
    echo "$digest" > "$stamp"
else
    log "database $DB is up to date"
fi

echo
echo "Callflow demo: http://localhost:$PORT/web/login   login: admin   password: admin"
echo "Operator:      login: operator   password: operator"
echo "Website:       http://localhost:$PORT/callflow/numbers"
echo
[ "$WORKERS" -gt 0 ] && start_nginx
# -d alone (no --db-filter) serves that one database without listing the
# server's databases on every anonymous request (a new PostgreSQL connection
# each time).
if [ "${CALLFLOW_DEMO_DETACH:-0}" = 1 ]; then
    nohup "$PY" "$ROOT/scripts/odoo-server" -c "$CONF" -d "$DB" >"$LOCAL/demo-$DB.log" 2>&1 &
    echo $! > "$LOCAL/demo-$DB.pid"  # scripts/screenshots.sh stops it by this id
    for _ in $(seq 60); do
        curl -fsS -o /dev/null "http://localhost:$PORT/web/login" 2>/dev/null && { log "serving in the background (log: $LOCAL/demo-$DB.log)"; exit 0; }
        sleep 1
    done
    die "Odoo did not answer on port $PORT; see $LOCAL/demo-$DB.log"
fi
exec "$PY" "$ROOT/scripts/odoo-server" -c "$CONF" -d "$DB"
