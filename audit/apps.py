from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit"

    def ready(self):
        from audit import worker
        from infrastructure.signals import worker_starting

        worker_starting.connect(worker.verify_requests_beside_the_worker, dispatch_uid="audit.verifications")
