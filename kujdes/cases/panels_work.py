"""The case page's sections of case work, registered as panels (kujdes.core.panels).

Called from CasesConfig.ready(); the case page renders them in this order after its own content.
"""

from __future__ import annotations


def register() -> None:
    from kujdes.cases import views_work
    from kujdes.core.panels import panel_register

    panel_register(page="case", order=10, render=views_work.plans_panel)
    panel_register(page="case", order=20, render=views_work.services_panel)
    panel_register(page="case", order=30, render=views_work.follow_ups_panel)
    panel_register(page="case", order=40, render=views_work.notes_panel)
    panel_register(page="case", order=50, render=views_work.documents_panel)
