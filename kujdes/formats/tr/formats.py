"""Turkish formats for Kujdes: 12.05.2026 (Django's default short date spells the month)."""

SHORT_DATE_FORMAT = "d.m.Y"  # 12.05.2026
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
DATE_INPUT_FORMATS = ["%d.%m.%Y", "%d.%m.%y", "%d/%m/%Y", "%Y-%m-%d"]
