"""Feature engineer / ML model / model-trainer configuration (DESIGN §7).

Labels follow López de Prado (2018, AFML ch. 3-4): triple barrier with volatility-scaled horizontal
barriers and a vertical barrier, or a thresholded forward return; purged CV with an embargo (ch. 7).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tradequorum.config.base import Section


class MlConfig(Section):
    # labels
    horizon_bars: int = Field(30, ge=1, description="vertical barrier / forward-return horizon")
    label: Literal["triple_barrier", "forward_return"] = "triple_barrier"
    barrier_multiple: float = Field(
        1.0, gt=0, description="barrier = multiple x vol x sqrt(h); 2.0 leaves ~90% flat labels"
    )
    vol_window_bars: int = Field(100, ge=2, description="window of the barrier volatility")
    forward_return_threshold: float = Field(0.001, ge=0, description="log-return dead band")
    sample_weights: bool = True
    # cross-validation
    cv: Literal["walk_forward", "kfold"] = "walk_forward"
    embargo_bars: int = Field(60, ge=0)
    n_splits: int = Field(5, ge=2)
    # features
    features: tuple[str, ...] = Field((), description="registered feature names; () = defaults")
    select_features: bool = False
    corr_threshold: float = Field(0.95, gt=0, le=1)
    permutation_repeats: int = Field(2, ge=1)
    # LightGBM
    seed: int = 42
    num_threads: int = Field(2, ge=1)
    n_estimators: int = Field(300, ge=1)
    learning_rate: float = Field(0.05, gt=0)
    num_leaves: int = Field(31, ge=2)
    min_data_in_leaf: int = Field(100, ge=1)
    feature_fraction: float = Field(0.8, gt=0, le=1)
    bagging_fraction: float = Field(0.8, gt=0, le=1)
    lambda_l2: float = Field(1.0, ge=0)
    max_bin: int = Field(63, ge=4, le=1023, description="histogram bins per feature")
    early_stopping_rounds: int = Field(30, ge=1)
    validation_fraction: float = Field(0.15, gt=0, lt=0.5)
    class_balance: bool = True
    calibration: Literal["isotonic", "sigmoid", "none"] = "isotonic"
    tuning_trials: int = Field(0, ge=0, description="Optuna trials (0 = no tuning)")
    tuning_timeout_s: float = Field(600.0, gt=0)
    # training cycle
    training_bars: int = Field(200_000, ge=500, description="most recent bars used to train")
    min_probability: float = Field(0.4, ge=0, le=1)
    min_balanced_accuracy: float = Field(0.36, ge=0, le=1, description="OOF gate (chance 1/3)")
    min_oof_sharpe: float = Field(0.0, description="annualized OOF strategy Sharpe gate")
    fee_bps: float = Field(10.0, ge=0, description="per side, for the OOF validation")
