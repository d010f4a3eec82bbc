"""Arabic formats for Kujdes (Lebanon, Morocco): day-month-year dates and Western digits, as the
partners' own documents write them; Django's Arabic locale groups no thousands and uses a comma."""

SHORT_DATE_FORMAT = "d/m/Y"  # 12/05/2026
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
TIME_FORMAT = "H:i"
FIRST_DAY_OF_WEEK = 1  # Monday (both partners' working week starts on Monday)
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y", "%Y-%m-%d"]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
