# Sourced by run.sh and test.sh: makes the virtual environment and installs what it needs.
# Idempotent: a second run installs nothing new.
set -euo pipefail

PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$PROJECT_DIR"
VENV="$PROJECT_DIR/.venv"
APT_UPDATED=""

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

apt_install() {
    if [ "$(id -u)" != "0" ]; then
        echo "Need root to install Debian packages: $*" >&2
        exit 1
    fi
    if [ -z "$APT_UPDATED" ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

missing_debian_packages() {
    local package
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
            || echo "$package"
    done
}

find_python312() {
    local candidate
    for candidate in "$(command -v python3.12 2>/dev/null || true)" \
        /usr/local/bin/python3.12 /usr/bin/python3.12 "$HOME"/.pyenv/versions/3.12*/bin/python3.12; do
        if [ -n "$candidate" ] && [ -x "$candidate" ] \
            && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

# mysqlclient compiles against the MariaDB/MySQL client library.
read -r -a needed <<<"$(missing_debian_packages default-libmysqlclient-dev pkg-config build-essential | tr '\n' ' ')"
if [ "${#needed[@]}" -gt 0 ] && [ -n "${needed[0]}" ]; then
    say "Installing Debian packages: ${needed[*]}"
    apt_install "${needed[@]}"
fi

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then
    PYTHON="$(find_python312)" || { echo "Python 3.12 is needed and was not found." >&2; exit 1; }
    say "Creating the virtual environment with $PYTHON"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
fi

requirements_stamp="$VENV/.requirements.sha256"
if ! sha256sum --status -c "$requirements_stamp" 2>/dev/null; then
    say "Installing requirements"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
    sha256sum requirements.txt >"$requirements_stamp"
fi

export PATH="$VENV/bin:$PATH"
