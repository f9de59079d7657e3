from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class BankProjectConfig(AppConfig):
    name = "bankproject"
    label = "bankproject"
    default = True
    verbose_name = "Bank infrastructure"


class BankAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with the bank's admin site (dashboard) as the default site."""

    default = False  # named in INSTALLED_APPS; BankProjectConfig is this module's default
    default_site = "bankproject.admin.BankAdminSite"
