"""Background jobs as people see them: what runs, how far it got, what came out or why it failed."""

from django.conf import settings
from django.db import models


class JobStatus(models.TextChoices):
    QUEUED = "queued", "queued"
    RUNNING = "running", "running"
    SUCCEEDED = "succeeded", "succeeded"
    FAILED = "failed", "failed"


class Job(models.Model):
    kind = models.CharField(max_length=60, db_index=True, help_text="what runs, e.g. plan.route")
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    progress_message = models.CharField(max_length=200, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="why it failed, for a person to act on")
    task_id = models.CharField(max_length=64, blank=True, help_text="the task backend's result id")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} job #{self.pk} ({self.status})"


class ScheduleMark(models.Model):
    """The last due time a schedule was enqueued for, so each due time is enqueued once."""

    name = models.CharField(max_length=60, primary_key=True)
    last_due = models.DateTimeField()
