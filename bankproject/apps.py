from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class BankProjectConfig(AppConfig):
    name = "bankproject"
    label = "bankproject"
    default = True
    verbose_name = "Bank infrastructure"

    def ready(self) -> None:
        # eventsourcing-django registers the event store's models (stored events,
        # snapshots, tracking records) on the default admin site, with add, change
        # and delete: an event store that a screen can edit is no audit trail. The
        # admin shows each account's and request's history instead. (Runs after the
        # admin's autodiscovery, which comes first in INSTALLED_APPS.)
        from django.contrib import admin
        from eventsourcing_django.models import NotificationTrackingRecord, SnapshotRecord, StoredEventRecord

        for model in (StoredEventRecord, SnapshotRecord, NotificationTrackingRecord):
            if admin.site.is_registered(model):
                admin.site.unregister(model)


class BankAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with the bank's admin site (dashboard) as the default site."""

    default = False  # named in INSTALLED_APPS; BankProjectConfig is this module's default
    default_site = "bankproject.admin.BankAdminSite"
