from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tradequorum.cli.home import init_home
from tradequorum.config import Settings, load_settings
from tradequorum.state.layout import HomeLayout


def test_init_home_creates_layout_and_valid_config(tmp_path: Path) -> None:
    cfg = init_home(tmp_path / "home")
    layout = HomeLayout(tmp_path / "home")
    assert all(d.is_dir() for d in layout.directories())
    settings = load_settings(cfg, environ={})
    assert settings.home_path == tmp_path / "home"
    assert settings.model_copy(update={"home": Settings().home}) == Settings()


def test_cli_bad_config_prints_field_path_without_traceback(tmp_path: Path) -> None:
    home = tmp_path / "h"
    init_home(home)
    (home / "quorum.yaml").write_text("risk:\n  daily_loss_limit: 7\n")
    proc = subprocess.run(
        [sys.executable, "-m", "tradequorum.cli.main", "init", str(home)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "risk.daily_loss_limit" in proc.stderr
    assert "Traceback" not in proc.stderr
