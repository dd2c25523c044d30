"""Rendering of issued documents (forms 01–05 and the stop notice): the beat renders the pending
ones every minute (a download renders one at once, in the request)."""

from celery import shared_task

from ..services.documents import issued_documents_render_pending

__all__ = ["render_pending_documents_task"]


@shared_task(name="dossiers.tasks.render_pending_documents_task")
def render_pending_documents_task() -> dict:
    return {"stored": issued_documents_render_pending()}
