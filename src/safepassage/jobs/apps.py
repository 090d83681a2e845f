from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "safepassage.jobs"
    label = "jobs"

    def ready(self) -> None:
        from safepassage.audit import actions

        actions.register("job.queued", "job.finished")
