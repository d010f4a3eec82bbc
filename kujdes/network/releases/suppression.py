"""The statistics releases' small-cell and complementary suppression.

The algorithm lives in the reports room (kujdes/reports/suppression.py), so that the reports room's own
figures and the network's releases are protected by one and the same code; this module keeps the
names the network room and its tests import.
"""

from kujdes.reports.suppression import (
    COMPLEMENTARY,
    K_MIN,
    PRIMARY,
    Bounds,
    Equation,
    KTooSmall,
    Problem,
    Published,
    Quantity,
    Suppression,
    k_check,
    primary,
    problems,
    quantity,
    suppress,
    table_equation,
)

__all__ = [
    "COMPLEMENTARY",
    "K_MIN",
    "PRIMARY",
    "Bounds",
    "Equation",
    "KTooSmall",
    "Problem",
    "Published",
    "Quantity",
    "Suppression",
    "k_check",
    "primary",
    "problems",
    "quantity",
    "suppress",
    "table_equation",
]
