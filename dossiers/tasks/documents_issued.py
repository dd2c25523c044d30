"""Rendering of issued documents (forms 01–05 and the stop notice): the beat renders the pending
ones every minute; one document can also be rendered on its own."""

from celery import shared_task

from ..services.documents import issued_document_store, issued_documents_render_pending

__all__ = ["render_issued_document_task", "render_pending_documents_task"]


@shared_task(name="dossiers.tasks.render_issued_document_task")
def render_issued_document_task(document_id: int) -> dict:
    document = issued_document_store(document_id=document_id)
    return {"document": document.pk, "file": document.file_id}


@shared_task(name="dossiers.tasks.render_pending_documents_task")
def render_pending_documents_task() -> dict:
    return {"stored": issued_documents_render_pending()}
