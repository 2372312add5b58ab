"""The plan as data: frozen steps, a builder, one walker that executes and one that explains."""

from seedkit.plan.steps import DdlFile, LoadStep, Plan

__all__ = ["DdlFile", "LoadStep", "Plan"]
