#!/usr/bin/env bash
# Sets up and runs the whole test suite: lint, migrations check, then every test
# on each database (SQLite file, MariaDB, PostgreSQL). Exits non-zero if anything fails.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
source "$(dirname "${BASH_SOURCE[0]}")/databases.sh"

ensure_mariadb
ensure_postgresql
# The browser tests drive Debian's Chromium (browsers cannot be downloaded here).
if [ -n "$(missing_debian_packages chromium)" ]; then
    say "Installing Chromium"
    apt_install chromium
fi

export DJANGO_SETTINGS_MODULE=tests.settings
failed=()

say "ruff check"
ruff check . || failed+=("ruff")

say "makemigrations --check"
python manage.py makemigrations --check --dry-run -v1 || failed+=("migrations")

declare -A DATABASE_URLS=(
    [sqlite]=""
    [mariadb]="mysql://root@127.0.0.1:3306/bank"
    [postgresql]="postgres://postgres:postgres@127.0.0.1:5432/bank"
)
results_dir="$(mktemp -d)"
# The three passes share no database, so they run side by side; each one's output is
# printed whole when it ends. Tests marked `alone` (races that only show on a machine
# that is not otherwise busy) run afterwards, one pass after another.
passes=(sqlite mariadb postgresql)
say "pytest on ${passes[*]}, side by side"
for pass in "${passes[@]}"; do
    (
        status=0
        DATABASE_URL="${DATABASE_URLS[$pass]}" python -m pytest -m "not alone" \
            --junitxml="$results_dir/$pass.xml" "$@" >"$results_dir/$pass.log" 2>&1 || status=$?
        echo "$status" >"$results_dir/$pass.status"
    ) &
done
wait
for pass in "${passes[@]}"; do
    say "pytest on $pass"
    cat "$results_dir/$pass.log"
    if [ "$(cat "$results_dir/$pass.status" 2>/dev/null || echo 1)" != "0" ]; then
        failed+=("pytest on $pass")
    fi
done
for pass in "${passes[@]}"; do
    say "pytest on $pass, the tests that run alone"
    status=0
    DATABASE_URL="${DATABASE_URLS[$pass]}" python -m pytest -m alone \
        --junitxml="$results_dir/$pass-alone.xml" "$@" || status=$?
    # 5: this pass has no such test.
    if [ "$status" != "0" ] && [ "$status" != "5" ]; then
        failed+=("pytest on $pass (alone)")
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "FAILED: ${failed[*]}" >&2
fi

# One closing line over all passes. A skipped test counts as a failure: every
# row must run on this machine or fail loudly.
python - "$results_dir" <<'PY'
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
for report in sorted(Path(sys.argv[1]).glob("*.xml")):
    for suite in ET.parse(report).getroot().iter("testsuite"):
        for key in totals:
            totals[key] += int(suite.get(key, 0))
failed = totals["failures"] + totals["errors"]
passed = totals["tests"] - failed - totals["skipped"]
print(f"Total: {passed} passed, {failed} failed, {totals['skipped']} skipped")
sys.exit(1 if failed or totals["skipped"] else 0)
PY
[ "${#failed[@]}" -eq 0 ]
