"""English formats for Kujdes: British (European) day-month-year dates and a 24-hour clock."""

# The *_FORMAT strings use Django's date format syntax.
DATE_FORMAT = "j M Y"  # 12 May 2026
TIME_FORMAT = "H:i"  # 14:30
DATETIME_FORMAT = "j M Y, H:i"  # 12 May 2026, 14:30
YEAR_MONTH_FORMAT = "F Y"  # May 2026
MONTH_DAY_FORMAT = "j F"  # 12 May
SHORT_DATE_FORMAT = "d/m/Y"  # 12/05/2026
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # 12/05/2026 14:30
FIRST_DAY_OF_WEEK = 1  # Monday

# Typed dates are read day first (12/05/2026 is 12 May); ISO (2026-05-12) is always accepted too.
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y"]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%y %H:%M",
]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
