"""The trading coordinator: workflows, agents, failure protocol, decisions, replay (DESIGN §8)."""

from tradequorum.coordinator.decisions import Decision, DecisionRecord, decide
from tradequorum.coordinator.expressions import Expression, ExpressionError, parse_expression
from tradequorum.coordinator.failure import FailureProtocol
from tradequorum.coordinator.registry import AgentRegistry, CommandAgent, Health, HttpAgent
from tradequorum.coordinator.replay import FrameMarket, replay_index, run_replay
from tradequorum.coordinator.runner import RunResult, WorkflowRunner
from tradequorum.coordinator.service import Coordinator
from tradequorum.coordinator.system_backtest import (
    run_system_backtest,
    run_system_portfolio,
    system_decisions,
)
from tradequorum.coordinator.trading import DegradedMode, effective_state, order_allowed
from tradequorum.coordinator.workflow import (
    StepSpec,
    TaskSpec,
    WorkflowSpec,
    load_workflow,
    parse_workflow,
)

__all__ = [
    "AgentRegistry",
    "CommandAgent",
    "Coordinator",
    "Decision",
    "DecisionRecord",
    "DegradedMode",
    "Expression",
    "ExpressionError",
    "FailureProtocol",
    "FrameMarket",
    "Health",
    "HttpAgent",
    "RunResult",
    "StepSpec",
    "TaskSpec",
    "WorkflowRunner",
    "WorkflowSpec",
    "decide",
    "effective_state",
    "load_workflow",
    "order_allowed",
    "parse_expression",
    "parse_workflow",
    "replay_index",
    "run_replay",
    "run_system_backtest",
    "run_system_portfolio",
    "system_decisions",
]
