from __future__ import annotations

from typing import Any


def case_panel(request: Any, case: Any) -> str | None:
    return None
