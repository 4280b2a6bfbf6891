"""The dashboard's Chinese dates: 2026年12月8日 14:05."""

DATE_FORMAT = "Y年n月j日"
SHORT_DATE_FORMAT = "Y年n月j日"
SHORT_DATETIME_FORMAT = "Y年n月j日 H:i"
DATETIME_FORMAT = "Y年n月j日 H:i:s"
