from django import forms
from django.conf import settings

from .models import Note


class NoteForm(forms.ModelForm):
    """Validates a note's JSON fields: title required, at most 200 characters;
    body optional, at most settings.NOTES_BODY_MAX_CHARS characters."""

    body = forms.CharField(required=False, max_length=settings.NOTES_BODY_MAX_CHARS)

    class Meta:
        model = Note
        fields = ["title", "body"]
