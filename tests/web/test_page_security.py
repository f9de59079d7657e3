"""Every page under a Content-Security-Policy that admits only the site's own files, and a CSRF
failure that tells the teller what to do."""

import re
from pathlib import Path
from uuid import uuid4

from django.test import Client
from django.urls import reverse

from tests.web.test_views import page_urls

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_every_page_carries_the_content_security_policy(teller, accounts, admin_client):
    urls = [*page_urls(accounts["alice"]), "/login/", "/accounts/no-such-account/"]
    for client, url in [(teller, u) for u in urls] + [
        (admin_client, "/admin/"),
        (admin_client, reverse("admin:dashboard")),
        (Client(), "/login/"),
    ]:
        policy = client.get(url)["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["default-src"] == "'self'", url
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url
        assert directives["frame-ancestors"] == "'none'", url


def test_no_template_has_inline_script_or_style():
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=", text), template


def test_a_csrf_failure_asks_the_teller_to_reload_the_form(django_user_model, accounts):
    from django.contrib.auth.models import Group

    tina = django_user_model.objects.create_user("tina", password="a long password 1")
    tina.groups.add(Group.objects.get_or_create(name="tellers")[0])
    client = Client(enforce_csrf_checks=True)
    client.force_login(tina)
    response = client.post(
        reverse("deposit", args=[accounts["alice"].number]), {"amount": "5", "request_id": uuid4()}
    )
    assert response.status_code == 403
    assert b"reload" in response.content.lower() and b"nothing was recorded" in response.content.lower()
    assert b"bank.css" in response.content  # the site's own page, not Django's bare one
