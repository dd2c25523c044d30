"""Staff screens: the desk, the departments, Mẫu 01 and Mẫu 05."""

from django.urls import path

from .views import staff

urlpatterns = [
    path("desk/", staff.desk_queue, name="desk_queue"),
    path("desk/walk-in/", staff.walk_in, name="walk_in"),
    path("desk/dossiers/<int:pk>/", staff.desk_detail, name="desk_detail"),
    path("desk/dossiers/<int:pk>/receipt/", staff.receipt, name="receipt"),
    path("desk/dossiers/<int:pk>/receipt.pdf", staff.receipt_pdf, name="receipt_pdf"),
    path("department/", staff.division_queue, name="division_queue"),
    path("department/mine/", staff.assigned, name="assigned"),
    path("department/approvals/", staff.approvals, name="approvals"),
    path("department/dossiers/<int:pk>/", staff.department_detail, name="department_detail"),
    path("dossiers/<int:pk>/control-sheet/", staff.control_sheet, name="control_sheet"),
]
