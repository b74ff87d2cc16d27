"""Print what the reliability tests measured (graphs fuzzed, memory figures) after the run."""
from . import _report


def pytest_terminal_summary(terminalreporter):
    fz = _report.FUZZ
    if not fz["graphs"] and not _report.LINES:
        return
    tr = terminalreporter
    tr.section("reliability figures")
    if fz["graphs"]:
        tr.write_line(
            f"fuzz: {fz['graphs']} random graphs, {fz['nodes']} op nodes "
            f"({fz['nodes'] / fz['graphs']:.1f} per graph), {fz['leaves']} leaves, "
            f"{fz['failures']} failing"
        )
        tr.write_line("fuzz op counts: " + ", ".join(f"{k} {v}" for k, v in sorted(fz["ops"].items())))
    for text in _report.LINES:
        tr.write_line(text)
