"""The pipeline is the architecture: every module imports only from its own
stage and the stages before it, no import circle anywhere, the language never
imports the solver, lark stays in planlang/syntax/, and `planlang check`
loads neither numpy, a MILP solver nor rich.

The graph is read from the source (every import statement, those inside
functions too), so a lazy import counts like any other."""

import ast
import subprocess
import sys

import pytest
from conftest import ROOT

PACKAGES = ("planlang", "solver")
# Stages in pipeline order: a module may import from its stage and earlier ones.
STAGES = [
    ("planlang core", lambda m: m.startswith("planlang.") and m.split(".")[1] not in ("syntax", "api", "editor", "usage")),
    ("planlang.syntax", lambda m: m.startswith("planlang.syntax")),
    ("planlang.api", lambda m: m == "planlang.api"),
    ("planlang.editor / planlang.usage", lambda m: m.startswith(("planlang.editor", "planlang.usage"))),
    ("the planlang package (what it exports)", lambda m: m == "planlang"),
    ("solver.files", lambda m: m == "solver.files"),
    ("solver.semantics", lambda m: m.startswith("solver.semantics")),
    ("solver.milp", lambda m: m.startswith("solver.milp")),
    ("solver.solution", lambda m: m.startswith("solver.solution")),
    ("solver.analysis", lambda m: m.startswith("solver.analysis")),
    ("solver.views", lambda m: m.startswith("solver.views")),
    ("solver.billing", lambda m: m.startswith("solver.billing")),
    ("solver.cli, the solver package (what it exports)", lambda m: m in ("solver.cli", "solver")),
]


def modules() -> dict[str, object]:
    """Module name -> its parsed source, for every module of the packages."""
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = ast.parse(path.read_text(encoding="utf-8"))
    return out


def imports(tree, name: str, known) -> set[str]:
    """The modules of the packages that `tree` (the module `name`) imports."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module if not node.level else ".".join(name.split(".")[:-node.level] + [node.module])
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        out |= {t for t in targets if t in known and t != name}
    return out


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports(tree, name, found) for name, tree in found.items()}


def stage(module: str) -> int:
    return next(i for i, (_, belongs) in enumerate(STAGES) if belongs(module))


def test_every_module_has_a_stage(graph):
    for module in graph:
        assert stage(module) is not None


def test_no_module_imports_a_later_stage(graph):
    upward = [f"{a} ({STAGES[stage(a)][0]}) imports {b} ({STAGES[stage(b)][0]})"
              for a, targets in graph.items() for b in targets if stage(b) > stage(a)]
    assert not upward, "\n".join(upward)


def test_the_language_never_imports_the_solver(graph):
    assert not [(a, b) for a, targets in graph.items() for b in targets
                if a.startswith("planlang") and b.startswith("solver")]


def test_no_import_circle(graph):
    index, low, on_stack, stack, circles = {}, {}, set(), [], []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    assert not circles, circles


def test_the_check_finds_an_upward_import_and_a_circle():
    """The tests above on a made-up graph that breaks both rules."""
    bad = {"solver.milp.compile": {"solver.views.terminal"}, "solver.views.terminal": {"solver.milp.compile"}}
    assert stage("solver.views.terminal") > stage("solver.milp.compile")
    with pytest.raises(AssertionError):
        test_no_import_circle(bad)
    with pytest.raises(AssertionError):
        test_no_module_imports_a_later_stage(bad)


def test_only_the_syntax_stage_imports_lark():
    for path in list((ROOT / "planlang").rglob("*.py")) + list((ROOT / "solver").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        if "lark" in names:
            assert path.parent.name == "syntax", path


def test_check_loads_no_numpy_solver_or_rich():
    program = ("import sys\nfrom solver.cli import main\nsys.argv = ['planlang', 'check', %r]\n"
               "try:\n    main()\nexcept SystemExit:\n    pass\n"
               "print(sorted(m for m in ('numpy', 'highspy', 'pulp', 'rich', 'duckdb', 'dask', 'plotly') "
               "if m in sys.modules))" % str(ROOT / "examples" / "assistant.plan"))
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr
