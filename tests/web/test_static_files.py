"""The deployed site serves its own stylesheet and script: through the WSGI application, as gunicorn
runs it with debug off, after collectstatic."""

import json
import subprocess
import sys
from pathlib import Path
from uuid import uuid4

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]

# Run in a child process with the production settings (the suite's own settings differ).
FETCH_PAGE_AND_ASSETS = r"""
import json, re, sys
from wsgiref.util import setup_testing_defaults
from bankproject.wsgi import application

def get(path, **headers):
    environ = {"PATH_INFO": path, "HTTP_HOST": "bank.example", **headers}
    setup_testing_defaults(environ)
    environ["HTTP_HOST"] = "bank.example"
    answer = {}
    def start_response(status, response_headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = {k.lower(): v for k, v in response_headers}
    body = b"".join(application(environ, start_response))
    answer["length"] = len(body)
    is_page = "text/html" in answer["headers"].get("content-type", "")
    answer["text"] = body.decode("utf-8", "replace") if is_page else ""
    return answer

page = get("/login/")
assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page["text"])
print(json.dumps({
    "page": page["status"],
    "assets": {a: get(a) for a in assets},
    "gzip": {a: get(a, HTTP_ACCEPT_ENCODING="gzip")["headers"].get("content-encoding") for a in assets},
}))
"""


@pytest.mark.in_memory
def test_with_debug_off_the_pages_stylesheet_and_script_load_with_long_cache_lifetimes(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "bankproject.settings",
        "DJANGO_SECRET_KEY": "x" * 20 + uuid4().hex + uuid4().hex,
        "DJANGO_ALLOWED_HOSTS": "bank.example",
        "DJANGO_SSL_REDIRECT": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "BANK_STATIC_ROOT": str(tmp_path / "static"),
    }
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert collected.returncode == 0, collected.stderr
    fetched = subprocess.run(
        [sys.executable, "-c", FETCH_PAGE_AND_ASSETS],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert fetched.returncode == 0, fetched.stderr
    result = json.loads(fetched.stdout.strip().splitlines()[-1])
    assert result["page"] == 200
    assets = result["assets"]
    assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets), assets
    for path, answer in assets.items():
        assert answer["status"] == 200, path
        assert answer["length"] > 100, path
        # A content-hashed name (bank.0123abcd4567.css) may be cached for good.
        assert len(Path(path).suffixes) == 2, path
        assert "max-age=315360000" in answer["headers"]["cache-control"], path
        assert "immutable" in answer["headers"]["cache-control"], path
        assert result["gzip"][path] in ("gzip", "br"), path
