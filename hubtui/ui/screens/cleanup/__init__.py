"""The cleanup wizard, one module per screen: the form, the plan, the run, and their dialogs.

The screens only gather input and show events; every decision (validation, what the plan holds, the order of
the steps, what counts as done) belongs to the engine in hubtui/ops/cleanup, and the wording of plans and run
events to hubtui/present (the CLI uses the same).
"""

from __future__ import annotations

from ....present.plan import doomed_summary, quantity_gib, size_label
from .dialogs import ChooseDialog, TypedConfirm
from .form import OPTIONS, CleanupFormScreen
from .plan import PlanScreen, fill_plan_tree
from .run import RunScreen
from .steps import StepView

__all__ = ["OPTIONS", "CleanupFormScreen", "PlanScreen", "ChooseDialog", "RunScreen", "StepView", "TypedConfirm",
           "doomed_summary", "fill_plan_tree", "quantity_gib", "size_label"]
