"""Tables for benchmarks run in alternating rounds (bench/side-by-side.sh, bench/compare-commits.sh).

Each side's figure per round is the minimum of that round's repetitions; the ratio is the first
side's over the second's, per round and for the minima over all rounds (each side's least disturbed
run: the steadiest single ratio on a noisy machine).
"""
import json
import os


def load(folder, prefix):
    """The JSON files PREFIX-1.json, PREFIX-2.json, ... in folder, in round order."""
    rounds = []
    while os.path.isfile(os.path.join(folder, f"{prefix}-{len(rounds) + 1}.json")):
        with open(os.path.join(folder, f"{prefix}-{len(rounds) + 1}.json")) as f:
            rounds.append(json.load(f))
    return rounds


def bench_figures(result):
    """What one `mdeq model bench --json` run measured, as {label: (minimum, unit)}: times in seconds,
    the memory each training step added in MiB."""
    figures = {"one f evaluation (no graph)": (result["f"]["min"], "s"),
               "evaluation forward": (result["evaluation"]["min"], "s")}
    for step in result["steps"]:
        figures[f"training step, {step['mode']}"] = (step["total"]["min"], "s")
    for step in result["steps"]:
        if step.get("addedBytes", -1) >= 0:
            figures[f"memory added, {step['mode']}"] = (step["addedBytes"] / 2**20, "MiB")
    return figures


def _table(title, names, lines):
    lines = [(title, names[0], names[1], "ratio")] + lines
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    for line in lines:
        print(line[0].ljust(widths[0]), *(cell.rjust(width) for cell, width in zip(line[1:], widths[1:])), sep="  ")


def print_rounds(names, measurements):
    """names: the two sides' column titles; measurements: (label, unit, first side's figure per round,
    second side's figure per round). Prints the ratios first / second per round and of the minima."""
    def values(xs, unit):
        digits = 3 if unit == "s" else 0
        return ", ".join(f"{x:.{digits}f}" for x in xs) + " " + unit

    def ratios(xs, ys):
        return ", ".join(f"{a / b:.2f}x" if b else "-" for a, b in zip(xs, ys))

    per_round, overall = [], []
    for label, unit, first, second in measurements:
        per_round.append((label, values(first, unit), values(second, unit), ratios(first, second)))
        overall.append((label, values([min(first)], unit), values([min(second)], unit),
                        ratios([min(first)], [min(second)])))
    _table("minimum per round", names, per_round)
    _table("minimum over all rounds", names, overall)
