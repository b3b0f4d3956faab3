"""The code's layering, read from the source with `ast` (every import, also those inside
functions, which a lazy import does not exempt): each layer imports only itself and the layers
below it, so no import cycle between the parts is possible.

    jobs.common   the typed park config, register maps, settings, landing I/O: the bottom
    device_io     Modbus, the poller, the setpoint writer, the simulator
    jobs          everything else in jobs/ (forecast, dispatch, scorecards, valuation, twin...)
    flows         the Prefect flows

And library code never imports benchmark code (jobs/bench) or test code (tests/).
The rule, and how to keep it, is in docs/developers.md ("Layers")."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("jobs", "device_io", "flows")
LAYERS = ("jobs.common", "device_io", "jobs", "flows")  # bottom first


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, module: str | None = None) -> list[tuple[int, str]]:
    """(line, imported module) for every import in the file (the module `module`, by default
    the one its path names), relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = (module or module_name(path)).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[:len(package) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.append((node.lineno, base))
            # `from jobs import common` imports the module jobs.common
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def layer_of(module: str) -> str | None:
    """The layer a module belongs to (the longest matching prefix), None if not ours."""
    for layer in sorted(LAYERS, key=len, reverse=True):
        if module == layer or module.startswith(layer + "."):
            return layer
    return None


def source_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def layer_edges() -> dict[tuple[str, str], list[str]]:
    """(importing layer, imported layer) -> where, for imports that cross layers."""
    edges: dict[tuple[str, str], list[str]] = {}
    for path in source_files():
        own = layer_of(module_name(path))
        for line, imported in imports_of(path):
            target = layer_of(imported)
            if target is not None and target != own and own is not None:
                edges.setdefault((own, target), []).append(
                    f"{path.relative_to(ROOT)}:{line} imports {imported}")
    return edges


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle in the graph as the list of its nodes (first repeated at the end), or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for successor in sorted(graph.get(node, ())):
            if state.get(successor) == "open":
                return stack[stack.index(successor):] + [successor]
            if successor not in state and (cycle := visit(successor)):
                return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_find_cycle_finds_a_cycle_and_only_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_imports_are_read_also_inside_functions_and_relative(tmp_path: Path) -> None:
    path = tmp_path / "probe.py"
    path.write_text("def f():\n    from device_io import codec\n\nfrom .settings import x\n")
    found = {module for _, module in imports_of(path, "jobs.common.probe")}
    assert {"device_io", "device_io.codec", "jobs.common.settings"} <= found
    assert layer_of("jobs.common.settings") == "jobs.common"
    assert layer_of("jobs.scorecards.mail") == "jobs"
    assert layer_of("jobsx") is None


def test_layers_import_only_themselves_and_layers_below() -> None:
    rank = {layer: i for i, layer in enumerate(LAYERS)}
    upward = [where for (own, target), places in sorted(layer_edges().items())
              if rank[target] > rank[own] for where in places]
    assert not upward, "imports against the layering (docs/developers.md, Layers):\n" + \
        "\n".join(upward)


def test_no_import_cycle_between_the_parts() -> None:
    graph: dict[str, set[str]] = {}
    for own, target in layer_edges():
        graph.setdefault(own, set()).add(target)
    assert find_cycle(graph) is None, f"an import cycle between the parts: {find_cycle(graph)}"


@pytest.mark.parametrize("forbidden", ["jobs.bench", "tests"])
def test_library_code_never_imports_bench_or_test_code(forbidden: str) -> None:
    offending = [f"{path.relative_to(ROOT)}:{line} imports {module}"
                 for path in source_files()
                 if not module_name(path).startswith(forbidden)
                 for line, module in imports_of(path)
                 if module == forbidden or module.startswith(forbidden + ".")]
    assert not offending, "\n".join(offending)


def test_no_duckdb_df_outside_frames() -> None:
    """DuckDB's `.df()` warns on timestamp-with-time-zone columns, attributed to our line;
    jobs.common.frames.to_frame is the one place that calls it."""
    frames = ROOT / "jobs" / "common" / "frames.py"
    offending = []
    for path in source_files():
        if path == frames:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "df" and not node.args):
                offending.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offending, "use jobs.common.frames.to_frame instead of .df(): " + \
        ", ".join(offending)
