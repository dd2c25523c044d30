"""Rendering of issued documents (forms 01–05 and the stop notice) after their event commits,
and the sweep that catches any left pending (the broker was down when they were issued)."""

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
