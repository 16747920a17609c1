"""README.txt of an import folder: what to import, in which order, which column to map to which
field, and what the import cannot carry. Plain text, for a person with the UI open beside it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from migrate.manual.losses import Loss
from migrate.manual.prepare import PreparedFile, PrepareResult
from migrate.manual.source_model import SourceModel

DO_NOT_IMPORT = "Do not import"


def loss_lines(losses: Iterable[Loss]) -> list[str]:
    """One line per kind of loss (the same field lost on several objects is one line): how many
    records, where, what, and what to do."""
    groups: dict[tuple[str, str | None, str, str], list[Loss]] = {}
    for loss in losses:
        field = None if loss.field in (None, "deletedAt") else loss.field
        groups.setdefault((loss.kind, field, loss.what, loss.todo), []).append(loss)
    lines = []
    for (_, field, what, todo), items in groups.items():
        total = "an unknown number of records" if any(x.count < 0 for x in items) else str(sum(x.count for x in items))
        where = ", ".join(f"{x.object} {x.count}" for x in items) if len(items) > 1 or field else items[0].object
        lines.append(f"- {total} ({where}){' ' + field if field else ''}: {what}. What to do: {todo}.")
    return lines


def _file_block(f: PreparedFile) -> list[str]:
    title = f"Step {f.step}" + (f", part {f.part} of {f.parts}" if f.parts > 1 else "") + (" (second pass)" if f.second_pass else "")
    lines = [f"{title}: {f.label_plural}",
             f"  Open {f.label_plural} -> \u22ee -> Import records, upload {f.file} ({f.rows} rows).",
             "  Map the columns (left: the file's header; right: the field to choose):"]
    width = max(len(c.header) for c in f.columns)
    for c in f.columns:
        right = c.map_to if c.map_to is not None else DO_NOT_IMPORT
        lines.append(f"    {c.header:<{width}}  ->  {right}" + (f"   ({c.note})" if c.note else ""))
    if f.second_pass:
        lines.append("  The records exist already: the import finds each one by its Id and only sets these links.")
    lines.append(f"  Then check: the import reports {f.rows} records, and nothing is left in its error list.")
    return lines


def readme_text(result: PrepareResult, model: SourceModel) -> str:
    custom = sorted(o.label_plural or o.name_plural for o in model.objects if o.is_custom and o.is_active)
    members = sorted(model.members, key=lambda m: (m.email or "").lower())
    lines = [
        "HOW TO IMPORT THESE FILES INTO TWENTY",
        "",
        "Written by `twenty-migrate prepare-csv`. Import the files one by one with the UI's",
        "\"\u22ee -> Import records\", in the order of their numbers. Each file's records keep the",
        "source's Id, so the relation columns of later files find the records of earlier ones.",
        "",
        "BEFORE YOU START",
        "1. The target has the same objects and fields (Settings -> Data model)"
        + (f"; custom objects: {', '.join(custom)}." if custom else "."),
        "2. Every member below has accepted the invitation to the target with this e-mail: member",
        "   columns connect by e-mail, and one unknown e-mail makes the import drop its whole batch.",
        *[f"   - {m.email} ({(m.first_name + ' ' + m.last_name).strip()})" for m in members if m.email],
        "3. Field names below are the source's labels. If the target's differ (renamed, another",
        "   language), choose the field with the same meaning.",
        f"4. No file has more than {result.max_rows} rows (the import's cap); parts of one object",
        "   are imported one after the other.",
        "",
        "STEPS",
    ]
    for f in result.files:
        lines += ["", *_file_block(f)]
    carried = [x for x in result.losses if x.kind == "not carried"]
    rewritten = [x for x in result.losses if x.kind == "rewritten"]
    lines += ["", "WHAT THE IMPORT CANNOT CARRY", *(loss_lines(carried) or ["- nothing"])]
    lines += ["", "WHAT THE IMPORT CHANGES ON THE WAY", *(loss_lines(rewritten) or ["- nothing"])]
    if result.unmapped_cells:
        ids = sorted(result.unmapped_ids)
        lines += ["", "MEMBER IDS WITHOUT AN E-MAIL (their e-mail cells are empty)",
                  f"- {result.unmapped_cells} cells hold {len(ids)} member ids that no source member has: {', '.join(ids)}.",
                  "  Rows: unmapped-members.csv. Run prepare-csv again with --fallback-owner EMAIL, or with a",
                  "  members.toml, before importing."]
    elif result.fallback:
        lines += ["", f"Member ids without an e-mail were given the fallback owner {result.fallback} (see changes.csv)."]
    lines += ["", "CHANGES",
              f"Every change prepare-csv made ({result.changes}) is listed in changes.csv: file and row refer to the",
              "exported file; row 0 is the header or the file itself. No other cell was changed.", ""]
    return "\n".join(lines)


def write_readme(path: Path, result: PrepareResult, model: SourceModel) -> None:
    path.write_text(readme_text(result, model), encoding="utf-8")
