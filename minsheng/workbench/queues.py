"""Queue pages, bulk actions, the supervisor board and staff notices (issue 3)."""

from __future__ import annotations

from minsheng.workbench.views import home, queue  # noqa: F401 - to be replaced by the queue pages
