"""The packages form layers without cycles: every import of every module (lazy ones inside functions included) is
read from the source and checked against the layer table of docs/architecture.md.

    golden_model  ←  rtl  ←  toolchain  ←  sim, boards  ←  mgd (the CLI)

golden_model imports nothing of ours; rtl only golden_model; the toolchain layer (tool finder and runners, build
cache) neither sim nor boards; sim and boards do not import each other.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: folder → import name, as pyproject.toml's package-dir maps them
PACKAGES = {
    "golden_model": "mgd.golden_model",
    "rtl": "mgd.rtl",
    "toolchain": "mgd.toolchain",
    "sim": "mgd.sim",
    "boards": "mgd.boards",
    "mgd": "mgd",
}

#: what each layer may import (besides itself)
ALLOWED = {
    "golden_model": set(),
    "rtl": {"golden_model"},
    "toolchain": {"golden_model"},
    "sim": {"golden_model", "rtl", "toolchain"},
    "boards": {"golden_model", "rtl", "toolchain"},
    "mgd": {"golden_model", "rtl", "toolchain", "sim", "boards"},
}


def _layer_of(module: str) -> str | None:
    """The layer of an absolute module name (``mgd.sim.trace`` → ``sim``), None if it is not ours (or is the bare
    namespace ``mgd``: ``from mgd import toolchain`` counts as ``mgd.toolchain``)."""
    if not module.startswith("mgd."):
        return None
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in PACKAGES and parts[1] != "mgd":
        return parts[1]
    return "mgd"


def _module_name(folder: str, path: Path, root: Path) -> str:
    rel = path.relative_to(root / folder).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join([PACKAGES[folder], *parts])


def imports_of(folder: str, root: Path = ROOT) -> dict[str, set[str]]:
    """``{module: {absolute names it imports}}`` for every module of ``folder`` (relative imports resolved)."""
    result = {}
    for path in sorted((root / folder).rglob("*.py")):
        name = _module_name(folder, path, root)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        names = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module
                names.add(target)
                names.update(f"{target}.{alias.name}" for alias in node.names)  # `from mgd import sim`
        result[name] = names
    return result


def layer_graph() -> dict[str, dict[str, set[str]]]:
    """``{layer: {imported layer: {importing modules}}}`` over the whole project."""
    graph = {layer: {} for layer in PACKAGES}
    for folder in PACKAGES:
        for module, names in imports_of(folder).items():
            for name in names:
                target = _layer_of(name)
                if target is not None and target != folder:
                    graph[folder].setdefault(target, set()).add(module)
    return graph


def find_cycle(graph: dict[str, dict[str, set[str]]]) -> list[str] | None:
    """A cycle of layers (``[a, b, …, a]``) if there is one."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, {})):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = "closed"
        return None

    for node in graph:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


@pytest.mark.parametrize("layer", list(PACKAGES))
def test_each_layer_imports_only_the_layers_below_it(layer):
    graph = layer_graph()
    bad = {target: sorted(modules) for target, modules in graph[layer].items() if target not in ALLOWED[layer]}
    assert bad == {}, f"{layer} imports layers it may not (layer: importing modules): {bad}"


def test_the_layers_have_no_cycle():
    cycle = find_cycle(layer_graph())
    assert cycle is None, "import cycle between layers: " + " → ".join(cycle)


def test_the_import_reader_sees_relative_lazy_and_from_imports(tmp_path):
    """The checker itself: relative imports resolve to their package, imports inside functions count, and a
    planted cycle is found."""
    (tmp_path / "sim" / "sub").mkdir(parents=True)
    (tmp_path / "sim" / "__init__.py").write_text("")
    (tmp_path / "sim" / "sub" / "__init__.py").write_text("from . import deep\n")
    (tmp_path / "sim" / "top.py").write_text(
        "import numpy\nfrom .trace import compare\n\ndef later():\n    from ..boards.build import x\n"
    )
    (tmp_path / "sim" / "sub" / "deep.py").write_text("from ...golden_model import config\n")
    found = imports_of("sim", tmp_path)
    assert {"numpy", "mgd.sim.trace", "mgd.boards.build"} <= found["mgd.sim.top"]
    assert "mgd.sim.sub.deep" in found["mgd.sim.sub"]
    assert "mgd.golden_model" in found["mgd.sim.sub.deep"]
    assert _layer_of("mgd.boards.build") == "boards" and _layer_of("numpy") is None
    assert _layer_of("mgd.cli") == "mgd" and _layer_of("mgd.commands.train") == "mgd" and _layer_of("mgd") is None
    assert find_cycle({"a": {"b": {"m"}}, "b": {"c": {"n"}}, "c": {"a": {"o"}}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": {"m"}}, "b": {}}) is None
