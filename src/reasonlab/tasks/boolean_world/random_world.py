"""Seeded random boolean worlds, so experiments can ask which rule structures models learn.

Output ``i`` gets ``k ~ U{operands}`` leaves; each leaf is an earlier output with probability
``p_output_ref`` (when there is one), else an input or a noise bit, negated with probability
``p_not``; leaves are folded left to right with operators drawn from the mix. The summary keeps
the original world's shape: sum of the inputs, then sum of the outputs. The rules are emitted as text
and parsed like any user world, so generated and hand-written worlds share one code path.
"""

from __future__ import annotations

import numpy as np

from .config import RandomWorldConfig
from .world import World


def random_world(config: RandomWorldConfig, rng: np.random.Generator) -> World:
    inputs = [chr(ord("A") + i) if i < 26 else f"X{i}" for i in range(config.inputs)]
    noise = [f"U{i}" for i in range(config.noise)]
    ops = sorted(config.operators)
    weights = np.array([config.operators[o] for o in ops], dtype=float)
    rules: list[tuple[str, str]] = []
    for i in range(config.outputs):
        k = int(rng.integers(config.operands[0], config.operands[1] + 1))
        leaves, used = [], set()
        for _ in range(k):
            for _try in range(8):  # distinct leaves where the pools allow
                if rules and rng.random() < config.p_output_ref:
                    name = rules[int(rng.integers(len(rules)))][0]
                else:
                    pool = inputs + noise
                    name = pool[int(rng.integers(len(pool)))]
                if name not in used:
                    break
            used.add(name)
            leaves.append(f"NOT {name}" if rng.random() < config.p_not else name)
        text = leaves[0]
        for leaf in leaves[1:]:
            op = ops[int(rng.choice(len(ops), p=weights / weights.sum()))]
            text = f"({text} {op} {leaf})"
        rules.append((f"new{i}", text))
    summary = ("sum(" + "+".join(inputs) + ")", "sum(" + "+".join(o for o, _ in rules) + ")")
    return World(inputs=tuple(inputs), noise=tuple(noise), rules=tuple(rules), summary=summary,
                 name="random")
