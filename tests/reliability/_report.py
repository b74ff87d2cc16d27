"""Figures the reliability tests measure (graphs fuzzed, memory), printed by conftest.py at
the end of the run so that docs/reliability.md can quote them."""
from collections import Counter

FUZZ = {"graphs": 0, "nodes": 0, "leaves": 0, "failures": 0, "ops": Counter()}
LINES: list[str] = []  # one line per measured figure, in the order measured


def line(text: str) -> None:
    LINES.append(text)
