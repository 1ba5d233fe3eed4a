"""The visible graph: trace nodes with folded groups collapsed into one box each."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# Box sizes in CSS pixels (1 px = 1 point for the layout): what the browser draws, what dot packs.
SIZES = {"scalar": (104, 66), "const": (58, 32), "tensor": (150, 110), "group": (176, 58), "copy": (92, 42)}
SMALL_TENSOR = 16  # a tensor of up to this many numbers shows them (value rows above gradient rows)
COPY_AFTER = 6  # a box used by more boxes than this is drawn once, plus a small copy beside each user
LONG_EDGE_BUDGET = 1500  # layers the edges may cross in all before the widest-reaching boxes are copied


@dataclass
class VisibleGraph:
    """What to lay out: items keyed "n<id>" (a node) or "g:<path>" (a folded group), and edges."""

    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    edges: list[tuple[str, str]] = field(default_factory=list)
    folded: list[str] = field(default_factory=list)


def box_size(kind: str, shape: list[int] | None = None) -> tuple[int, int]:
    """A box's width and height: by kind, and for a tensor by its shape (a 0-d tensor is a number)."""
    if kind == "tensor" and shape is not None:
        if not shape:
            return SIZES["scalar"]
        size = 1
        for n in shape:
            size *= n
        if size <= SMALL_TENSOR and len(shape) <= 2:
            rows, cols = (1, shape[0]) if len(shape) == 1 else shape
            return max(SIZES["scalar"][0], 14 + 66 * cols), 46 + 34 * rows
    return SIZES[kind]


def group_paths(nodes: list[dict[str, Any]]) -> list[str]:
    """Every group path and each of its prefixes, shortest first."""
    paths: set[str] = set()
    for node in nodes:
        parts = node.get("group", "").split("/") if node.get("group") else []
        paths.update("/".join(parts[:k]) for k in range(1, len(parts) + 1))
    return sorted(paths, key=lambda p: (p.count("/"), p))


def default_folds(nodes: list[dict[str, Any]], threshold: int) -> list[str]:
    """Fold nothing if the graph is small; else the deepest level of groups that fits the threshold."""
    if len(nodes) <= threshold:
        return []
    paths = group_paths(nodes)
    if not paths:
        return []
    deepest = max(p.count("/") for p in paths) + 1
    for depth in range(deepest, 0, -1):
        folds = [p for p in paths if p.count("/") + 1 == depth]
        if len(visible_graph(nodes, folds).items) <= threshold:
            return folds
    return [p for p in paths if "/" not in p]


def folds_around(nodes: list[dict[str, Any]], focus: int) -> list[str]:
    """Groups to fold so that node `focus` and the nodes that use it are in view, each in its own box:
    the groups holding them stay open, and every other group folds as high up as it can."""
    users = [node for node in nodes if focus in node["inputs"]]
    keep: set[str] = set()
    for node in [nodes[focus], *users]:
        parts = node.get("group", "").split("/") if node.get("group") else []
        keep.update("/".join(parts[:k]) for k in range(1, len(parts) + 1))
    return [path for path in group_paths(nodes) if path not in keep and _parent(path) in keep | {""}]


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def _owner(group: str | None, folded: set[str]) -> str | None:
    """The outermost folded group that contains `group`, if any."""
    if not group:
        return None
    parts = group.split("/")
    for k in range(1, len(parts) + 1):
        prefix = "/".join(parts[:k])
        if prefix in folded:
            return prefix
    return None


def visible_graph(nodes: list[dict[str, Any]], folded: Iterable[str], copy_after: int = COPY_AFTER) -> VisibleGraph:
    """Collapse each folded group; edges inside one box disappear, parallel edges merge; widely shared
    nodes get a copy beside each user."""
    fold_set = set(folded) & set(group_paths(nodes))
    graph = VisibleGraph(folded=sorted(fold_set))
    key_of: list[str] = []
    for node in nodes:
        owner = _owner(node.get("group"), fold_set)
        if owner is None:
            key = f"n{node['id']}"
            kind = "tensor" if "shape" in node else "const" if node["op"] == "const" else "scalar"
            graph.items[key] = {"kind": kind, "node": node["id"], "size": list(box_size(kind, node.get("shape")))}
        else:
            key = f"g:{owner}"
            item = graph.items.setdefault(
                key, {"kind": "group", "group": owner, "members": [], "size": list(SIZES["group"])}
            )
            item["members"].append(node["id"])
        key_of.append(key)
    seen: set[tuple[str, str]] = set()
    for node in nodes:
        head = key_of[node["id"]]
        for source in node["inputs"]:
            edge = (key_of[source], head)
            if edge[0] != edge[1] and edge not in seen:
                seen.add(edge)
                graph.edges.append(edge)
    _copy_wide_fan_outs(graph, copy_after)
    return graph


def _copy_wide_fan_outs(graph: VisibleGraph, copy_after: int) -> None:
    """A node whose value feeds many boxes, or feeds boxes far apart, keeps its own box, and each user
    gets a small linked copy of it ("n3@n17": node 3 as node 17 uses it) in place of a long edge.

    Long edges are what make a layered layout slow: each crossed layer adds a virtual node to route it
    through. So besides nodes with more than `copy_after` users, the nodes whose edges cross the most
    layers are copied, widest first, until the edges left cross at most LONG_EDGE_BUDGET layers in all.
    """
    users: dict[str, list[str]] = {}
    for tail, head in graph.edges:
        users.setdefault(tail, []).append(head)
    copied = {tail for tail, heads in users.items() if len(heads) > copy_after and tail.startswith("n")}
    rank = _ranks(graph)
    sources = set(graph.items) - {head for _, head in graph.edges}

    def crossed(tail: str) -> int:
        heads = users[tail]
        start = min(rank[h] for h in heads) - 1 if tail in sources else rank[tail]
        return sum(max(0, rank[h] - start - 1) for h in heads)

    cost = {tail: crossed(tail) for tail in users if tail.startswith("n") and tail not in copied}
    total = sum(cost.values())
    for tail in sorted(cost, key=cost.__getitem__, reverse=True):
        if total <= LONG_EDGE_BUDGET or cost[tail] == 0:
            break
        copied.add(tail)
        total -= cost[tail]
    if not copied:
        return
    edges = []
    for tail, head in graph.edges:
        if tail in copied:
            copy = f"{tail}@{head}"
            graph.items[copy] = {
                "kind": "copy",
                "node": graph.items[tail]["node"],
                "user": head,
                "size": list(SIZES["copy"]),
            }
            tail = copy
        edges.append((tail, head))
    graph.edges = edges


def _ranks(graph: VisibleGraph) -> dict[str, int]:
    """Each box's layer if every box sits one layer after its latest input (items are in topological order)."""
    inputs: dict[str, list[str]] = {}
    for tail, head in graph.edges:
        inputs.setdefault(head, []).append(tail)
    rank: dict[str, int] = {}
    for key in graph.items:
        rank[key] = 1 + max((rank[t] for t in inputs.get(key, ())), default=-1)
    return rank
