"""Bosnian formats for Kujdes: 12. 5. 2026. is written 12.05.2026. (Django's short date puts the year
first), thousands grouped with a dot."""

SHORT_DATE_FORMAT = "d.m.Y."  # 12.05.2026.
SHORT_DATETIME_FORMAT = "d.m.Y. H:i"
TIME_FORMAT = "H:i"
FIRST_DAY_OF_WEEK = 1
DATE_INPUT_FORMATS = ["%d.%m.%Y.", "%d.%m.%Y", "%d.%m.%y.", "%d.%m.%y", "%Y-%m-%d"]
NUMBER_GROUPING = 3
