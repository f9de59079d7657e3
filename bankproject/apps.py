from django.apps import AppConfig


class BankProjectConfig(AppConfig):
    name = "bankproject"
    label = "bankproject"
    verbose_name = "Bank infrastructure"
