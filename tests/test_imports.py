"""The package's import structure (scripts/import_graph.py reads it from the source, nothing is
imported): no import circles, no import against the flow of LAYERS, models knowing nothing of
metrics, no module reaching into another's private names. (scores/ importing nothing else of
the package: tests/test_scores.py.)"""
import ast

from scripts.import_graph import LAYERS, ROOT, against_flow, circles, graph, layer


def test_the_checks_see_a_circle_and_a_back_edge():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    back = {"imagehear.scores.x": {"imagehear.metrics"}, "imagehear.metrics": {"imagehear.scores.x"}}
    assert against_flow(back) == [("imagehear.scores.x", "imagehear.metrics")]


def test_no_import_circles():
    edges = graph()
    assert "imagehear.evaluation.pipeline" in edges["imagehear.evaluation.suite"]  # the graph sees imports at all
    assert circles(edges) == []


def test_every_import_follows_the_flow():
    edges = graph()
    assert {layer(m) for m in edges} - {"imagehear", "evaluate_module", "metric_app"} <= set(LAYERS)
    assert against_flow(edges) == []


def test_models_know_nothing_of_metrics_or_evaluation():
    for module, targets in graph().items():
        if layer(module) in ("models", "io", "protocol", "embed"):
            assert not {t for t in targets if layer(t) in ("metrics", "evaluation", "report")}, module


def test_no_module_imports_another_modules_private_names():
    private = []
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("imagehear"):
                private += [f"{path.name}: {node.module}.{a.name}" for a in node.names
                            if a.name.startswith("_") and not a.name.startswith("__")]
    assert private == []
