"""Form numbers and titles as data, keyed by the legal basis that prescribes them (DOMAIN §2.1).

They change with circulars (TT 01/2018 → TT 03/2025), so templates read them from here.
"""

from ..statistics.layout import FORM_NUMBER, TITLE

CURRENT_BASIS = "TT 03/2025/TT-VPCP"

# The statistics report is set by TT 01/2020/TT-VPCP, which neither form circular replaced
# (DOMAIN §5): both bases print it alike, as `dossiers.statistics.layout` words it.
REPORT_FORMS = {"report": (FORM_NUMBER, TITLE)}

FORMS: dict[str, dict[str, tuple[str, str]]] = {
    "TT 01/2018/TT-VPCP": {
        "receipt": ("01", "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"),
        "supplement": ("02", "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"),
        "refusal": ("03", "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ"),
        "apology": ("04", "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"),
        "control_sheet": ("05", "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"),
        "register": ("06", "SỔ THEO DÕI HỒ SƠ"),
        **REPORT_FORMS,
    },
    "TT 03/2025/TT-VPCP": {
        "receipt": ("01", "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"),
        "supplement": ("02", "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"),
        "refusal": ("03", "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ"),
        "apology": ("04", "PHIẾU XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT"),
        "control_sheet": ("05", "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"),
        "register": ("06", "SỔ THEO DÕI HỒ SƠ"),
        # Its number under TT 03/2025 is not confirmed (DOMAIN §2.1, §11): printed without one.
        "stop_notice": ("", "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ"),
        **REPORT_FORMS,
    },
}


def form_for(kind: str, basis: str = CURRENT_BASIS) -> tuple[str, str]:
    """(number, title) of the form `kind` under `basis`; KeyError if that basis has no such form."""
    return FORMS[basis][kind]
