"""Demo accounts that `seed_demo` creates and `make run` prints. Never used in production."""

from .roles import Role

DEMO_PASSWORD = "motcua-demo-2026"  # noqa: S105 (demo accounts only; seed_demo refuses without DEBUG)
SERVICE_CENTRE = "000.00.01.H62"
DEPARTMENT = "000.00.16.H62"
CONSULAR_DIVISION = "000.16.02.H62"

DEMO_USERS = [
    {
        "login": "congdan@example.vn",
        "phone": "0912345678",
        "name": "Nguyễn Thị Hương",
        "identity_number": "001190012345",
        "role": Role.CITIZEN,
        "agency": None,
    },
    {
        "login": "motcua@example.vn",
        "phone": "",
        "name": "Trần Văn Bình",
        "identity_number": "",
        "role": Role.DESK_OFFICER,
        "agency": SERVICE_CENTRE,
    },
    {
        "login": "chuyenvien@example.vn",
        "phone": "",
        "name": "Lê Minh Châu",
        "identity_number": "",
        "role": Role.SPECIALIST,
        "agency": CONSULAR_DIVISION,
    },
    {
        "login": "truongphong@example.vn",
        "phone": "",
        "name": "Phạm Quốc Dũng",
        "identity_number": "",
        "role": Role.DIVISION_HEAD,
        "agency": CONSULAR_DIVISION,
    },
    {
        "login": "lanhdao@example.vn",
        "phone": "",
        "name": "Hoàng Thị Lan",
        "identity_number": "",
        "role": Role.LEADER,
        "agency": DEPARTMENT,
    },
    {
        "login": "danhmuc@example.vn",
        "phone": "",
        "name": "Vũ Đức Thắng",
        "identity_number": "",
        "role": Role.CATALOGUE_ADMIN,
        "agency": DEPARTMENT,
    },
]
