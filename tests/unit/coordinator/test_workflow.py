from __future__ import annotations

import pytest

from tradequorum.coordinator.workflow import builtin_workflow_dir, load_workflow, parse_workflow
from tradequorum.core.errors import ConfigError

AGENTS = {"a": ("run", "value"), "b": ("run",)}

GOOD = """\
workflow: demo
trigger: manual
steps:
  - step: 1
    agent: a
    action: value
    output: state/x/first.json
  - step: 2
    parallel: true
    tasks:
      - {agent: a, action: run, output: state/x/left.json}
      - {agent: b, action: run, output: state/x/right.json}
  - step: 3
    agent: b
    action: run
    condition: "first.value > 0 and left.agent == 'a'"
  - step: 4
    decision_point: gate
    criteria: {positive: "first.value > 0"}
"""


def test_parse_workflow_seed_shape_builds_steps() -> None:
    spec = parse_workflow(GOOD, source="demo.yaml", agents=AGENTS)
    assert [s.step for s in spec.steps] == [1, 2, 3, 4]
    assert [t.var_name for t in spec.steps[1].task_specs()] == ["left", "right"]


@pytest.mark.parametrize(
    ("mutation", "message"),
    [
        (
            (
                "agent: b\n    action: run\n    condition",
                "agent: zzz\n    action: run\n    condition",
            ),
            "demo.yaml:14 .*unknown agent 'zzz'",
        ),
        (("action: value", "action: nope"), "demo.yaml:6 .*no action 'nope'"),
        (("first.value > 0 and", "missing.value > 0 and"), "demo.yaml:16 .*reads \\['missing'\\]"),
        (("first.value > 0 and", "__import__('os') and"), "demo.yaml:16 .*are allowed in"),
        (
            ("output: state/x/first.json", "output: ../../etc/passwd"),
            "demo.yaml:7 .*inside the home",
        ),
        (("trigger: manual", "trigger: manual\nbogus: 1"), "demo.yaml:3: bogus: Extra inputs"),
        (
            ("    action: value\n", "    action: value\n    colour: red\n"),
            "demo.yaml:7: steps.0.colour: Extra inputs",
        ),
    ],
)
def test_parse_workflow_bad_reference_reports_file_and_line(
    mutation: tuple[str, str], message: str
) -> None:
    text = GOOD.replace(*mutation, 1)
    assert text != GOOD
    with pytest.raises(ConfigError, match=message):
        parse_workflow(text, source="demo.yaml", agents=AGENTS)


def test_shipped_workflows_parse() -> None:
    names = sorted(p.stem for p in builtin_workflow_dir().glob("*.yaml"))
    assert names == [
        "daily_operations",
        "model_training_cycle",
        "realtime_signal_generation",
        "walk_forward_optimization",
    ]
    for name in names:
        spec = load_workflow(builtin_workflow_dir() / f"{name}.yaml")
        assert spec.workflow == name
