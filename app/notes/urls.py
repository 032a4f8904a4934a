from django.conf import settings
from django.urls import path

from . import views

urlpatterns = [
    path("notes/", views.note_collection, name="note-collection"),
    path("notes/<int:note_id>/", views.note_detail, name="note-detail"),
    path("notes/<int:note_id>/attachment/", views.note_attachment, name="note-attachment"),
    path("notes/<int:note_id>/word-count/", views.note_word_count, name="note-word-count"),
]

if settings.TEST_SLOW_VIEW:  # test-only, never set by the service
    urlpatterns.append(path("_test/slow/", views.slow, name="test-slow"))
