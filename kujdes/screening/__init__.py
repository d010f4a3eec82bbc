"""The screening room: instruments as versioned data (ILO/EC indicators, prevention risk) and screenings.

See docs/screening.md; the definition format and the rules are described in engine.py.
"""
