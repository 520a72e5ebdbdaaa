"""The signal evaluator's logic (DESIGN §5): weighted consensus, conviction, tiers A-D, the seed's
conflict rules, escalations and a plain-words rationale. Pure; no I/O.

Two entry points share one kernel: :func:`evaluate` (one bar, real time and replay) and
:func:`evaluate_frame` (whole histories, the system backtest). They agree exactly.
"""

from tradequorum.consensus.evaluate import evaluate
from tradequorum.consensus.frame import FRAME_COLUMNS, evaluate_frame
from tradequorum.consensus.records import (
    TRADEABLE_RESOLUTIONS,
    ConflictFlags,
    Escalation,
    Evaluation,
    Resolution,
    Vote,
)

__all__ = [
    "FRAME_COLUMNS",
    "TRADEABLE_RESOLUTIONS",
    "ConflictFlags",
    "Escalation",
    "Evaluation",
    "Resolution",
    "Vote",
    "evaluate",
    "evaluate_frame",
]
