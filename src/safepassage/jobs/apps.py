from django.apps import AppConfig

from safepassage.audit.actions import Meta, register


class JobsConfig(AppConfig):
    name = "safepassage.jobs"
    label = "jobs"

    def ready(self) -> None:
        register({
            "job.queued": Meta(after=["kind"]),
            "job.finished": Meta(after=["kind", "status", "error"]),
        })
