"""The Celery app: background tasks run by the worker service (`celery -A config worker`).

The broker is CELERY_BROKER_URL: "sqs://" on AWS (the SQS queue the stack
creates, reached with the task role's credentials, no keys), "redis://..."
locally and in the tests. Settings are the CELERY_* names of config/settings.py.
No result backend: a task's effect is in the database (the notes API shows it).
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["notes"])
