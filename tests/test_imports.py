"""The library's modules import each other without cycles, counting imports inside functions and
under `if TYPE_CHECKING:` too: each module can be read after the ones it imports."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "probing_rnns"


def library_imports(source: str, modules: set[str]) -> set[str]:
    """The probing_rnns modules that `source` imports, wherever the import statement is."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "probing_rnns":  # from probing_rnns import data, models
                found |= {alias.name for alias in node.names}
            elif node.module.startswith("probing_rnns."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.ImportFrom) and node.level > 0:  # relative: from .x import y
            found |= {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
            found |= {n.split(".")[1] for n in names if n.startswith("probing_rnns.")}
    return found & modules


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    modules = {path.stem for path in package.glob("*.py")} - {"__init__"}
    return {
        m: library_imports((package / f"{m}.py").read_text(encoding="utf-8"), modules) - {m}
        for m in modules
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Cycles a depth-first search meets (none found: none exist), e.g. [["cli", "demo", "cli"]]."""
    found, state = [], {}  # state: "open" while on the search path, "done" after

    def visit(path: list[str]) -> None:  # path: the modules from the search's start to this one
        state[path[-1]] = "open"
        for imported in sorted(graph[path[-1]]):
            if state.get(imported) == "open":  # back to a module on the path: a cycle
                found.append(path[path.index(imported) :] + [imported])
            elif imported not in state:
                visit(path + [imported])
        state[path[-1]] = "done"

    for module in sorted(graph):
        if module not in state:
            visit([module])
    return found


def test_cycles_finds_a_cycle_even_under_type_checking():
    hidden = "import typing\nif typing.TYPE_CHECKING:\n    from probing_rnns.b import B\n"
    plain = "from probing_rnns import a"
    graph = {"a": library_imports(hidden, {"a", "b"}), "b": library_imports(plain, {"a", "b"})}
    assert graph == {"a": {"b"}, "b": {"a"}}
    assert cycles(graph) == [["a", "b", "a"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_no_module_of_the_library_imports_itself_through_others():
    graph = import_graph()
    assert len(graph) > 20 and graph["sentiment"] >= {"models", "training"}  # the graph was read
    assert cycles(graph) == []


def test_the_training_loop_knows_no_task():
    graph = import_graph()
    tasks = {"sentiment", "translation", "language_model"}
    generic = graph["training"] | graph["distributed"] | graph["batching"]
    assert not generic & (tasks | {"seq2seq"})
    assert "PairBatch" not in (PACKAGE / "distributed.py").read_text(encoding="utf-8")
