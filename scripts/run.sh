#!/usr/bin/env bash
# Sets up and runs the bank on SQLite, web server and worker: http://127.0.0.1:${PORT:-8000}/
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

mkdir -p var
if [ ! -s var/secret_key ]; then
    python -c 'import secrets; print(secrets.token_urlsafe(50))' >var/secret_key
    chmod 600 var/secret_key
fi
export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-$(cat var/secret_key)}"
# Served over plain HTTP on this machine only: no HTTPS redirect, cookies not HTTPS-only.
export DJANGO_SECURE_COOKIES="${DJANGO_SECURE_COOKIES:-0}"
export DJANGO_SSL_REDIRECT="${DJANGO_SSL_REDIRECT:-0}"
export DJANGO_HSTS_SECONDS="${DJANGO_HSTS_SECONDS:-0}"

say "Migrating the database"
python manage.py migrate --no-input -v0
python manage.py collectstatic --no-input -v0
python manage.py createteller teller --if-missing
python manage.py loaddemo --if-empty

say "Starting the worker (manage.py runsystem)"
python manage.py runsystem &
worker_pid=$!
trap 'kill -TERM "$worker_pid" 2>/dev/null; wait "$worker_pid" 2>/dev/null' EXIT

say "Serving the bank at http://127.0.0.1:${PORT:-8000}/ (Ctrl-C stops it)"
python manage.py runserver "127.0.0.1:${PORT:-8000}" --noreload
