#!/usr/bin/env bash
# Production smoke test (docs/deploy.md, "Smoke test"): the production settings end to end, as deployed, on 127.0.0.1.
#   npm run build → collectstatic → migrate → demo data → gunicorn (ehssg.settings.production) → then over HTTP:
#   every public page, the static files they link (hashed names, far-future caching), sign-in and a producer page,
#   the 404 page, feeds, the API, /health/; and the 500 page from a second gunicorn whose database is not there.
# Needs what `make test` installs (.venv, node_modules), PostgreSQL and Redis on 127.0.0.1. Uses a database and two
# Redis databases of its own, which it empties first:
#   SMOKE_DATABASE_URL  postgres://postgres@127.0.0.1:5432/ehssg_smoke (dropped and created again, dropped at the end)
#   SMOKE_REDIS_URL     redis://127.0.0.1:6379/3 (cache)      SMOKE_BROKER_URL  redis://127.0.0.1:6379/2 (Celery)
# Plain HTTP on 127.0.0.1, no TLS: every request carries the headers the TLS proxy would add (X-Forwarded-Proto:
# https, X-Forwarded-For), so the real production settings run unchanged (HTTPS redirect, secure cookies, HSTS).
# Every command and request has a timeout; both gunicorns are stopped on exit. Exits 1 if any answer is wrong.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
BIN=.venv/bin
DB_URL=${SMOKE_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ehssg_smoke}
CACHE_URL=${SMOKE_REDIS_URL:-redis://127.0.0.1:6379/3}
BROKER_URL=${SMOKE_BROKER_URL:-redis://127.0.0.1:6379/2}
DEMO_PASSWORD=demo-password-2026  # sampledata/demo.py: the smoke test's own throwaway database only

for needed in "$BIN/python" "$BIN/gunicorn" node_modules/.bin/sass; do
  [[ -x $needed ]] || { echo "smoke: $needed is missing: run \`make test\` (or \`make install assets\`) first" >&2; exit 2; }
done

step() { echo "== smoke: $1 ($(( $(date +%s) - started ))s)"; }
work=$(mktemp -d)
pids=()
free_port() { "$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
database() {  # drop | create: the smoke test's own database, through the maintenance database "postgres"
  timeout 60 "$BIN/python" - "$1" "$DB_URL" <<'EOF'
import sys
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

action, url = sys.argv[1], urlsplit(sys.argv[2])
name = url.path.lstrip("/")
with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True, connect_timeout=10) as conn:
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    if action == "create":
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
EOF
}
flush_redis() {
  timeout 30 "$BIN/python" -c 'import sys, redis; [redis.Redis.from_url(u, socket_timeout=5).flushdb() for u in sys.argv[1:]]' \
    "$CACHE_URL" "$BROKER_URL"
}
cleanup() {
  local status=$?
  step "stopping"
  for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do timeout 10 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; done
  database drop >/dev/null 2>&1 || true
  flush_redis >/dev/null 2>&1 || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT=$(free_port)
BROKEN_PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
export DJANGO_SETTINGS_MODULE=ehssg.settings.production
SECRET_KEY=$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(50))')
export SECRET_KEY DATABASE_URL=$DB_URL REDIS_URL=$CACHE_URL CELERY_BROKER_URL=$BROKER_URL
export SITE_URL=https://127.0.0.1:$PORT ALLOWED_HOSTS=127.0.0.1 EHSSG_TRUSTED_PROXIES=1 STATIC_ROOT=$work/static
export LOG_FORMAT=json LOG_LEVEL=WARNING
# The Health Data Lab's demo extract and request folders in the scratch folder, pseudonymised with a throwaway key
# (production settings have no development key: docs/datalab.md).
DATALAB_PSEUDONYM_KEY=$("$BIN/python" -c 'import secrets; print(secrets.token_hex(32))')
export DATALAB_PSEUDONYM_KEY DATALAB_DATA_DIR=$work/datalab
unset DJANGO_DEBUG EHSSG_REQUIRE_SERVICES

step "npm run build"
timeout 120 npm run --silent build >/dev/null
step "collectstatic with the production settings"
timeout 120 "$BIN/python" manage.py collectstatic --no-input --verbosity 0
step "migrate a new database $(basename "$DB_URL")"
database create
flush_redis
timeout 120 "$BIN/python" manage.py migrate --no-input --verbosity 0
step "demo data"
timeout 150 "$BIN/python" manage.py demo_data --releases 40 >"$work/demo.log"

# gunicorn 27's control socket has one default path for every gunicorn of the user: ours need none.
own_socket=()
"$BIN/gunicorn" --help | grep -q -- --no-control-socket && own_socket=(--no-control-socket)
serve() {  # PORT LOG [ENV=VALUE...]: gunicorn as docs/deploy.md runs it, behind "the proxy" on 127.0.0.1
  local port=$1 log=$2
  shift 2
  env "$@" "$BIN/gunicorn" ehssg.wsgi:application --bind "127.0.0.1:$port" --workers 2 --threads 2 --timeout 30 \
    --graceful-timeout 5 --forwarded-allow-ips 127.0.0.1 --access-logfile - "${own_socket[@]}" >"$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 60); do
    curl -s -m 2 -o /dev/null "http://127.0.0.1:$port/health/" && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.5
  done
  echo "smoke: gunicorn on port $port did not start:" >&2
  tail -n 30 "$log" >&2
  return 1
}
step "gunicorn on 127.0.0.1:$PORT"
serve "$PORT" "$work/gunicorn.log"

failures=0
body=$work/body
headers=$work/headers
jar=$work/cookies
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
fetch() {  # URL [curl options...]: the status code; body and headers in $body and $headers
  local url=$1
  shift
  : >"$body"
  : >"$headers"
  curl -sS -m 10 -o "$body" -D "$headers" -w '%{http_code}' -b "$jar" -c "$jar" \
    -H 'X-Forwarded-Proto: https' -H 'X-Forwarded-For: 203.0.113.7' "$@" "$url" 2>"$work/curl.err" \
    || echo " ($(tr '\n' ' ' <"$work/curl.err"))"
}
check() {  # STATUS PATH [TEXT THE BODY MUST HAVE] [curl options...]
  local want=$1 path=$2 text=${3:-}
  local got
  got=$(fetch "$BASE$path" "${@:4}")
  if [[ $got != "$want" ]]; then
    fail "$path answered $got, not $want"
  elif [[ -n $text ]] && ! grep -qF -- "$text" "$body"; then
    fail "$path ($got) does not say: $text"
  else
    echo "ok   $got $path"
  fi
}
header() { { grep -i "^$1:" "$headers" || true; } | head -n 1 | cut -d' ' -f2- | tr -d '\r'; }
first() { { grep -oE "$1" "$body" || true; } | head -n 1; }  # the first match in the last body, or nothing
first_link() { first "$1" | sed -E 's/^(href|src)="//; s/"$//'; }
static_ok() {  # URL: a hashed name, 200, served by whitenoise with far-future caching
  local url=$1 got
  got=$(fetch "$BASE$url")
  if [[ $got != 200 ]]; then
    fail "$url answered $got"
  elif ! [[ $url =~ \.[0-9a-f]{12}\.[a-z0-9]+$ ]]; then
    fail "$url is not a hashed name"
  elif [[ $(header Cache-Control) != *immutable* ]]; then
    fail "$url is not cached for ever: Cache-Control: $(header Cache-Control)"
  else
    echo "ok   200 $url ($(header Cache-Control))"
  fi
}
resolve() { "$BIN/python" -c 'import sys, urllib.parse; print(urllib.parse.urljoin(sys.argv[1], sys.argv[2]))' "$1" "$2"; }

step "public pages"
check 200 / "govuk-template"
check 200 /calendar/ "webcal://127.0.0.1:$PORT/calendar.ics"
release=$(first_link 'href="/releases/[^"/]+/"')
[[ -n $release ]] || fail "/calendar/ links no release"
check 200 /networks/ "Topic networks"
network=$(first_link 'href="/networks/[^"/]+/"')
[[ -n $network ]] || fail "/networks/ links no network"
check 200 "${release:-/releases/none/}"
check 200 "${network:-/networks/none/}"
check 200 /lessons/
check 200 /progress/
check 200 /alerts/
check 200 /admin/login/ "csrfmiddlewaretoken"
check 302 /flags/  # sign-in first: asked again after signing in below
[[ $(header Location) == /sign-in/* ]] || fail "/flags/ sends an anonymous reader to $(header Location), not /sign-in/"
check 404 /no-such-page/ "Page not found"
grep -qF "govuk-template" "$body" || fail "the 404 page is not the GOV.UK page"

step "static files the pages link, and what those files link"
check 200 /sign-in/ "csrfmiddlewaretoken"
css=$(first_link 'href="/static/[^"]+\.css"')
script=$(first_link 'src="/static/[^"]+\.js"')
icon=$(first_link 'href="/static/[^"]+favicon[^"]*\.ico"')
manifest=$(first_link 'href="/static/[^"]+manifest[^"]*\.json"')
for url in "$css" "$script" "$icon" "$manifest"; do
  if [[ -n $url ]]; then static_ok "$url"; else fail "the sign-in page lacks a stylesheet, script, icon or manifest"; fi
done
# What those files point at: the stylesheet's images, the script's module import, the manifest's icons.
for pair in "$css|url\(\"?[^\"):]+[\")]" "$script|from \"[^\"]+\"" "$manifest|\"src\": \"[^\"]+\""; do
  file=${pair%%|*}
  [[ -n $file ]] || continue
  fetch "$BASE$file" >/dev/null
  ref=$(first "${pair#*|}" | sed -E 's/^(url\("?|from "|"src": ")//; s/[")]+$//')
  if [[ -n $ref ]]; then static_ok "$(resolve "$file" "$ref")"; else fail "$file links nothing"; fi
done

step "sign-in as a demo producer, then producer pages"
fetch "$BASE/sign-in/" >/dev/null
token=$(first 'name="csrfmiddlewaretoken" value="[^"]+"' | sed -E 's/.*value="//; s/"$//')
got=$(fetch "$BASE/sign-in/" -H "Origin: https://127.0.0.1:$PORT" --data-urlencode "csrfmiddlewaretoken=$token" \
  --data-urlencode "username=nhse.editor" --data-urlencode "password=$DEMO_PASSWORD")
if [[ $got == 302 && $(header Location) == /producer/releases/ ]]; then
  echo "ok   302 POST /sign-in/ -> $(header Location)"
else
  fail "signing in answered $got (Location: $(header Location))"
fi
check 200 /producer/releases/ "Signed in as"
check 200 /flags/ "Signed in as"

step "feeds and API"
check 200 /calendar.ics "BEGIN:VCALENDAR"
check 200 /calendar.atom "<feed"
check 200 /calendar.csv
check 200 /calendar.json
check 200 /api/v1/ '"schema"'
check 200 /api/v1/releases/ '"results"'
check 200 /api/schema/ "openapi"
check 200 /api/docs/
check 200 /health/ '"status": "ok"'

step "the 500 page: a second gunicorn whose database does not exist, for an anonymous visitor"
BASE=http://127.0.0.1:$BROKEN_PORT
jar=$work/cookies-anonymous
serve "$BROKEN_PORT" "$work/broken.log" "DATABASE_URL=${DB_URL}_absent" "SITE_URL=https://127.0.0.1:$BROKEN_PORT"
check 500 /calendar/ "Sorry, there is a problem with the service"
grep -qE 'href="/static/build/app\.[0-9a-f]{12}\.css"' "$body" || fail "the 500 page is not the styled GOV.UK page"
check 503 /health/ '"database": "error'

elapsed=$(( $(date +%s) - started ))
if ((failures)); then
  echo "== smoke: $failures FAILED in ${elapsed}s; the server's last lines:"
  tail -n 40 "$work/gunicorn.log"
  exit 1
fi
echo "== smoke: production settings answered as they should in ${elapsed}s"
