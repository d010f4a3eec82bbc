"""Kujdes's own locale formats (FORMAT_MODULE_PATH): English written the European way.

Django's "en" formats are American (12/05/2026 is 5 December to them, 12 May to a reader in Shkodër
or Marseille); Kujdes's English is that of the programme's European staff: en-GB dates, a 24-hour clock.
"""
