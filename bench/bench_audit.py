"""Benchmark: the audit's diff and the whole checklist against datacompy, on N records a side.

Run by hand: `.venv/bin/python bench/bench_audit.py [--records 200000] [--differences 10000]`
(`--records 1000000` is the issue's size; about 10 minutes on 2 cores, most of it datacompy).
It needs `pandas` and `datacompy` in the venv (`.venv/bin/pip install datacompy pandas`): they
are the baseline, not dependencies of twenty-migrate.

Target: `Differ.diff_all()` and the whole `pytest checks/` run each take <= 1/10 of the time
datacompy (pandas) takes to compare the same tables, measured in the same run; peak RSS reported.

The two snapshots and the journal are written straight with DuckDB SQL (`INSERT ... SELECT ...
FROM range(n)`), never through the API: the data model is the demo's (`twenty-migrate demo
--no-serve`, run once into --workdir, not timed), the tables are made by `SnapshotWriter` and
`create_record_table_sql`, and the rows are generated per column type. Target ids differ from
source ids (the journal's id map joins them), member ids differ (member_map, by e-mail), and the
target differs in form only where the diff normalises (upper-case e-mails, "" for NULL, `[]`,
trailing slashes, microseconds). `--differences` records differ: 80% changed (a text field, a
relation lost, or an owner swapped) and 20% missing from the target, half of those rejected in
the journal. Each measured command runs in its own process; peak RSS is that process's (wait4).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WEIGHTS = {"person": 30, "company": 10, "opportunity": 8, "note": 10, "noteTarget": 12, "task": 8, "taskTarget": 10,
           "project": 4, "contract": 3, "invoice": 3, "attachment": 2}
"""Share of the records per object (out of the total), roughly a CRM's."""

MEMBERS = ["tim@apple.dev", "jane.doe@apple.dev", "jony.ive@apple.dev", "zoe.angstrom@apple.dev", "phil.schiler@apple.dev"]
MEMBER_OBJECT = "workspaceMember"


# -- building the inputs -----------------------------------------------------------------------
def demo_snapshot(workdir: Path) -> Path:
    """The demo's source snapshot, for its data model only (made once, not timed)."""
    demo = workdir / "demo"
    if not (demo / "source.duckdb").exists():
        subprocess.run([sys.executable, "-m", "migrate.cli", "demo", "--no-serve", "--quiet", "--workdir", str(demo)],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return demo / "source.duckdb"


def uuid_sql(obj_index: int, index: str, side: str) -> str:
    return f"printf('%08x-0000-4000-{'8' if side == 's' else '9'}000-%012x', {obj_index}, {index})::UUID"


def member_sql(index: str, side: str) -> str:
    return f"printf('00000000-0000-4000-{'a' if side == 's' else 'b'}000-%012x', ({index}) % {len(MEMBERS)})::UUID"


@dataclass(frozen=True, slots=True)
class Plan:
    """How many rows an object gets and which of them differ (row i differs if i % step = 1 and i // step < count)."""

    index: int
    rows: int
    step: int
    count: int

    def where(self, kind: str) -> str:
        """SQL predicate over `i`: the differing rows of one kind (missing, rejected, changed)."""
        base = f"(i % {self.step} = 1 AND i // {self.step} < {self.count})"
        return {"missing": f"({base} AND (i // {self.step}) % 5 = 0)", "rejected": f"({base} AND (i // {self.step}) % 10 = 0)",
                "changed": f"({base} AND (i // {self.step}) % 5 <> 0)"}[kind] + " "


def plan_objects(objects: dict[str, Any], records: int, differences: int) -> dict[str, Plan]:
    plans = {}
    total = sum(WEIGHTS.values())
    for index, name in enumerate(sorted(objects), start=1):
        rows = max(10, records * WEIGHTS.get(name, 1) // total)
        count = min(rows // 2, max(1, differences * WEIGHTS.get(name, 1) // total))
        plans[name] = Plan(index, rows, max(2, rows // count), count)
    return plans


def parent_sql(plans: dict[str, Plan], parent: str, side: str) -> str:
    """A parent record that exists on both sides and is unchanged (its index avoids i % step = 1)."""
    p = plans[parent]
    x = f"((i * 7919) % {p.rows - 1})"
    return uuid_sql(p.index, f"CASE WHEN {x} % {p.step} = 1 THEN {x} + 1 ELSE {x} END", side)


def column_sql(obj: Any, column: Any, plans: dict[str, Plan], side: str, change: dict[str, Any]) -> str:
    """One column's generated value on one side, with the target's changes for `change` rows."""
    meta = {f.name: f for f in obj.fields}.get(column.field)
    plan = plans[obj.name_singular]
    ts = "(TIMESTAMP '2024-01-01' + to_microseconds(i * 1000003))"
    name, sql_type = column.name, column.sql_type
    if name == "id":
        return uuid_sql(plan.index, "i", side)
    if name == "deletedAt":
        return f"CASE WHEN i % 100 = 50 THEN {ts} END"
    if name == "updatedAt":
        return ts if side == "s" else "TIMESTAMP '2025-06-01'"
    if meta is not None and meta.type == "FILES":
        return "NULL"
    if column.kind == "join" or name.endswith("_workspaceMemberId"):
        target = MEMBER_OBJECT if name.endswith("_workspaceMemberId") else (meta.target_object if meta else None)
        if target == MEMBER_OBJECT:
            value = member_sql("i", side)
            if side == "t" and change.get("member") == name:
                value = f"CASE WHEN {change['member_where']} THEN {member_sql('i + 1', 't')} ELSE {value} END"
            return value
        if target not in plans or target == obj.name_singular:
            return "NULL"
        if meta is not None and meta.type == "MORPH_RELATION":  # one target per row
            morphs = change["morphs"]
            value = f"CASE WHEN i % {len(morphs)} = {morphs.index(name)} THEN {parent_sql(plans, target, side)} END"
        else:
            value = parent_sql(plans, target, side)
        if side == "t" and change.get("relation") == name:
            value = f"CASE WHEN {change['relation_where']} THEN NULL ELSE {value} END"
        return value
    if name == "createdBy_source" or name == "updatedBy_source":
        return "'MANUAL'"
    if name in ("createdBy_name", "updatedBy_name"):
        return "'Tim Apple'"
    if sql_type == "TIMESTAMP":
        return ts if side == "s" else f"date_trunc('millisecond', {ts})"
    if sql_type == "DATE":
        return "(DATE '2024-01-01' + CAST(i % 1000 AS INTEGER))"
    if sql_type == "BOOLEAN":
        return "(i % 2 = 0)"
    if sql_type == "BIGINT":
        return "(i * 1000)"
    if sql_type == "DOUBLE":
        return "(i * 0.25)"
    if sql_type == "UUID":  # not a reference: the same value on both sides
        return uuid_sql(plan.index, "i", "s")
    if sql_type == "VARCHAR[]":
        if column.sub == "additionalEmails":
            return "['x' || i || '@example.com']" if side == "s" else "['X' || i || '@Example.com']"
        options = [str(o.get("value")) for o in meta.options] if meta is not None and meta.options else ["alpha", "beta", "gamma"]
        return f"[{', '.join(repr(v) for v in options[:2])}, {options[-1]!r} || (i % 3)]"
    if sql_type == "JSON":
        if column.sub in ("additionalPhones", "secondaryLinks"):
            return "'[]'::JSON" if side == "s" else "NULL"
        return """CAST('{"n": ' || i || '}' AS JSON)""" if meta is not None and meta.type == "RAW_JSON" else "NULL"
    # VARCHAR
    if meta is not None and meta.options:
        values = [str(o.get("value")) for o in meta.options]
        return f"[{', '.join(repr(v) for v in values)}][1 + i % {len(values)}]"
    if column.sub == "primaryEmail":
        return "'user' || i || '@example.com'" if side == "s" else "CASE WHEN i % 3 = 0 THEN 'USER' || i || '@Example.com' ELSE 'user' || i || '@example.com' END"
    if column.sub == "primaryLinkUrl":
        return f"'https://example.com/{obj.name_singular}/' || i" + ("" if side == "s" else " || CASE WHEN i % 4 = 0 THEN '/' ELSE '' END")
    value = f"CASE WHEN i % 11 = 0 THEN {'NULL' if side == 's' else chr(39) * 2} ELSE '{name} ' || i END"
    if side == "t" and change.get("text") == name:
        value = f"CASE WHEN {change['text_where']} THEN '{name} ' || i || ' (edited)' ELSE {value} END"
    return value


def build(workdir: Path, demo_path: Path, records: int, differences: int) -> tuple[Path, Path, Path, dict[str, Any]]:
    """Write source.duckdb, target.duckdb and state.duckdb under workdir; return them and a summary."""
    import duckdb

    from migrate.apply.journal import Journal
    from migrate.snapshot.reader import Snapshot
    from migrate.snapshot.tables import (
        BASE_DDL,
        FORMAT_VERSION,
        create_record_table_sql,
        record_columns,
    )

    with Snapshot(demo_path) as demo:
        all_objects = demo.objects()
        snapshotted = {r[0] for r in demo.con.execute("SELECT name_singular FROM objects WHERE snapshotted").fetchall()}
    objects = {o.name_singular: o for o in all_objects if o.name_singular in snapshotted}
    plans = plan_objects(objects, records, differences)
    out = workdir / f"n{records}-d{differences}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    paths = {"s": out / "source.duckdb", "t": out / "target.duckdb"}
    summary: dict[str, Any] = {"records": 0, "changed": 0, "missing": 0, "rejected": 0}
    for side in ("s", "t"):
        # Written like SnapshotWriter writes (BASE_DDL, create_record_table_sql), with the demo's
        # objects and fields rows copied as they are, and the records generated in SQL.
        con = duckdb.connect(str(paths[side]))
        con.execute(BASE_DDL)
        con.execute(f"ATTACH '{demo_path}' AS demo (READ_ONLY)")
        con.execute("INSERT INTO objects SELECT * FROM demo.objects")
        con.execute("INSERT INTO fields SELECT * FROM demo.fields")
        con.execute("DETACH demo")
        for obj in objects.values():
            con.execute(create_record_table_sql(obj))
        con.execute("INSERT INTO members SELECT " + member_sql("k", side) + ", email, split_part(email, '@', 1), '', NULL "
                    "FROM (SELECT unnest(?::VARCHAR[]) AS email, generate_subscripts(?::VARCHAR[], 1) - 1 AS k)", [MEMBERS, MEMBERS])
        con.execute("INSERT INTO snapshot_info VALUES (?, 'bench', ?, TIMESTAMP '2025-06-01', 'bench', 'v2.40.0', NULL)",
                    [FORMAT_VERSION, f"http://bench-{'source' if side == 's' else 'target'}.invalid"])
        for name, obj in objects.items():
            plan = plans[name]
            columns = record_columns(obj)
            joins = [c for c in columns if c.kind == "join" and {f.name: f for f in obj.fields}.get(c.field) is not None]
            metas = {f.name: f for f in obj.fields}
            related = [c for c in joins if metas[c.field].target_object in plans and metas[c.field].target_object != name]
            morphs = [c.name for c in joins if metas[c.field].type == "MORPH_RELATION"]
            members = [c.name for c in joins if metas[c.field].target_object == MEMBER_OBJECT]
            members += [c.name for c in columns if c.name == "createdBy_workspaceMemberId"]
            text = next((c.name for c in columns if c.sql_type == "VARCHAR" and not c.name.startswith(("createdBy_", "updatedBy_"))
                         and c.sub not in ("primaryEmail", "primaryLinkUrl") and not (c.field in metas and metas[c.field].options)), None)
            relation = next((c.name for c in related if c.name not in morphs), None)
            columns_of = {"text": text, "relation": relation, "member": members[0] if members else None}
            # which change a changed row gets, by (i // step) % 10: 3 a relation lost, 7 an owner swapped, else a text edited
            kinds: dict[str, list[int]] = {"text": [], "relation": [], "member": []}
            for v in range(10):
                wanted = "relation" if v == 3 else "member" if v == 7 else "text"
                kinds[next(k for k in (wanted, "text", "relation", "member") if columns_of[k])].append(v)
            change: dict[str, Any] = {**columns_of, "related": related, "morphs": morphs}
            for kind, values in kinds.items():
                change[f"{kind}_where"] = f"{plan.where('changed')} AND (i // {plan.step}) % 10 IN ({', '.join(map(str, values or [-1]))})"
            select = ", ".join(column_sql(obj, c, plans, side, change) for c in columns)
            where = f"WHERE NOT {plan.where('missing')}" if side == "t" else ""
            con.execute(f'INSERT INTO records."{name}" SELECT {select} FROM range({plan.rows}) r(i) {where}')
            count, deleted = con.execute(f'SELECT count(*), count("deletedAt") FROM records."{name}"').fetchone()  # type: ignore[misc]
            con.execute("UPDATE objects SET record_count = ?, deleted_count = ? WHERE name_singular = ?", [count, deleted, name])
            if side == "s":
                summary["records"] += plan.rows
                summary["changed"] += con.execute(f"SELECT count(*) FROM range({plan.rows}) r(i) WHERE {plan.where('changed')}").fetchone()[0]  # type: ignore[index]
                summary["missing"] += con.execute(f"SELECT count(*) FROM range({plan.rows}) r(i) WHERE {plan.where('missing')}").fetchone()[0]  # type: ignore[index]
                summary["rejected"] += con.execute(f"SELECT count(*) FROM range({plan.rows}) r(i) WHERE {plan.where('rejected')}").fetchone()[0]  # type: ignore[index]
        con.execute("CHECKPOINT")
        con.close()
    state = out / "state.duckdb"
    with Journal(state) as journal:
        journal.bind(source="http://bench-source.invalid", target="http://bench-target.invalid")
        journal.record_member_map([{"source_id": journal.con.execute(f"SELECT CAST({member_sql(str(k), 's')} AS VARCHAR)").fetchone()[0],  # type: ignore[index]
                                    "email": e, "target_id": journal.con.execute(f"SELECT CAST({member_sql(str(k), 't')} AS VARCHAR)").fetchone()[0],  # type: ignore[index]
                                    "target_email": e, "via": "email"} for k, e in enumerate(MEMBERS)])
        for name, plan in plans.items():
            journal.con.execute(f"INSERT INTO id_map SELECT ?, CAST({uuid_sql(plan.index, 'i', 's')} AS VARCHAR), "
                                f"CAST({uuid_sql(plan.index, 'i', 't')} AS VARCHAR), 'created', NULL FROM range({plan.rows}) r(i) "
                                f"WHERE NOT {plan.where('missing')}", [name])
            journal.con.execute(f"INSERT INTO rejects SELECT ?, CAST({uuid_sql(plan.index, 'i', 's')} AS VARCHAR), 'create', NULL, "
                                f"'bench: refused by the target', 'none' FROM range({plan.rows}) r(i) WHERE {plan.where('rejected')}", [name])
        journal.con.execute("CHECKPOINT")
    return paths["s"], paths["t"], state, summary


# -- the measured children -----------------------------------------------------------------------
def child_diff(source: Path, target: Path, state: Path) -> dict[str, Any]:
    from migrate.diff.compare import Differ

    start = time.perf_counter()
    differ = Differ(source, target, state)
    diffs = differ.diff_all()
    seconds = time.perf_counter() - start
    differ.close()
    return {"seconds": seconds, "status": {k: sum(d.status.get(k, 0) for d in diffs.values()) for k in ("matched", "changed", "only_source", "only_target")},
            "samples": sum(len(d.samples) for d in diffs.values())}


def child_datacompy(source: Path, target: Path, state: Path) -> dict[str, Any]:
    """datacompy on the same tables: each object's two record tables loaded into pandas, source ids
    (the key and the relations) and member ids mapped through the journal, then Compare + report()."""
    import datacompy
    import duckdb
    import pandas as pd

    start = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"ATTACH '{source}' AS s (READ_ONLY)")
    con.execute(f"ATTACH '{target}' AS t (READ_ONLY)")
    con.execute(f"ATTACH '{state}' AS j (READ_ONLY)")
    # record ids and member ids never collide: one mapping serves keys, relations and owners
    id_map = con.execute("SELECT source_id, target_id FROM j.id_map UNION ALL SELECT source_id, target_id FROM j.member_map").df()
    id_map = id_map.set_index("source_id")["target_id"]
    names = [r[0] for r in con.execute("SELECT name_singular FROM s.objects WHERE snapshotted ORDER BY 1").fetchall()]
    compare_seconds = 0.0
    out: dict[str, Any] = {"mismatched_rows": 0, "only_source": 0, "only_target": 0}
    for name in names:
        described = con.execute(f'DESCRIBE s.records."{name}"').fetchall()
        cols = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' if t in ("UUID", "JSON", "VARCHAR[]") else f'"{c}"' for c, t, *_ in described
                         if c not in ("updatedAt", "updatedBy_source", "updatedBy_workspaceMemberId", "updatedBy_name", "updatedBy_context"))
        left = con.execute(f'SELECT {cols} FROM s.records."{name}"').df()
        right = con.execute(f'SELECT {cols} FROM t.records."{name}"').df()
        for column, sql_type, *_ in described:
            if sql_type == "UUID" and column in left:
                left[column] = left[column].map(id_map).fillna(left[column])
        begin = time.perf_counter()
        compare = datacompy.PandasCompare(left, right, join_columns="id", df1_name="source", df2_name="target")
        compare.report(sample_count=20)
        compare_seconds += time.perf_counter() - begin
        out["mismatched_rows"] += len(compare.all_mismatch())
        out["only_source"] += len(compare.df1_unq_rows)
        out["only_target"] += len(compare.df2_unq_rows)
        del left, right, compare
    out["seconds"] = time.perf_counter() - start
    out["compare_seconds"] = compare_seconds
    out["pandas"] = pd.__version__
    out["datacompy"] = datacompy.__version__
    return out


CPU: dict[str, float] = {}
"""CPU seconds (user + system, all threads) of each measured child, by kind, from wait4."""


def run_child(args: list[str], cwd: Path = ROOT, kind: str = "") -> tuple[float, float, int, str]:
    """Run a command; return its wall seconds, its own peak RSS in MB (wait4), exit code, stdout."""
    start = time.perf_counter()
    process = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    stdout = process.stdout.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    CPU[kind] = usage.ru_utime + usage.ru_stime
    return time.perf_counter() - start, usage.ru_maxrss / 1024, process.returncode, stdout


def compile_project() -> None:
    """Byte-compile twenty-migrate's modules once, untimed, as `pip install` does: a machine with
    PYTHONDONTWRITEBYTECODE set would otherwise compile them from source in every measured run
    (pandas and datacompy, installed by pip, are compiled already)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "migrate")], check=True)


def warm_pytest(source: Path, target: Path, state: Path) -> None:
    """Collect `pytest checks/` once, untimed, with bytecode writing on: pytest caches the modules
    it rewrites (the checks, and each pytest plugin installed) on its first run on any machine.
    Without this, a machine with PYTHONDONTWRITEBYTECODE set would rewrite them in every measured
    run, ~0.4 s that a second run on any other machine does not pay."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "pytest", str(ROOT / "checks"), "--source", str(source), "--target", str(target),
                    "--state", str(state), "--report-dir", str(Path(source).parent / "warm-reports"), "-p", "no:cacheprovider",
                    "--collect-only", "-q"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000, help="records per side, over 11 objects (default 200000)")
    parser.add_argument("--differences", type=int, default=10_000, help="differing records (default 10000)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/twenty-migrate-bench-audit"))
    parser.add_argument("--demo", type=Path, help="a snapshot whose data model to use (default: run the demo into --workdir/demo)")
    parser.add_argument("--skip-datacompy", action="store_true", help="time ours only (no ratio)")
    parser.add_argument("--child", choices=["diff", "datacompy"], help=argparse.SUPPRESS)
    parser.add_argument("--inputs", nargs=3, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = (child_diff if args.child == "diff" else child_datacompy)(*args.inputs)
        print("RESULT " + json.dumps(result))
        return

    start = time.perf_counter()
    compile_project()
    demo = args.demo or demo_snapshot(args.workdir)
    source, target, state, summary = build(args.workdir, demo, args.records, args.differences)
    warm_pytest(source, target, state)
    size = sum(p.stat().st_size for p in (source, target)) / 1e6
    print(f"inputs: {summary['records']} records a side over 11 objects, {summary['changed']} changed, {summary['missing']} missing "
          f"from the target ({summary['rejected']} of them rejected in the journal); two snapshots {size:.0f} MB, "
          f"built in {time.perf_counter() - start:.1f} s (not counted)")

    def child(kind: str) -> tuple[float, float, dict[str, Any]]:
        wall, rss, code, stdout = run_child([sys.executable, __file__, "--child", kind, "--inputs", str(source), str(target), str(state)], kind=kind)
        line = next((x for x in stdout.splitlines() if x.startswith("RESULT ")), None)
        if code != 0 or line is None:
            raise SystemExit(f"{kind} failed (exit {code}):\n{stdout[-3000:]}")
        return wall, rss, json.loads(line[7:])

    wall_d, rss_d, diff = child("diff")
    print(f"(a) Differ.diff_all()   {diff['seconds']:7.1f} s  (process {wall_d:.1f} s, CPU {CPU['diff']:.1f} s)  peak RSS {rss_d:6.0f} MB   "
          f"status {diff['status']}")
    reports = args.workdir / "reports"
    wall_p, rss_p, code, stdout = run_child([sys.executable, "-m", "pytest", str(ROOT / "checks"), "--source", str(source), "--target",
                                             str(target), "--state", str(state), "--report-dir", str(reports), "-p", "no:cacheprovider",
                                             "-q", "--no-header", "-rN"], kind="checks")
    tail = [x for x in stdout.splitlines() if x.strip()][-3:]
    html = reports / "audit.html"
    print(f"(b) pytest checks/      {wall_p:7.1f} s  (whole process, exit {code}, CPU {CPU['checks']:.1f} s)  peak RSS {rss_p:6.0f} MB   "
          f"audit.html {html.stat().st_size / 1e6:.2f} MB; {tail[-1].strip()}")
    if args.skip_datacompy:
        return
    wall_c, rss_c, theirs = child("datacompy")
    print(f"(c) datacompy           {theirs['seconds']:7.1f} s  (process {wall_c:.1f} s, CPU {CPU['datacompy']:.1f} s; Compare + report() alone "
          f"{theirs['compare_seconds']:.1f} s)  peak RSS {rss_c:6.0f} MB   pandas {theirs['pandas']}, datacompy {theirs['datacompy']}; "
          f"{theirs['mismatched_rows']} mismatched rows, {theirs['only_source']} only in source, {theirs['only_target']} only in target")
    ratio_d, ratio_p = diff["seconds"] / theirs["seconds"], wall_p / wall_c
    print(f"ours / theirs: diff {ratio_d:.3f} (1/{1 / ratio_d:.1f}), whole checklist {ratio_p:.3f} (1/{1 / ratio_p:.1f}; process walls)")
    print(f"CPU ours / theirs: diff {CPU['diff'] / CPU['datacompy']:.3f}, whole checklist {CPU['checks'] / CPU['datacompy']:.3f} (processes)")
    print(f"peak RSS ours / theirs: diff {rss_d / rss_c:.2f}, checklist {rss_p / rss_c:.2f}")
    verdict = "OK" if max(ratio_d, ratio_p) <= 0.1 else "MISSED"
    print(f"target: ours <= 1/10 of datacompy's time -> {verdict}")


if __name__ == "__main__":
    main()
