"""Background tasks of the notes app, run by the Celery worker (config/celery.py)."""
from config.celery import app

from .models import Note


@app.task(name="notes.count_words", acks_late=True)
def count_words(note_id):
    """Count the words of a note's body and store them on the note (word_count).

    Safe to run twice (a message is redelivered when a worker stops mid-task
    or its visibility timeout passes): it writes the same value. A note
    deleted meanwhile is skipped.
    """
    body = Note.objects.filter(pk=note_id).values_list("body", flat=True).first()
    if body is None:
        return None
    count = len(body.split())
    Note.objects.filter(pk=note_id).update(word_count=count)
    return count
