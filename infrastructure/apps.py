from django.apps import AppConfig


class InfrastructureConfig(AppConfig):
    name = "infrastructure"
    verbose_name = "Event store and worker"
