from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize(
    "package", ["tradequorum.coordinator", "tradequorum.execution", "tradequorum.notify"]
)
def test_exported_members_exist_and_cover_public_classes(package: str) -> None:
    mod = importlib.import_module(package)
    for name in mod.__all__:
        assert hasattr(mod, name), f"{package}.{name} is exported but missing"
    public = {n for n in dir(mod) if not n.startswith("_") and n[0].isupper()}
    assert public <= set(mod.__all__) | {"annotations"}
