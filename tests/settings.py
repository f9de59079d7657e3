"""Settings for the test suite: the application's settings with a test-only secret."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-suite-only-secret-key-not-for-production")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
os.environ.setdefault("DJANGO_SSL_REDIRECT", "0")
# Ray, if a test starts it, stays on 127.0.0.1 (see infrastructure.runners.start_ray).
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
os.environ["RAY_USAGE_STATS_ENABLED"] = "0"

from bankproject.settings import *  # noqa: E402,F403

# A worker started by a test as a subprocess uses the test database it is given.
if os.environ.get("BANK_TEST_DATABASE"):
    import json

    DATABASES = {"default": json.loads(os.environ["BANK_TEST_DATABASE"])}

# The suite serves static files from the source folders (no collectstatic before each run);
# tests/web/test_static_files.py checks the deployed way.
STORAGES = {  # noqa: F405
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
