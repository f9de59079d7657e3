"""The browser and the worker that every browser test drives."""

import os
from pathlib import Path

import pytest

from bankproject.system import BankAccountSystem, persistence_env
from infrastructure.worker import Worker

# Playwright's sync API keeps an event loop running in this thread; the ORM calls the
# tests make between browser steps are synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: scripts/test.sh installs Debian's chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def worker(live_server):
    worker = Worker(BankAccountSystem(read_models=True), persistence_env("django"), poll_interval=0.05)
    worker.start()
    yield worker
    worker.stop()
