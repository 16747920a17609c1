"""The order in which objects are created, from the relation graph.

A many-to-one relation from A to B means B's records must exist before A's. Relations inside a
strongly connected component (a self-reference, or a cycle such as contract -> invoice ->
contract) cannot be ordered: those join columns are created empty and set in a second pass
(DESIGN, "Applying"). Members are not created by a migration, so relations to
`workspaceMember` never constrain the order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from migrate.model import ObjectMeta


@dataclass(frozen=True, slots=True)
class Deferred:
    """A join column set in the second pass: `object.field` (column `join_column`) -> `target`."""

    object: str
    field: str
    join_column: str
    target: str


def _components(nodes: list[str], edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively (deep graphs must not hit recursion limits)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                out.append(sorted(component))
    return out


def creation_order(objects: Iterable[ObjectMeta]) -> tuple[list[str], list[Deferred]]:
    """Objects (by singular name) parents first, and the join columns to defer."""
    objs = {o.name_singular: o for o in objects}
    names = sorted(objs)
    depends: dict[str, set[str]] = {n: set() for n in names}
    for obj in objs.values():
        for field in obj.fields:
            if field.join_column and field.target_object in objs:
                depends[obj.name_singular].add(field.target_object)  # type: ignore[arg-type]
    component_of: dict[str, int] = {}
    components = _components(names, depends)
    for number, component in enumerate(components):
        for name in component:
            component_of[name] = number
    # Tarjan emits components children-first (a component after everything it depends on), which
    # is exactly creation order; inside a component the order is alphabetical, a relation to an
    # object earlier in it is kept, and one to itself or to a later object is deferred. The kept
    # relations are then acyclic, and no more join columns than needed wait for the second pass.
    order = [name for component in components for name in component]
    position = {name: i for i, name in enumerate(order)}
    deferred = sorted(
        (Deferred(obj.name_singular, f.name, f.join_column, f.target_object)  # type: ignore[arg-type]
         for obj in objs.values() for f in obj.fields
         if f.join_column and f.target_object in objs
         and component_of[f.target_object] == component_of[obj.name_singular]  # type: ignore[index]
         and position[f.target_object] >= position[obj.name_singular]),  # type: ignore[index]
        key=lambda d: (d.object, d.field),
    )
    return order, deferred


def check_order(order: list[str], objects: Iterable[ObjectMeta], deferred: Iterable[Deferred]) -> list[str]:
    """Every non-deferred relation points at an object created earlier (for tests and plans read from disk)."""
    position = {name: i for i, name in enumerate(order)}
    skip = {(d.object, d.field) for d in deferred}
    problems = []
    for obj in objects:
        for field in obj.fields:
            if field.join_column and field.target_object in position and (obj.name_singular, field.name) not in skip:
                if position[field.target_object] >= position[obj.name_singular]:  # type: ignore[index]
                    problems.append(f"{obj.name_singular}.{field.name} points at {field.target_object}, created later")
    return problems
