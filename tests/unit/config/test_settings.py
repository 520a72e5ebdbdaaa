from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tradequorum.config import Settings, load_settings
from tradequorum.config.defaults import DEFAULT_CONFIG_TEXT
from tradequorum.core.errors import ConfigError


def test_default_config_text_parses_back_to_the_defaults() -> None:
    assert Settings.model_validate(yaml.safe_load(DEFAULT_CONFIG_TEXT)) == Settings()


def test_seed_defaults_are_the_design_values() -> None:
    s = Settings()
    assert s.consensus.weights == {"smc": 0.35, "ml_model": 0.40, "microstructure": 0.25}
    assert s.consensus.approval_threshold == 0.6 and s.consensus.required == ("smc", "ml_model")
    assert (s.walk_forward.n_windows, s.walk_forward.train_period, s.walk_forward.test_period) == (
        12,
        252,
        63,
    )
    assert s.risk.risk_fraction == 0.005 and s.failure.agent_timeout_s == 30


def test_bad_value_reports_field_path(tmp_path: Path) -> None:
    cfg = tmp_path / "quorum.yaml"
    cfg.write_text("risk:\n  max_open_positions: -3\n")
    with pytest.raises(ConfigError, match=r"risk\.max_open_positions"):
        load_settings(cfg, environ={})


def test_secret_in_file_is_refused_and_env_overrides_file(tmp_path: Path) -> None:
    cfg = tmp_path / "quorum.yaml"
    cfg.write_text("execution:\n  api_key: abc\n")
    with pytest.raises(ConfigError, match="environment"):
        load_settings(cfg, environ={})
    cfg.write_text("risk:\n  risk_fraction: 0.01\n")
    s = load_settings(cfg, environ={"QUORUM_RISK__RISK_FRACTION": "0.002"})
    assert s.risk.risk_fraction == 0.002


def test_malformed_yaml_and_unknown_key_are_config_errors(tmp_path: Path) -> None:
    cfg = tmp_path / "quorum.yaml"
    cfg.write_text("risk: [unclosed\n")
    with pytest.raises(ConfigError):
        load_settings(cfg, environ={})
    cfg.write_text("risk:\n  risk_fractoin: 0.01\n")
    with pytest.raises(ConfigError, match="risk_fractoin"):
        load_settings(cfg, environ={})
