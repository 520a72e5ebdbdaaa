"""Public API of tradequorum.ml and tradequorum.features is re-exported with __all__."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("package", ["tradequorum.ml", "tradequorum.features"])
def test_exported_members_exist_and_are_unique(package: str) -> None:
    mod = importlib.import_module(package)
    assert len(set(mod.__all__)) == len(mod.__all__)
    for name in mod.__all__:
        assert hasattr(mod, name), f"{package}.{name} is listed in __all__ but missing"
