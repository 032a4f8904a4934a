from django import forms

from .models import Note


class NoteForm(forms.ModelForm):
    """Validates a note's JSON fields (title required, at most 200 chars)."""

    class Meta:
        model = Note
        fields = ["title", "body"]
