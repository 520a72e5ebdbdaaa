"""Every name in a package's ``__all__`` exists (httpx's test_exported_members)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import tradequorum

PACKAGES = sorted(
    m.name for m in pkgutil.iter_modules(tradequorum.__path__, "tradequorum.") if m.ispkg
)


@pytest.mark.parametrize("name", PACKAGES)
def test_package_all_names_exist(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", [])
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ lists missing names {missing}"
    assert len(set(exported)) == len(exported), f"{name}.__all__ has duplicates"
