import posixpath
import uuid

from django.conf import settings
from django.db import models


def attachment_path(instance, filename):
    """attachments/<random>/<name>: unguessable, and never collides with another upload."""
    return f"attachments/{uuid.uuid4().hex}/{filename}"


class Note(models.Model):
    """A short text note, optionally with one attachment in the default storage."""

    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    # Stored by Django's default storage: the media bucket through
    # django-storages' S3Storage in the image (settings.py).
    attachment = models.FileField(upload_to=attachment_path, blank=True, max_length=255)
    attachment_size = models.PositiveBigIntegerField(null=True, blank=True)
    # Written by the background task notes.count_words (POST
    # /api/notes/<id>/word-count/); null until it has run.
    word_count = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title

    def attachment_dict(self):
        """name, size and a URL to read it: presigned and short-lived on S3 (AWS_QUERYSTRING_EXPIRE)."""
        if not self.attachment:
            return None
        return {
            "name": posixpath.basename(self.attachment.name),
            "size": self.attachment_size,
            "url": self.attachment.url,
            "expires_in": settings.AWS_QUERYSTRING_EXPIRE if settings.AWS_STORAGE_BUCKET_NAME else None,
        }

    def as_dict(self):
        return {
            "id": self.pk,
            "title": self.title,
            "body": self.body,
            "created_at": self.created_at.isoformat(),
            "attachment": self.attachment_dict(),
            "word_count": self.word_count,
        }
