"""`creation_order`: parents before children, and as few join columns deferred as a cycle needs."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.model import FieldMeta, ObjectMeta
from migrate.plan.order import Deferred, check_order, creation_order


def relation(name: str, target: str) -> FieldMeta:
    return FieldMeta(name=name, type="RELATION", relation_type="MANY_TO_ONE", target_object=target, target_field="inverse",
                     join_column=f"{name}Id")


def inverse(name: str, target: str) -> FieldMeta:
    """The one-to-many side: no column, never an ordering constraint."""
    return FieldMeta(name=name, type="RELATION", relation_type="ONE_TO_MANY", target_object=target, target_field="x")


def obj(name: str, *fields: FieldMeta) -> ObjectMeta:
    return ObjectMeta(name_singular=name, name_plural=f"{name}s", fields=(FieldMeta("id", "UUID"), FieldMeta("name", "TEXT"), *fields))


def demo_graph() -> list[ObjectMeta]:
    return [
        obj("person", relation("company", "company"), inverse("notes", "noteTarget")),
        obj("company", relation("accountOwner", "workspaceMember"), inverse("people", "person")),
        obj("project", relation("company", "company"), relation("parentProject", "project"), relation("manager", "workspaceMember")),
        obj("contract", relation("company", "company"), relation("lastInvoice", "invoice")),
        obj("invoice", relation("contract", "contract")),
        obj("noteTarget", relation("targetPerson", "person"), relation("targetProject", "project")),
    ]


def test_parents_come_first_and_only_cycle_columns_wait() -> None:
    """The demo's graph: company before its children, one column of the contract/invoice cycle and
    the project self-reference deferred, member relations ignored."""
    order, deferred = creation_order(demo_graph())
    position = {name: i for i, name in enumerate(order)}
    assert sorted(order) == sorted(o.name_singular for o in demo_graph())
    assert position["company"] < position["person"] < position["noteTarget"]
    assert position["project"] < position["noteTarget"]
    assert position["contract"] < position["invoice"]
    assert deferred == [Deferred("contract", "lastInvoice", "lastInvoiceId", "invoice"),
                        Deferred("project", "parentProject", "parentProjectId", "project")]
    assert check_order(order, demo_graph(), deferred) == []


def test_a_relation_to_members_never_constrains_the_order() -> None:
    """Members are not created by a migration, so `workspaceMember` is neither ordered nor deferred."""
    order, deferred = creation_order([obj("task", relation("assignee", "workspaceMember"))])
    assert order == ["task"]
    assert deferred == []


def test_check_order_names_a_relation_that_points_forward() -> None:
    """check_order (used on plans read from disk) reports a child created before its parent."""
    graph = [obj("company"), obj("person", relation("company", "company"))]
    assert check_order(["person", "company"], graph, []) == ["person.company points at company, created later"]
    assert check_order(["company", "person"], graph, []) == []


def test_a_self_reference_alone_is_deferred() -> None:
    """A self-reference cannot be ordered: it is set in the second pass."""
    order, deferred = creation_order([obj("project", relation("parentProject", "project"))])
    assert order == ["project"]
    assert deferred == [Deferred("project", "parentProject", "parentProjectId", "project")]


# --- properties over random relation graphs ------------------------------------------------

NAMES = [f"o{i}" for i in range(8)]


@st.composite
def graphs(draw: st.DrawFn) -> list[ObjectMeta]:
    """Random objects with many-to-one relations: self-references, cycles, parallel edges,
    relations to members and to objects outside the migration, one-to-many sides."""
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=8, unique=True))
    targets = st.sampled_from([*names, "workspaceMember", "notMigrated"])
    objects = []
    for name in names:
        edges = draw(st.lists(targets, max_size=4))
        fields = [relation(f"rel{k}", target) for k, target in enumerate(edges)]
        if draw(st.booleans()):
            fields.append(inverse("children", draw(st.sampled_from(names))))
        objects.append(obj(name, *fields))
    return objects


def reaches(objects: list[ObjectMeta], start: str, goal: str) -> bool:
    """Whether `goal` is reachable from `start` over many-to-one relations between migrated objects."""
    edges = {o.name_singular: {f.target_object for f in o.fields if f.join_column} for o in objects}
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        if node in seen or node not in edges:
            continue
        seen.add(node)
        todo += [t for t in edges[node] if t]
    return False


@settings(max_examples=80, deadline=None)
@given(graphs())
def test_every_kept_relation_points_at_an_object_created_earlier(objects: list[ObjectMeta]) -> None:
    """Whatever the graph, the order is a permutation and check_order finds nothing to object to."""
    order, deferred = creation_order(objects)
    assert sorted(order) == sorted(o.name_singular for o in objects)
    assert check_order(order, objects, deferred) == []


@settings(max_examples=80, deadline=None)
@given(graphs())
def test_deferring_is_minimal(objects: list[ObjectMeta]) -> None:
    """No deferred relation points at an object strictly earlier (it could have been kept), and each
    deferred relation closes a cycle (its target leads back to its object)."""
    order, deferred = creation_order(objects)
    position = {name: i for i, name in enumerate(order)}
    for d in deferred:
        assert position[d.target] >= position[d.object], f"{d} points backwards: it need not wait"
        assert reaches(objects, d.target, d.object), f"{d} is in no cycle"


@settings(max_examples=80, deadline=None)
@given(graphs(), st.randoms(use_true_random=False))
def test_the_order_does_not_depend_on_the_input_order(objects: list[ObjectMeta], rng: random.Random) -> None:
    """Objects and fields listed in another order give the same plan (plans are reproducible)."""
    shuffled = []
    for o in rng.sample(objects, len(objects)):
        fields = list(o.fields)
        rng.shuffle(fields)
        shuffled.append(ObjectMeta(o.name_singular, o.name_plural, tuple(fields)))
    assert creation_order(shuffled) == creation_order(objects)
    assert creation_order(objects) == creation_order(objects)


def test_a_long_chain_does_not_hit_the_recursion_limit() -> None:
    """Tarjan runs iteratively: 5 000 objects in a chain are ordered parent first."""
    chain = [obj("n00000")] + [obj(f"n{i:05d}", relation("parent", f"n{i - 1:05d}")) for i in range(1, 5000)]
    order, deferred = creation_order(reversed(chain))
    assert order == [o.name_singular for o in chain]
    assert deferred == []
