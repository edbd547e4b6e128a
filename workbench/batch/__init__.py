"""Batch regeneration: select segments, apply overrides and variants, run unattended, report."""

from workbench.batch.plan import plan_batch, select_segments
from workbench.batch.request import BatchRequest, ReviewPolicy
from workbench.batch.run import BatchResult, run_batch

__all__ = ["BatchRequest", "BatchResult", "ReviewPolicy", "plan_batch", "run_batch", "select_segments"]
