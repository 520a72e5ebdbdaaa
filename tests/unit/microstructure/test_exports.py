"""The package's public API is what ``__all__`` says (as httpx's test_exported_members)."""

from __future__ import annotations

import tradequorum.microstructure as ms


def test_microstructure_exports_every_name_in_all() -> None:
    for name in ms.__all__:
        assert hasattr(ms, name), name
    public = {n for n in dir(ms) if not n.startswith("_")}
    modules = {
        "depth",
        "depth_feeds",
        "features",
        "impact",
        "profile",
        "signals",
        "signed_volume",
        "toxicity",
        "trades",
        "volume",
        "windows",
        "annotations",
        "arrays",
        "last_row",
    }
    assert public - modules == set(ms.__all__)
