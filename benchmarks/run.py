"""Run every ``benchmarks/bench_*.py`` (or those named on the command line) and write JSON results.

Each benchmark module exposes ``run() -> dict`` returning named figures, targets and ``passed``
flags; results go to ``benchmarks/results/<module>.json`` and a summary is printed. Targets are
checked here, never by timed unit tests.
"""

from __future__ import annotations

import importlib
import json
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem for p in HERE.glob("bench_*.py"))
    RESULTS.mkdir(exist_ok=True)
    failed = 0
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        t0 = time.perf_counter()
        result = module.run()
        result["_meta"] = {
            "module": name,
            "wall_s": round(time.perf_counter() - t0, 3),
            "python": sys.version.split()[0],
            "machine": platform.machine(),
            "when_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2, default=str))
        print(f"== {name}")
        for key, value in result.items():
            if key != "_meta":
                print(f"  {key}: {value}")
        failed += sum(
            1 for v in result.values() if isinstance(v, dict) and v.get("passed") is False
        )
    print(f"results in {RESULTS}; {failed} target(s) missed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
