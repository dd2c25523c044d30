from django.urls import path

from .views import citizen

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
    path("dossiers/<int:pk>/files/<int:file_id>/", citizen.file_download, name="file_download"),
]
