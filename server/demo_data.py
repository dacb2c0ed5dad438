"""Demo data for hangdoi: a realistic provincial public-administration service centre.

This module holds plain Python data only (no logic) describing a demo
"Trung tâm Phục vụ hành chính công" for Bắc Ninh province: the site itself,
its office hours, the ticket number series, the priority categories, the
provincial departments and the administrative services they receive at the
centre, the counters on two floors, demo user accounts and the kiosk/display
devices. It is used to seed a fresh database for demos, manual testing and
development. The names of departments follow the provincial apparatus after
the 2025 reorganisation (e.g. Sở Tài chính absorbed Sở Kế hoạch và Đầu tư,
Sở Xây dựng absorbed Sở Giao thông vận tải, Sở Nông nghiệp và Môi trường,
Sở Nội vụ absorbed labour and employment affairs, Sở Y tế took over social
protection, and driving licences moved to the police).

All Vietnamese text is in Unicode NFC. The passwords are demo passwords and
must never be used on a real deployment.
"""

from __future__ import annotations

from typing import Any

SITE = {
    "code": "HCC-BN",
    "name_vi": "Trung tâm Phục vụ hành chính công tỉnh Bắc Ninh",
    "name_en": "Bac Ninh Provincial Public Administration Service Centre",
    "address": "Số 11 đường Lý Thái Tổ, phường Kinh Bắc, tỉnh Bắc Ninh",
    "timezone": "Asia/Ho_Chi_Minh",
}

# Real office hours, used when the demo is loaded with real hours: weekday keys
# mon..sun, lists of [open, close] "HH:MM" pairs (local time of SITE["timezone"]).
OPENING_HOURS = {
    "mon": [["07:30", "11:30"], ["13:30", "17:00"]],
    "tue": [["07:30", "11:30"], ["13:30", "17:00"]],
    "wed": [["07:30", "11:30"], ["13:30", "17:00"]],
    "thu": [["07:30", "11:30"], ["13:30", "17:00"]],
    "fri": [["07:30", "11:30"], ["13:30", "17:00"]],
    "sat": [["07:30", "11:30"]],
    "sun": [],
}

# Number series: each service draws its numbers from one series (a service
# group); numbers restart every business day. "format" is a Python format
# string with one field {n}; "start" is the first number of a day.
SERIES: list[dict[str, Any]] = [
    {
        "code": "A",
        "name_vi": "Tư pháp – Hộ tịch",
        "name_en": "Justice and civil status",
        "format": "A{n:03d}",
        "start": 1,
    },
    {
        "code": "B",
        "name_vi": "Doanh nghiệp, đầu tư, thương mại và thuế",
        "name_en": "Business, investment, trade and tax",
        "format": "B{n:03d}",
        "start": 1,
    },
    {
        "code": "C",
        "name_vi": "Xây dựng và vận tải",
        "name_en": "Construction and transport",
        "format": "C{n:03d}",
        "start": 1,
    },
    {
        "code": "D",
        "name_vi": "Đất đai, nông nghiệp và môi trường",
        "name_en": "Land, agriculture and environment",
        "format": "D{n:03d}",
        "start": 1,
    },
    {
        "code": "E",
        "name_vi": "Lao động, việc làm và bảo hiểm xã hội",
        "name_en": "Labour, employment and social insurance",
        "format": "E{n:03d}",
        "start": 1,
    },
    {
        "code": "F",
        "name_vi": "Y tế và bảo trợ xã hội",
        "name_en": "Health and social protection",
        "format": "F{n:03d}",
        "start": 1,
    },
    {
        "code": "G",
        "name_vi": "Công an: hộ chiếu, giấy phép lái xe, đăng ký xe",
        "name_en": "Police: passports, driving licences, vehicle registration",
        "format": "G{n:03d}",
        "start": 1,
    },
    {
        "code": "N",
        "name_vi": "Trả kết quả và hỗ trợ chung",
        "name_en": "Result collection and general assistance",
        "format": "{n:04d}",
        "start": 1001,
    },
]

PRIORITY_CATEGORIES: list[dict[str, Any]] = [
    {"code": "elderly", "name_vi": "Người cao tuổi", "name_en": "Elderly"},
    {"code": "disabled", "name_vi": "Người khuyết tật", "name_en": "People with disabilities"},
    {"code": "pregnant", "name_vi": "Phụ nữ mang thai", "name_en": "Pregnant women"},
    {
        "code": "small_child",
        "name_vi": "Người đi cùng trẻ em dưới 36 tháng tuổi",
        "name_en": "People accompanying children under 36 months",
    },
    {
        "code": "merit",
        "name_vi": "Người có công với cách mạng",
        "name_en": "War invalids, martyrs' families and veterans",
    },
    {
        "code": "seriously_ill",
        "name_vi": "Người bị bệnh hiểm nghèo",
        "name_en": "People with serious illnesses",
    },
]

DEPARTMENTS: list[dict[str, Any]] = [
    {
        "code": "STP",
        "name_vi": "Sở Tư pháp",
        "name_en": "Department of Justice",
        "services": [
            {
                "code": "STP-LLTP",
                "name_vi": "Cấp Phiếu lý lịch tư pháp",
                "name_en": "Criminal record certificate",
                "series": "A",
                "target_wait_minutes": 20,
                "expected_service_minutes": 8,
                "daily_quota": None,
            },
            {
                "code": "STP-HT",
                "name_vi": "Đăng ký hộ tịch có yếu tố nước ngoài",
                "name_en": "Civil status registration involving foreigners",
                "series": "A",
                "target_wait_minutes": 25,
                "expected_service_minutes": 15,
                "daily_quota": None,
            },
            {
                "code": "STP-CT",
                "name_vi": "Chứng thực bản sao, chữ ký",
                "name_en": "Certification of copies and signatures",
                "series": "A",
                "target_wait_minutes": 10,
                "expected_service_minutes": 5,
                "daily_quota": None,
            },
            {
                "code": "STP-QT",
                "name_vi": "Giải quyết thủ tục về quốc tịch",
                "name_en": "Nationality procedures",
                "series": "A",
                "target_wait_minutes": 25,
                "expected_service_minutes": 15,
                "daily_quota": None,
            },
        ],
    },
    {
        "code": "STC",
        "name_vi": "Sở Tài chính",
        "name_en": "Department of Finance",
        "services": [
            {
                "code": "STC-DKDN",
                "name_vi": "Đăng ký doanh nghiệp",
                "name_en": "Enterprise registration",
                "series": "B",
                "target_wait_minutes": 20,
                "expected_service_minutes": 12,
                "daily_quota": None,
            },
            {
                "code": "STC-HKD",
                "name_vi": "Đăng ký hộ kinh doanh",
                "name_en": "Household business registration",
                "series": "B",
                "target_wait_minutes": 15,
                "expected_service_minutes": 8,
                "daily_quota": None,
            },
            {
                "code": "STC-DT",
                "name_vi": "Cấp, điều chỉnh Giấy chứng nhận đăng ký đầu tư",
                "name_en": "Issuance and amendment of investment registration certificates",
                "series": "B",
                "target_wait_minutes": 30,
                "expected_service_minutes": 20,
                "daily_quota": None,
            },
        ],
    },
    {
        "code": "SCT",
        "name_vi": "Sở Công Thương",
        "name_en": "Department of Industry and Trade",
        "services": [
            {
                "code": "SCT-RUOU",
                "name_vi": "Cấp giấy phép bán buôn, bán lẻ rượu",
                "name_en": "Alcohol wholesale and retail licences",
                "series": "B",
                "target_wait_minutes": 20,
                "expected_service_minutes": 10,
                "daily_quota": None,
            },
            {
                "code": "SCT-XD",
                "name_vi": "Cấp Giấy chứng nhận cửa hàng đủ điều kiện bán lẻ xăng dầu",
                "name_en": "Eligibility certificate for petrol retail stations",
                "series": "B",
                "target_wait_minutes": 20,
                "expected_service_minutes": 12,
                "daily_quota": None,
            },
        ],
    },
    {
        "code": "THUE",
        "name_vi": "Thuế tỉnh Bắc Ninh",
        "name_en": "Bac Ninh Provincial Tax Office",
        "services": [
            {
                "code": "THUE-DK",
                "name_vi": "Đăng ký thuế, cấp mã số thuế",
                "name_en": "Tax registration and tax identification numbers",
                "series": "B",
                "target_wait_minutes": 15,
                "expected_service_minutes": 8,
                "daily_quota": None,
            },
            {
                "code": "THUE-TB",
                "name_vi": "Khai lệ phí trước bạ, thuế chuyển nhượng bất động sản",
                "name_en": "Registration fee and property transfer tax declarations",
                "series": "B",
                "target_wait_minutes": 20,
                "expected_service_minutes": 10,
                "daily_quota": None,
            },
        ],
    },
    {
        "code": "SXD",
        "name_vi": "Sở Xây dựng",
        "name_en": "Department of Construction",
        "services": [
            {
                "code": "SXD-GPXD",
                "name_vi": "Cấp giấy phép xây dựng",
                "name_en": "Construction permits",
                "series": "C",
                "target_wait_minutes": 25,
                "expected_service_minutes": 15,
                "daily_quota": None,
            },
            {
                "code": "SXD-CCHN",
                "name_vi": "Cấp chứng chỉ hành nghề hoạt động xây dựng",
                "name_en": "Construction practice certificates",
                "series": "C",
                "target_wait_minutes": 20,
                "expected_service_minutes": 10,
                "daily_quota": None,
            },
            {
                "code": "SXD-VT",
                "name_vi": "Cấp giấy phép kinh doanh vận tải, phù hiệu xe ô tô",
                "name_en": "Road transport business licences and vehicle badges",
                "series": "C",
                "target_wait_minutes": 15,
                "expected_service_minutes": 8,
                "daily_quota": None,
            },
        ],
    },
    {
        "code": "SNNMT",
        "name_vi": "Sở Nông nghiệp và Môi trường",
        "name_en": "Department of Agriculture and Environment",
        "services": [
            {
                "code": "SNNMT-DKDD",
                "name_vi": "Đăng ký đất đai, đăng ký biến động đất đai",
                "name_en": "Land registration and registration of changes",
                "series": "D",
                "target_wait_minutes": 20,
                "expected_service_minutes": 15,
                "daily_quota": None,
            },
            {
                "code": "SNNMT-GCN",
                "name_vi": "Cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
                "name_en": "Land use right and attached property ownership certificates",
                "series": "D",
                "target_wait_minutes": 30,
                "expected_service_minutes": 20,
                "daily_quota": None,
            },
            {
                "code": "SNNMT-GPMT",
                "name_vi": "Cấp giấy phép môi trường",
                "name_en": "Environmental permits",
                "series": "D",
                "target_wait_minutes": 25,
                "expected_service_minutes": 15,
                "daily_quota": None,
            },
            {
                "code": "SNNMT-ATTP",
                "name_vi": "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm nông, lâm, thủy sản",
                "name_en": "Food safety certificates for agricultural, forestry and fishery establishments",
                "series": "D",
                "target_wait_minutes": 20,
                "expected_service_minutes": 10,
                "daily_quota": None,
            },
        ],
    },
    {
        "code": "SNV",
        "name_vi": "Sở Nội vụ",
        "name_en": "Department of Home Affairs",
        "services": [
            {
                "code": "SNV-BHTN",
                "name_vi": "Giải quyết hưởng trợ cấp bảo hiểm thất nghiệp",
                "name_en": "Unemployment insurance benefit claims",
                "series": "E",
                "target_wait_minutes": 20,
                "expected_service_minutes": 10,
                "daily_quota": 120,
            },
            {
                "code": "SNV-VL",
                "name_vi": "Tư vấn, giới thiệu việc làm",
                "name_en": "Employment counselling and job placement",
                "series": "E",
                "target_wait_minutes": 15,
                "expected_service_minutes": 10,
                "daily_quota": None,
            },
            {
                "code": "SNV-GPLD",
                "name_vi": "Cấp giấy phép lao động cho người lao động nước ngoài",
                "name_en": "Work permits for foreign workers",
                "series": "E",
                "target_wait_minutes": 20,
                "expected_service_minutes": 12,
                "daily_quota": None,
            },
            {
                "code": "SNV-NCC",
                "name_vi": "Giải quyết chế độ ưu đãi người có công với cách mạng",
                "name_en": "Benefits for people with meritorious service to the revolution",
                "series": "E",
                "target_wait_minutes": 20,
                "expected_service_minutes": 15,
                "daily_quota": None,
            },
        ],
    },
    {
        "code": "BHXH",
        "name_vi": "Bảo hiểm xã hội tỉnh Bắc Ninh",
        "name_en": "Bac Ninh Provincial Social Insurance",
        "services": [
            {
                "code": "BHXH-THE",
                "name_vi": "Cấp lại, đổi thẻ bảo hiểm y tế",
                "name_en": "Reissue and replacement of health insurance cards",
                "series": "E",
                "target_wait_minutes": 15,
                "expected_service_minutes": 5,
                "daily_quota": None,
            },
            {
                "code": "BHXH-SO",
                "name_vi": "Đăng ký tham gia, cấp sổ bảo hiểm xã hội",
                "name_en": "Social insurance enrolment and social insurance books",
                "series": "E",
                "target_wait_minutes": 15,
                "expected_service_minutes": 8,
                "daily_quota": None,
            },
            {
                "code": "BHXH-CD",
                "name_vi": "Giải quyết hưởng chế độ hưu trí, bảo hiểm xã hội một lần",
                "name_en": "Pension and lump-sum social insurance benefits",
                "series": "E",
                "target_wait_minutes": 25,
                "expected_service_minutes": 15,
                "daily_quota": None,
            },
        ],
    },
    {
        "code": "SYT",
        "name_vi": "Sở Y tế",
        "name_en": "Department of Health",
        "services": [
            {
                "code": "SYT-GPHN",
                "name_vi": "Cấp giấy phép hành nghề khám bệnh, chữa bệnh",
                "name_en": "Medical practice licences",
                "series": "F",
                "target_wait_minutes": 20,
                "expected_service_minutes": 12,
                "daily_quota": None,
            },
            {
                "code": "SYT-CCHND",
                "name_vi": "Cấp chứng chỉ hành nghề dược",
                "name_en": "Pharmacy practice certificates",
                "series": "F",
                "target_wait_minutes": 20,
                "expected_service_minutes": 10,
                "daily_quota": None,
            },
            {
                "code": "SYT-KDD",
                "name_vi": "Cấp Giấy chứng nhận đủ điều kiện kinh doanh dược",
                "name_en": "Pharmaceutical business eligibility certificates",
                "series": "F",
                "target_wait_minutes": 25,
                "expected_service_minutes": 15,
                "daily_quota": None,
            },
            {
                "code": "SYT-BTXH",
                "name_vi": "Tiếp nhận đối tượng bảo trợ xã hội vào cơ sở trợ giúp xã hội",
                "name_en": "Admission of social protection beneficiaries to social assistance facilities",
                "series": "F",
                "target_wait_minutes": 20,
                "expected_service_minutes": 15,
                "daily_quota": None,
            },
        ],
    },
    {
        "code": "CA",
        "name_vi": "Công an tỉnh Bắc Ninh",
        "name_en": "Bac Ninh Provincial Police",
        "services": [
            {
                "code": "CA-HC",
                "name_vi": "Cấp hộ chiếu phổ thông",
                "name_en": "Ordinary passports",
                "series": "G",
                "target_wait_minutes": 30,
                "expected_service_minutes": 10,
                "daily_quota": 200,
            },
            {
                "code": "CA-GPLX",
                "name_vi": "Cấp đổi, cấp lại giấy phép lái xe",
                "name_en": "Driving licence renewal and exchange",
                "series": "G",
                "target_wait_minutes": 20,
                "expected_service_minutes": 8,
                "daily_quota": 150,
            },
            {
                "code": "CA-DKX",
                "name_vi": "Đăng ký, cấp biển số xe",
                "name_en": "Vehicle registration and number plates",
                "series": "G",
                "target_wait_minutes": 25,
                "expected_service_minutes": 12,
                "daily_quota": None,
            },
        ],
    },
    {
        "code": "TTPV",
        "name_vi": "Trung tâm Phục vụ hành chính công",
        "name_en": "Public Administration Service Centre",
        "services": [
            {
                "code": "TTPV-TKQ",
                "name_vi": "Trả kết quả giải quyết thủ tục hành chính",
                "name_en": "Collection of administrative procedure results",
                "series": "N",
                "target_wait_minutes": 10,
                "expected_service_minutes": 5,
                "daily_quota": None,
            },
            {
                "code": "TTPV-HD",
                "name_vi": "Hướng dẫn, hỗ trợ nộp hồ sơ dịch vụ công trực tuyến",
                "name_en": "Guidance and help with online public service applications",
                "series": "N",
                "target_wait_minutes": 15,
                "expected_service_minutes": 10,
                "daily_quota": None,
            },
        ],
    },
]

# Counters: the first service in "services" is the counter's first choice.
COUNTERS: list[dict[str, Any]] = [
    # Tầng 1: high-traffic services (police, justice, land, social insurance, results).
    {
        "number": 1,
        "name_vi": "Quầy số 1",
        "name_en": "Counter 1",
        "zone": "tang-1",
        "services": ["CA-HC", "CA-GPLX"],
    },
    {
        "number": 2,
        "name_vi": "Quầy số 2",
        "name_en": "Counter 2",
        "zone": "tang-1",
        "services": ["CA-HC"],
    },
    {
        "number": 3,
        "name_vi": "Quầy số 3",
        "name_en": "Counter 3",
        "zone": "tang-1",
        "services": ["CA-GPLX", "CA-DKX"],
    },
    {
        "number": 4,
        "name_vi": "Quầy số 4",
        "name_en": "Counter 4",
        "zone": "tang-1",
        "services": ["STP-LLTP", "STP-CT"],
    },
    {
        "number": 5,
        "name_vi": "Quầy số 5",
        "name_en": "Counter 5",
        "zone": "tang-1",
        "services": ["STP-HT", "STP-QT", "STP-LLTP"],
    },
    {
        "number": 6,
        "name_vi": "Quầy số 6",
        "name_en": "Counter 6",
        "zone": "tang-1",
        "services": ["SNNMT-DKDD", "SNNMT-GCN"],
    },
    {
        "number": 7,
        "name_vi": "Quầy số 7",
        "name_en": "Counter 7",
        "zone": "tang-1",
        "services": ["SNNMT-GCN", "SNNMT-DKDD", "THUE-TB"],
    },
    {
        "number": 8,
        "name_vi": "Quầy số 8",
        "name_en": "Counter 8",
        "zone": "tang-1",
        "services": ["BHXH-THE", "BHXH-SO", "BHXH-CD"],
    },
    {
        "number": 9,
        "name_vi": "Quầy số 9",
        "name_en": "Counter 9",
        "zone": "tang-1",
        "services": ["TTPV-TKQ", "TTPV-HD"],
    },
    {
        "number": 10,
        "name_vi": "Quầy ưu tiên",
        "name_en": "Priority counter",
        "zone": "tang-1",
        "services": ["TTPV-TKQ", "CA-HC", "STP-LLTP", "BHXH-THE"],
    },
    # Tầng 2: business, construction, agriculture/environment, labour, health.
    {
        "number": 11,
        "name_vi": "Quầy số 11",
        "name_en": "Counter 11",
        "zone": "tang-2",
        "services": ["STC-DKDN", "STC-HKD"],
    },
    {
        "number": 12,
        "name_vi": "Quầy số 12",
        "name_en": "Counter 12",
        "zone": "tang-2",
        "services": ["STC-DT", "STC-DKDN", "THUE-DK"],
    },
    {
        "number": 13,
        "name_vi": "Quầy số 13",
        "name_en": "Counter 13",
        "zone": "tang-2",
        "services": ["SCT-RUOU", "SCT-XD", "STC-HKD"],
    },
    {
        "number": 14,
        "name_vi": "Quầy số 14",
        "name_en": "Counter 14",
        "zone": "tang-2",
        "services": ["SXD-GPXD", "SXD-CCHN"],
    },
    {
        "number": 15,
        "name_vi": "Quầy số 15",
        "name_en": "Counter 15",
        "zone": "tang-2",
        "services": ["SXD-VT", "SXD-GPXD"],
    },
    {
        "number": 16,
        "name_vi": "Quầy số 16",
        "name_en": "Counter 16",
        "zone": "tang-2",
        "services": ["SNNMT-GPMT", "SNNMT-ATTP"],
    },
    {
        "number": 17,
        "name_vi": "Quầy số 17",
        "name_en": "Counter 17",
        "zone": "tang-2",
        "services": ["SNV-BHTN", "SNV-VL"],
    },
    {
        "number": 18,
        "name_vi": "Quầy số 18",
        "name_en": "Counter 18",
        "zone": "tang-2",
        "services": ["SNV-GPLD", "SNV-NCC", "SNV-BHTN"],
    },
    {
        "number": 19,
        "name_vi": "Quầy số 19",
        "name_en": "Counter 19",
        "zone": "tang-2",
        "services": ["SYT-GPHN", "SYT-CCHND"],
    },
    {
        "number": 20,
        "name_vi": "Quầy số 20",
        "name_en": "Counter 20",
        "zone": "tang-2",
        "services": ["SYT-KDD", "SYT-BTXH", "SYT-CCHND"],
    },
]

# Demo accounts only: these passwords must never be used on a real deployment.
USERS: list[dict[str, Any]] = [
    {
        "username": "admin",
        "full_name": "Quản trị hệ thống",
        "role": "admin",
        "password": "admin123",
    },
    {
        "username": "lanhdao",
        "full_name": "Trần Quang Minh",
        "role": "manager",
        "password": "lanhdao123",
    },
    {
        "username": "canbo01",
        "full_name": "Nguyễn Thị Lan",
        "role": "officer",
        "password": "canbo123",
    },
    {
        "username": "canbo02",
        "full_name": "Trần Minh Tuấn",
        "role": "officer",
        "password": "canbo123",
    },
    {
        "username": "canbo03",
        "full_name": "Lê Thị Thu Hà",
        "role": "officer",
        "password": "canbo123",
    },
    {"username": "canbo04", "full_name": "Phạm Văn Đức", "role": "officer", "password": "canbo123"},
    {
        "username": "canbo05",
        "full_name": "Hoàng Thị Mai Anh",
        "role": "officer",
        "password": "canbo123",
    },
    {"username": "canbo06", "full_name": "Vũ Quốc Huy", "role": "officer", "password": "canbo123"},
    {
        "username": "canbo07",
        "full_name": "Đặng Thị Ngọc Ánh",
        "role": "officer",
        "password": "canbo123",
    },
    {
        "username": "canbo08",
        "full_name": "Bùi Thanh Sơn",
        "role": "officer",
        "password": "canbo123",
    },
]

DEVICES: list[dict[str, Any]] = [
    {"kind": "kiosk", "name": "Kiosk sảnh chính", "zone": None},
    {"kind": "display", "name": "Màn hình sảnh tầng 1", "zone": "tang-1"},
    {"kind": "display", "name": "Màn hình sảnh tầng 2", "zone": "tang-2"},
]
