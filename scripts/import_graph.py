"""The package's import structure: modules per folder, import circles, imports against the flow.

Reads ``imagehear/`` as text (``ast``; nothing is imported or run) and counts every import of
one of its modules, those inside functions too (a lazy import is still a dependency). The
flow is the order of ``LAYERS``: a module may import its own layer and the layers before it;
an import of a later layer points back up the flow.

    python scripts/import_graph.py            # summary
    python scripts/import_graph.py --edges    # every import against the flow, and every circle

tests/test_layout.py holds the package to: no circles, nothing against the flow, ``scores``
importing nothing else of the package, models knowing nothing of metrics.
"""
from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "imagehear"
# The flow, first to last: files -> audio -> embeddings (cached) -> scores -> report, with the
# front doors last. A module's layer is its first dotted part below imagehear (a top-level
# module is its own layer); anything not listed sits with the front doors.
LAYERS = ("errors", "protocol", "io", "models", "testing", "scores", "embed", "metrics", "evaluation", "generation",
          "report", "leaderboard", "publish", "api", "cli")


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The package modules ``path`` imports (``from imagehear.x import y`` counts ``imagehear.x.y``
    when that is a module, else ``imagehear.x``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                     for a in node.names]
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def graph(root: Path = ROOT) -> dict[str, set[str]]:
    paths = {module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    modules = set(paths)
    # a package's __init__ is imported with any of its modules: not an edge of interest
    return {m: {t for t in imports_of(p, modules) if t != m and not m.startswith(t + ".")}
            for m, p in paths.items()}


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "imagehear"


def rank(module: str) -> int:
    name = layer(module)
    return LAYERS.index(name) if name in LAYERS else len(LAYERS)


def against_flow(edges: dict[str, set[str]]) -> list[tuple[str, str]]:
    return sorted((a, b) for a, targets in edges.items() for b in targets
                  if layer(b) != "imagehear" and rank(b) > rank(a))


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    sys.setrecursionlimit(10_000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sorted(out)


def summary(edges: dict[str, set[str]]) -> str:
    per_folder = defaultdict(int)
    for m in edges:
        per_folder[layer(m)] += 1
    back, rings = against_flow(edges), circles(edges)
    lines = [f"{len(edges)} modules, {sum(map(len, edges.values()))} imports",
             "per folder: " + ", ".join(f"{k} {v}" for k, v in sorted(per_folder.items())),
             f"import circles: {len(rings)}" + "".join(f"\n  {' <-> '.join(r)}" for r in rings),
             f"imports against the flow: {len(back)}"]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", action="store_true", help="list every import against the flow")
    parser.add_argument("--root", type=Path, default=ROOT, help="the package folder (default: imagehear/)")
    args = parser.parse_args(argv)
    edges = graph(args.root)
    print(summary(edges))
    if args.edges:
        for a, b in against_flow(edges):
            print(f"  {a} -> {b}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
