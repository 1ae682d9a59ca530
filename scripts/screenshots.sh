#!/usr/bin/env bash
# make screenshots: what users see, for README.md, on fresh demo databases
# (English, then Japanese: CALLFLOW_DEMO_LANG=ja_JP), taken with Debian's
# headless Chromium by scripts/screenshots.py into docs/screenshots/<lang>/.
# CALLFLOW_SCREENSHOT_LANGS="ja_JP" takes one language only;
# CALLFLOW_SCREENSHOT_PORT (default 8369) is where the demos are served
# while they are photographed; their databases are callflow_shots_<lang>.
source "$(dirname "$0")/common.sh"

PORT="${CALLFLOW_SCREENSHOT_PORT:-8369}"
PREFIX="${CALLFLOW_SCREENSHOT_DB_PREFIX:-callflow_shots}"

ensure_postgres
ensure_python
command -v chromium >/dev/null || command -v google-chrome >/dev/null || apt_install chromium
# Japanese glyphs; without them Chromium draws empty boxes.
fc-list :lang=ja 2>/dev/null | grep -q . || apt_install fonts-noto-cjk

for lang in ${CALLFLOW_SCREENSHOT_LANGS:-en_US ja_JP}; do
    short="${lang%%_*}"
    db="${PREFIX}_$short"
    log "fresh demo database $db ($lang) on port $PORT"
    dropdb --if-exists --force "$db"
    rm -rf "$DATA_DIR/filestore/$db" "$LOCAL/demo-$db.digest"
    CALLFLOW_DEMO_LANG="$lang" CALLFLOW_DEMO_DB="$db" CALLFLOW_DEMO_PORT="$PORT" \
        CALLFLOW_DEMO_DETACH=1 CALLFLOW_WORKERS=0 "$ROOT/scripts/demo.sh"
    pid=$(cat "$LOCAL/demo-$db.pid")
    rc=0
    "$PY" "$ROOT/scripts/screenshots.py" --url "http://localhost:$PORT" --db "$db" \
        --lang "$lang" --out "$ROOT/docs/screenshots/$short" || rc=$?
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    [ "$rc" = 0 ] || die "screenshots of $db failed"
done
log "screenshots in docs/screenshots/ (shown in README.md)"
