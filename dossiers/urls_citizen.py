from django.urls import path

from .views import citizen, issued_documents, my_data

urlpatterns = [
    path("procedures/<str:code>/submit/", citizen.submit_start, name="submit_start"),
    path("my/dossiers/", citizen.my_list, name="my_list"),
    path("my/dossiers/<int:pk>/", citizen.my_detail, name="my_detail"),
    path("my/dossiers/<int:pk>/edit/", citizen.draft_edit, name="draft_edit"),
    path("my/dossiers/<int:pk>/review/", citizen.draft_review, name="draft_review"),
    path("my/dossiers/<int:pk>/supplement/", citizen.supplement, name="supplement"),
    path("my/dossiers/<int:pk>/withdraw/", citizen.withdraw, name="withdraw"),
    path("my/dossiers/<int:pk>/rate/", citizen.rate, name="rate"),
    path("track/", citizen.track, name="track"),
    # The citizen's own data (Law 91/2025/QH15): a copy to download, closing the account.
    path("my/data/", my_data.my_data, name="my_data"),
    path("my/data/download/", my_data.my_data_download, name="my_data_download"),
    path("my/account/close/", my_data.account_close_view, name="account_close"),
    path("dossiers/<int:pk>/files/<int:file_id>/", citizen.file_download, name="file_download"),
    # Issued documents, for the applicant and for staff who may see the dossier.
    path(
        "dossiers/<int:pk>/documents/<int:document_id>.pdf",
        issued_documents.document_download,
        name="document_download",
    ),
    path(
        "dossiers/<int:pk>/documents/<int:document_id>/regenerate/",
        issued_documents.document_regenerate,
        name="document_regenerate",
    ),
]
