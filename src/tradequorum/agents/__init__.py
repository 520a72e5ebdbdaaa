"""Specialist agents: thin adapters from tasks to pure analysis functions."""

from tradequorum.agents.base import Agent, AgentContext, MarketView, Task, TaskResult, TaskStatus

__all__ = ["Agent", "AgentContext", "MarketView", "Task", "TaskResult", "TaskStatus"]
