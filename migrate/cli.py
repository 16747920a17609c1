"""The `twenty-migrate` command: a thin typer layer over the library (parse, call, print).

Exit codes: 0 done; 1 checks failed, records rejected or a snapshot incomplete; 2 usage or
configuration error; 3 Twenty unreachable or key refused; 130 interrupted (resumable).
API keys come from the environment (or a hidden prompt on a terminal), never from argv.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from migrate import __version__
from migrate.errors import (
    ConfigError,
    InputError,
    MigrateError,
    TwentyAuthError,
    TwentyQuotaExhausted,
    TwentyUnreachable,
    TwentyUnsupportedVersion,
)

T = TypeVar("T")

app = typer.Typer(
    name="twenty-migrate",
    help="Move a Twenty CRM workspace between instances through Twenty's APIs, and prove the move.\n\n"
         "API keys come only from the environment (TWENTY_SOURCE_API_KEY, TWENTY_TARGET_API_KEY, TWENTY_API_KEY; "
         "TWENTY_TARGET_USER_TOKEN for what only a user may do) or, at a terminal, a hidden prompt; never from an "
         "argument, and never written to a file, a log or a report.",
    no_args_is_help=True,
    add_completion=False,
)
emulator_app = typer.Typer(help="A Twenty-compatible server for tests and demos.", no_args_is_help=True)
app.add_typer(emulator_app, name="emulator")

err = Console(stderr=True)

EXIT_DONE, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def exit_code_for(exc: MigrateError) -> int:
    """The documented exit code of an error (README, "Exit codes")."""
    if isinstance(exc, ConfigError | InputError):
        return EXIT_USAGE
    if isinstance(exc, TwentyAuthError | TwentyUnreachable | TwentyUnsupportedVersion | TwentyQuotaExhausted):
        return EXIT_UNREACHABLE
    return EXIT_FAILED


@contextmanager
def reported(debug: bool = False) -> Iterator[None]:
    """One sentence on stderr and the documented exit code; the traceback only under --debug."""
    try:
        yield
    except MigrateError as exc:
        if debug:
            err.print_exception()
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)  # one line; user data is not markup
        raise typer.Exit(exit_code_for(exc)) from None
    except KeyboardInterrupt:
        err.print("interrupted; run the same command again to resume.")
        raise typer.Exit(EXIT_INTERRUPTED) from None


def run_async(make: Callable[[], Any]) -> Any:
    return asyncio.run(make())


def read_api_key(variable: str) -> Any:
    """The key from the environment, else a hidden prompt when a person is at a terminal."""
    from migrate.settings import Secret, api_key_from_env

    try:
        return api_key_from_env(variable)
    except ConfigError:
        if sys.stdin.isatty() and sys.stderr.isatty():
            value = typer.prompt(f"API key ({variable} is not set)", hide_input=True, err=True)
            return Secret(value.strip())
        raise


UrlOption = Annotated[str | None, typer.Option("--url", help="Base URL of the Twenty server, e.g. https://api.twenty.com.")]
KeyEnvOption = Annotated[str, typer.Option("--api-key-env", help="Environment variable that holds the API key (never pass a key as an argument).")]
RateOption = Annotated[float, typer.Option("--rate", help="Requests per minute to stay under (Twenty's default limit is 100; Cloud may hold a workspace to 50).")]
QuietOption = Annotated[bool, typer.Option("--quiet", help="No progress bars.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks.")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"twenty-migrate {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """twenty-migrate: snapshot, plan, apply and audit a Twenty workspace migration."""


@emulator_app.command("serve")
def emulator_serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 picks a free one).")] = 3000,
    seed: Annotated[str, typer.Option(help='"empty" (members only), "demo", or a number of records.')] = "demo",
    api_key: Annotated[str, typer.Option(envvar="TWENTY_EMULATOR_API_KEY", help="Bearer token the emulated workspace accepts (a test key, never a real one).")] = "demo-key",
    rng_seed: Annotated[int, typer.Option(help="Seed of the data generator: the same seed gives the same workspace.")] = 0,
    rate_limit: Annotated[int, typer.Option(help="Requests per minute per API key (Twenty's default: 100).")] = 100,
    db: Annotated[str, typer.Option(help="SQLite file to keep the workspace in (default: memory).")] = ":memory:",
) -> None:
    """Serve an emulated Twenty workspace on 127.0.0.1.

    Example: twenty-migrate emulator serve --port 3000 --seed demo
    """
    from migrate.emulator import create_app
    from migrate.emulator.limits import RateLimit
    from migrate.emulator.server import make_server

    try:
        server, sock = make_server(None, "127.0.0.1", port)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"  # Twenty's SERVER_URL: signed file URLs point here
        emulator = create_app(seed=seed, rng_seed=rng_seed, api_keys=[api_key], limits=RateLimit(limit=rate_limit),
                              db_path=db, server_url=url)
    except MigrateError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)  # one line, whatever the terminal width
        raise typer.Exit(EXIT_USAGE) from None
    except OSError as exc:
        err.print(f"[red]error:[/red] cannot listen on 127.0.0.1:{port} ({exc.strerror}); choose another --port.", soft_wrap=True)
        raise typer.Exit(EXIT_USAGE) from None
    server.config.app = emulator
    counts = {k: v for k, v in emulator.workspace.count_all().items() if v}
    err.print(f"[bold green]Emulated Twenty workspace[/bold green] at {url} (seed: {seed})")
    err.print("Records: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    err.print("Try:")
    err.print(f'  curl -H "Authorization: Bearer <key>" {url}/rest/companies?limit=2')
    err.print(f"  curl -H \"Authorization: Bearer <key>\" {url}/rest/metadata/objects")
    err.print(f"  curl {url}/client-config")
    err.print("(<key> is the --api-key you gave, or demo-key by default.) Ctrl-C stops it.")
    server.run(sockets=[sock])


@app.command("snapshot")
def snapshot(
    out: Annotated[Path, typer.Option("--out", help="The DuckDB file to write (replaced only when complete).")],
    url: UrlOption = None,
    csv_dir: Annotated[Path | None, typer.Option("--csv-dir", help="A folder of CSV files from Twenty's \"Export view\", instead of --url.")] = None,
    schema: Annotated[Path | None, typer.Option("--schema", help="With --csv-dir: a snapshot (.duckdb) or schema.json giving the data model.")] = None,
    api_key_env: KeyEnvOption = "TWENTY_API_KEY",
    rate: RateOption = 90.0,
    no_files: Annotated[bool, typer.Option("--no-files", help="Do not download attachment bytes.")] = False,
    quiet: QuietOption = False,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Read a whole workspace (from the API, or from CSV exports) into one DuckDB file.

    Example: TWENTY_API_KEY=... twenty-migrate snapshot --url https://crm.example.com --out source.duckdb
    """
    from migrate.cli_progress import RichProgress
    from migrate.progress import NULL_PROGRESS

    if (url is None) == (csv_dir is None):
        err.print("error: give exactly one of --url or --csv-dir (with --schema).")
        raise typer.Exit(EXIT_USAGE)
    with reported(debug):
        progress_cm = RichProgress(err) if not quiet else None
        progress = progress_cm or NULL_PROGRESS
        if progress_cm:
            progress_cm.__enter__()
        try:
            if url is not None:
                summary = run_async(lambda: _snapshot_api(url, api_key_env, rate, out, progress, not no_files))
            else:
                from migrate.snapshot.from_csv import snapshot_from_csv

                if schema is None:
                    raise ConfigError("--csv-dir needs --schema: a snapshot of the source (.duckdb) or a schema.json.")
                summary = snapshot_from_csv(csv_dir, schema, out, progress=progress)  # type: ignore[arg-type]
        finally:
            if progress_cm:
                progress_cm.__exit__(None, None, None)
    deleted = sum(summary.deleted.values())
    if as_json:
        typer.echo(json.dumps({"path": str(summary.path), "records": summary.records, "deleted": deleted, "counts": summary.counts,
                               "files": summary.files, "file_bytes": summary.file_bytes, "requests": summary.requests,
                               "seconds": round(summary.seconds, 3), "twenty_version": summary.twenty_version}))
    else:
        typer.echo(f"{summary.path}: {len(summary.counts)} objects, {summary.records} records ({deleted} soft-deleted), "
                   f"{summary.files} files ({summary.file_bytes} bytes), {summary.requests} requests in {summary.seconds:.1f} s")


async def _snapshot_api(url: str, api_key_env: str, rate: float, out: Path, progress: Any, with_files: bool) -> Any:
    from migrate.settings import ClientSettings, Endpoint
    from migrate.snapshot.from_api import snapshot_from_api
    from migrate.twenty.client import TwentyClient

    endpoint = Endpoint(url, read_api_key(api_key_env))
    async with TwentyClient(endpoint, ClientSettings(requests_per_minute=rate)) as client:
        return await snapshot_from_api(client, out, progress=progress, with_files=with_files)


@app.command("snapshot-info")
def snapshot_info(
    path: Annotated[Path, typer.Argument(help="A snapshot file.")],
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Print what a snapshot holds: where from, when, objects and counts.

    Example: twenty-migrate snapshot-info source.duckdb
    """
    from rich.table import Table

    from migrate.snapshot.reader import Snapshot

    with reported(debug), Snapshot(path) as snap:
        info = {k: (str(v) if v is not None else None) for k, v in snap.info.items()}
        counts = snap.counts()
        members = len(snap.members())
    if as_json:
        typer.echo(json.dumps({"info": info, "members": members, "objects": {k: {"records": v[0], "deleted": v[1]} for k, v in counts.items()}}))
        return
    out = Console()
    out.print(f"{path}: {info['origin']} snapshot of {info['url']} (Twenty {info['twenty_version'] or 'unknown'}) taken {info['taken_at']} UTC "
              f"by twenty-migrate {info['tool_version']}")
    table = Table("object", "records", "soft-deleted")
    for name, (records, deleted) in counts.items():
        table.add_row(name, str(records), str(deleted))
    out.print(table)
    out.print(f"{members} workspace members")


@app.command("export-csv")
def export_csv_command(
    source: Annotated[str, typer.Option("--source", help="The source's URL (key in TWENTY_SOURCE_API_KEY), or a snapshot (.duckdb).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the files, one <object>.csv per object with records.")] = Path("exports"),
    rate: RateOption = 90.0,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Export every object with records (custom ones too), every field, as the UI's newest "Export view" writes it.

    Example: TWENTY_SOURCE_API_KEY=... twenty-migrate export-csv --source https://crm.example.com --out exports/
    """
    from migrate.cli_progress import RichProgress
    from migrate.manual.export import export_from_snapshot
    from migrate.progress import NULL_PROGRESS

    with reported(debug), (RichProgress(err) if not quiet else _null_context(NULL_PROGRESS)) as progress:
        if source.startswith(("http://", "https://")):
            summary = run_async(lambda: _export_api(source, rate, out, progress))
        else:
            if not Path(source).exists():
                raise ConfigError(f"--source {source} is neither a URL nor an existing snapshot file.")
            summary = export_from_snapshot(Path(source), out, progress=progress)
    for name, rows in summary.files.items():
        typer.echo(f"{out / name}: {rows} records")
    if summary.empty:
        typer.echo(f"no records, no file: {', '.join(summary.empty)}")
    typer.echo(f"{out / 'schema.json'}: the data model and members, for `pytest checks/ --source {out}`")
    typer.echo(f"{len(summary.files)} files, {summary.records} records in {summary.seconds:.1f} s; next: twenty-migrate prepare-csv --csv-dir {out}")


@contextmanager
def _null_context(value: T) -> Iterator[T]:
    yield value


async def _export_api(url: str, rate: float, out: Path, progress: Any) -> Any:
    from migrate.manual.export import export_from_api
    from migrate.settings import ClientSettings, Endpoint
    from migrate.twenty.client import TwentyClient

    async with TwentyClient(Endpoint(url, read_api_key("TWENTY_SOURCE_API_KEY")), ClientSettings(requests_per_minute=rate)) as client:
        return await export_from_api(client, out, progress=progress)


@app.command("prepare-csv")
def prepare_csv_command(
    csv_dir: Annotated[Path, typer.Option("--csv-dir", help="The folder of CSV files exported from the source (export-csv or the UI).")],
    source: Annotated[str, typer.Option("--source", help="The source's URL (key in TWENTY_SOURCE_API_KEY), a snapshot (.duckdb) or a schema.json: data model and members.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the files to import, README.txt and changes.csv.")] = Path("import"),
    members_file: Annotated[Path | None, typer.Option("--members", help="members.toml: [members] \"source e-mail\" = \"target e-mail\".")] = None,
    fallback_owner: Annotated[str | None, typer.Option("--fallback-owner", help="E-mail written for member ids no source member has.")] = None,
    max_rows: Annotated[int, typer.Option("--max-rows", help="Rows per file at most (the UI's import takes 10000).")] = 10_000,
    rate: RateOption = 90.0,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Make the exports ready for the UI's "Import records": member e-mail columns, dependency order, parts under the cap, README.txt.

    Exit codes: 0 ready; 1 some member ids have no e-mail (listed; give --fallback-owner or --members); 2 usage error.
    Example: twenty-migrate prepare-csv --csv-dir exports/ --source source.duckdb --out import/
    """
    from migrate.cli_progress import RichProgress
    from migrate.manual.prepare import prepare_csv
    from migrate.manual.readme import loss_lines
    from migrate.manual.source_model import model_from_file
    from migrate.plan.members import load_overrides
    from migrate.progress import NULL_PROGRESS

    with reported(debug):
        overrides = load_overrides(members_file) if members_file else {}
        if source.startswith(("http://", "https://")):
            model = run_async(lambda: _source_model(source, rate))
        else:
            model = model_from_file(Path(source))
        with RichProgress(err) if not quiet else _null_context(NULL_PROGRESS) as progress:
            result = prepare_csv(csv_dir, model, out, overrides=overrides, fallback=fallback_owner, max_rows=max_rows, progress=progress)
    for f in result.files:
        typer.echo(f"{out / f.file}: {f.rows} rows -> {f.label_plural}" + (" (second pass)" if f.second_pass else ""))
    lines = loss_lines(x for x in result.losses if x.kind == "not carried")
    if lines:
        typer.echo("The UI's import cannot carry:")
        for line in lines:
            typer.echo(line)
    typer.echo(f"{len(result.files)} files; import them in order as {out / 'README.txt'} says; {result.changes} changes in {out / 'changes.csv'}")
    if result.unmapped_cells:
        ids = sorted(result.unmapped_ids)
        err.print(f"{result.unmapped_cells} member cells hold {len(ids)} ids no source member has ({', '.join(ids[:5])}); their rows are in "
                  f"{out / 'unmapped-members.csv'}. Give --fallback-owner EMAIL or a --members file and run prepare-csv again.",
                  highlight=False, markup=False)
        raise typer.Exit(EXIT_FAILED)


async def _source_model(url: str, rate: float) -> Any:
    from migrate.manual.source_model import model_from_api
    from migrate.settings import ClientSettings, Endpoint
    from migrate.twenty.client import TwentyClient

    async with TwentyClient(Endpoint(url, read_api_key("TWENTY_SOURCE_API_KEY")), ClientSettings(requests_per_minute=rate)) as client:
        return await model_from_api(client)


SourceOption = Annotated[str, typer.Option("--source", help="The source: a snapshot file, or a URL (key in TWENTY_SOURCE_API_KEY), snapshotted to --source-out first.")]
TargetOption = Annotated[str, typer.Option("--target", help="The target's URL (key in TWENTY_TARGET_API_KEY).")]
StateOption = Annotated[Path, typer.Option("--state", help="The journal: ids, batches, rejects.")]


@app.command("plan")
def plan_command(
    source: SourceOption,
    target: TargetOption,
    out: Annotated[Path, typer.Option("--out", help="Where to write the plan.")] = Path("plan.json"),
    source_out: Annotated[Path, typer.Option("--source-out", help="With a source URL: where its snapshot goes.")] = Path("source.duckdb"),
    members_file: Annotated[Path | None, typer.Option("--members", help="members.toml: [members] \"source e-mail\" = \"target e-mail\".")] = None,
    fallback_owner: Annotated[str | None, typer.Option("--fallback-owner", help="E-mail of a target member who takes the records of unmapped members.")] = None,
    invite_missing: Annotated[bool, typer.Option("--invite-missing", help="Invite unmapped members to the target (needs a user token in TWENTY_TARGET_USER_TOKEN: Twenty refuses invitations from API keys).")] = False,
    rate: RateOption = 90.0,
    quiet: QuietOption = False,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Compare the source with the target and write plan.json; nothing is written to the target.

    Example: TWENTY_TARGET_API_KEY=... twenty-migrate plan --source source.duckdb --target https://api.twenty.com
    """
    from migrate.plan.members import load_overrides
    from migrate.plan.plan import save_plan

    with reported(debug):
        overrides = load_overrides(members_file) if members_file else {}
        plan = run_async(lambda: _plan(source, target, source_out, overrides, fallback_owner, rate, quiet, invite_missing))
        save_plan(plan, out)
    if as_json:
        typer.echo(plan.to_json())
    else:
        _print_plan(plan, out)
    if plan.blocking:
        raise typer.Exit(EXIT_FAILED)


async def _plan(source: str, target: str, source_out: Path, overrides: dict[str, str], fallback: str | None, rate: float, quiet: bool,
                invite: bool = False) -> Any:
    from migrate.plan.invite import invite_missing
    from migrate.plan.plan import build_plan
    from migrate.settings import ClientSettings, Endpoint, api_key_from_env
    from migrate.snapshot.from_api import snapshot_from_api
    from migrate.twenty.client import TwentyClient

    settings = ClientSettings(requests_per_minute=rate)
    snapshot = Path(source)
    if source.startswith(("http://", "https://")):
        async with TwentyClient(Endpoint(source, read_api_key("TWENTY_SOURCE_API_KEY")), settings) as client:
            await snapshot_from_api(client, source_out)
        snapshot = source_out
    async with TwentyClient(Endpoint(target, read_api_key("TWENTY_TARGET_API_KEY")), settings) as client:
        version = await client.check_version()
        objects = await client.objects()
        members = await client.members()
    plan = build_plan(snapshot, objects, members, target_url=client.endpoint.url, target_version=version, overrides=overrides,
                      fallback_owner=fallback)
    if invite:
        try:
            token, user_session = api_key_from_env("TWENTY_TARGET_USER_TOKEN"), True
        except ConfigError:
            token, user_session = read_api_key("TWENTY_TARGET_API_KEY"), False
        async with TwentyClient(Endpoint(target, token), settings) as client:
            await invite_missing(plan, client, user_session=user_session)
    return plan


def _print_plan(plan: Any, path: Path) -> None:
    from rich.table import Table

    out = Console()
    table = Table("object", "records", "soft-deleted", title="Records, in creation order")
    for name in plan.order:
        counts = plan.counts.get(name, {})
        table.add_row(name, str(counts.get("records", 0)), str(counts.get("deleted", 0)))
    out.print(table)
    if plan.create_objects or plan.create_fields:
        out.print(f"Data model to create: {len(plan.create_objects)} objects ({', '.join(o['name_singular'] for o in plan.create_objects)}), "
                  f"{len(plan.create_fields)} fields, options added to {len(plan.add_options)} fields.")
    members = Table("source member", "target member", "via", title="Members")
    for m in plan.members:
        members.add_row(m["email"] or m["source_id"], m["target_email"] or "-", m["via"])
    out.print(members)
    from migrate.plan.config_plan import config_summary

    config = config_summary(getattr(plan, "config", {}) or {})
    if config:
        out.print("Configuration: " + ", ".join(f"{n} {kind}" for kind, n in config.items()) + ".", highlight=False)
    for line in plan.warnings:
        out.print(f"[yellow]warning:[/yellow] {escape(line)}", highlight=False, soft_wrap=True)
    for line in plan.blocking:
        out.print(f"[red]blocking:[/red] {escape(line)}", highlight=False, soft_wrap=True)
    out.print(f"Plan written to {path}" + (" (blocking items: apply will refuse it)" if plan.blocking else ""))


@app.command("apply")
def apply_command(
    plan_path: Annotated[Path, typer.Argument(help="The plan written by `twenty-migrate plan`.")] = Path("plan.json"),
    state: StateOption = Path("state.duckdb"),
    rejects: Annotated[Path, typer.Option("--rejects", help="Where to write the records the target refused.")] = Path("rejects.csv"),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would be written; write nothing.")] = False,
    delta: Annotated[bool, typer.Option("--delta", help="Copy what changed in the source since the last run (needs --source).")] = False,
    skip_deleted: Annotated[bool, typer.Option("--skip-deleted", help="Do not copy records soft-deleted in the source (counted as skipped).")] = False,
    source: Annotated[Path | None, typer.Option("--source", help="With --delta: a fresh snapshot of the source.")] = None,
    workflows: Annotated[str, typer.Option("--workflows", help="draft: every workflow arrives as one draft (the version the "
                                           "source runs), nothing is activated; as-source: every version is rebuilt in order with its source "
                                           "status; older versions are published one after the other so that Twenty archives them, and those "
                                           "active in the source are activated (needs a user token in TWENTY_TARGET_USER_TOKEN).")] = "draft",
    rate: RateOption = 90.0,
    quiet: QuietOption = False,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Carry out a plan: data model, records, second pass, soft deletes, then the configuration (views,
    roles, workflows, webhooks; what cannot move goes to manual-steps.md beside the journal). Resumable; idempotent.

    Example: TWENTY_TARGET_API_KEY=... twenty-migrate apply plan.json
    """
    from migrate.apply import Journal
    from migrate.apply.rejects import write_rejects
    from migrate.plan.plan import load_plan

    with reported(debug):
        if workflows not in ("draft", "as-source"):
            raise ConfigError(f"--workflows must be draft or as-source, not {workflows}.")
        plan = load_plan(plan_path)
        if delta and source is None:
            raise ConfigError("--delta needs --source: a fresh snapshot of the source (twenty-migrate snapshot --url ... --out new.duckdb).")
        with Journal(state) as journal:
            if dry_run:
                from migrate.apply.runner import dry_run as plan_dry_run

                summary = run_async(lambda: plan_dry_run(plan, journal))
                for note in summary.notes:
                    typer.echo(note)
                for name, n in summary.would_create.items():
                    typer.echo(f"would create {n} {name} records")
                return
            summary = run_async(lambda: _apply(plan, journal, rate, quiet, delta, source, skip_deleted, workflows))
            count = write_rejects(rejects, journal.rejects())
    line = (f"created {summary.total('created')}, matched {summary.total('matched')}, rejected {summary.total('rejected')}, "
            f"skipped {summary.total('skipped')}, "
            f"updated {sum(summary.updated.values())}, second pass {summary.second_pass}, soft-deleted {summary.soft_deleted}, "
            f"files {summary.files}, configuration {sum(summary.config.created.values())} items, manual steps "
            f"{summary.config.manual_steps} ({state.with_name('manual-steps.md')}); {summary.requests} requests in {summary.seconds:.1f} s; journal {state}")
    if as_json:
        typer.echo(json.dumps({name: {"created": t.created, "matched": t.matched, "rejected": t.rejected, "skipped": t.skipped}
                               for name, t in summary.objects.items()}))
    else:
        typer.echo(line)
    if count:
        err.print(escape(f"{count} records were refused by the target; they are in {rejects}. Fix them and run `twenty-migrate apply` again."),
                  soft_wrap=True)
        raise typer.Exit(EXIT_FAILED)


async def _apply(plan: Any, journal: Any, rate: float, quiet: bool, delta: bool, source: Path | None, skip_deleted: bool, workflows: Any) -> Any:
    from migrate.apply import apply_plan
    from migrate.cli_progress import RichProgress
    from migrate.progress import NULL_PROGRESS
    from migrate.settings import ClientSettings, Endpoint, api_key_from_env
    from migrate.twenty.client import TwentyClient

    settings = ClientSettings(requests_per_minute=rate)
    try:  # a user session for what Twenty refuses to API keys (workflow steps and activation, member roles)
        user_token = api_key_from_env("TWENTY_TARGET_USER_TOKEN")
    except ConfigError:
        user_token = None
    async with TwentyClient(Endpoint(plan.target_url, read_api_key("TWENTY_TARGET_API_KEY")), settings) as client:
        user = TwentyClient(Endpoint(plan.target_url, user_token), settings, limiter=client.limiter) if user_token else None
        options = {"delta": delta, "snapshot_path": source, "skip_deleted": skip_deleted, "user_client": user, "workflows": workflows}
        try:
            if quiet:
                return await apply_plan(plan, client, journal, progress=NULL_PROGRESS, **options)
            with RichProgress(err) as progress:
                return await apply_plan(plan, client, journal, progress=progress, **options)
        finally:
            if user is not None:
                await user.aclose()


@app.command("rollback")
def rollback_command(
    plan_path: Annotated[Path, typer.Argument(help="The plan that was applied.")] = Path("plan.json"),
    state: StateOption = Path("state.duckdb"),
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    debug: DebugOption = False,
) -> None:
    """Delete exactly what the journal says this migration created (records, then custom objects).

    Example: TWENTY_TARGET_API_KEY=... twenty-migrate rollback plan.json --yes
    """
    from migrate.apply import Journal
    from migrate.apply.rollback import rollback
    from migrate.plan.plan import load_plan
    from migrate.settings import ClientSettings, Endpoint, api_key_from_env
    from migrate.twenty.client import TwentyClient

    with reported(debug):
        plan = load_plan(plan_path)
        with Journal(state) as journal:
            created = sum(c.get("created", 0) for c in journal.counts().values())
            if not yes and not typer.confirm(f"Destroy {created} records created in {plan.target_url}?", err=True):
                raise typer.Exit(EXIT_DONE)

            async def go() -> Any:
                try:  # a user session gives members back the roles apply changed
                    user_token = api_key_from_env("TWENTY_TARGET_USER_TOKEN")
                except ConfigError:
                    user_token = None
                async with TwentyClient(Endpoint(plan.target_url, read_api_key("TWENTY_TARGET_API_KEY")), ClientSettings()) as client:
                    if user_token is None:
                        return await rollback(plan, client, journal)
                    async with TwentyClient(Endpoint(plan.target_url, user_token), ClientSettings(), limiter=client.limiter) as user:
                        return await rollback(plan, client, journal, user_client=user)

            summary = run_async(go)
    typer.echo(f"deleted {sum(summary.deleted.values())} records, removed objects: {', '.join(summary.objects_removed) or 'none'}")
    for line in summary.left:
        err.print(f"left: {escape(line)}", soft_wrap=True)


@app.command("id-map")
def id_map_command(
    out: Annotated[Path, typer.Option("--out", help="CSV to write: object, source_id, target_id, status.")] = Path("ids.csv"),
    state: StateOption = Path("state.duckdb"),
    debug: DebugOption = False,
) -> None:
    """Export the journal's id map (source id -> target id) as CSV.

    Example: twenty-migrate id-map --out ids.csv
    """
    import csv

    from migrate.apply import Journal

    with reported(debug):
        if not state.exists():
            raise ConfigError(f"{state} does not exist; run `twenty-migrate apply` first or pass --state.")
        with Journal(state) as journal, out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["object", "source_id", "target_id", "status"])
            rows = journal.id_map_rows()
            writer.writerows(rows)
    typer.echo(f"{out}: {len(rows)} ids")


@app.command("audit")
def audit_command(
    source: Annotated[str, typer.Option("--source", help="The source: a snapshot, a URL (key in TWENTY_SOURCE_API_KEY) snapshotted first, "
                                        "or a folder of CSV exports (export-csv writes its schema.json beside them).")],
    target: Annotated[str, typer.Option("--target", help="The target: a snapshot taken after apply or an import pass, or a URL "
                                        "(key in TWENTY_TARGET_API_KEY).")],
    state: Annotated[Path | None, typer.Option("--state", help="The apply journal (state.duckdb); none after an import by hand.")] = None,
    report_dir: Annotated[Path, typer.Option("--report-dir", help="Where each run's folder, audit.html, audit.json and index.html go.")] = Path("reports"),
    config: Annotated[Path | None, typer.Option("--config", help="audit.toml: per-check thresholds, [match] keys, final = true.")] = None,
    final: Annotated[bool, typer.Option("--final", help="The import is complete: an object with no records in the target fails instead of being pending.")] = False,
    objects: Annotated[str | None, typer.Option("--objects", help="Audit only these objects (comma-separated, e.g. company,person): "
                                                "what the import passes so far have brought in; the others are pending.")] = None,
    rate: RateOption = 90.0,
    debug: DebugOption = False,
) -> None:
    """Run the post-migration checklist (`pytest checks/`) and write the sign-off report.

    Exit codes: 0 every check passed, 1 a check failed, 2 usage error, 3 Twenty unreachable or key refused.
    Example: twenty-migrate audit --source source.duckdb --target target.duckdb --state state.duckdb
    Example, after each pass of an import by hand: twenty-migrate audit --source exports/ --target https://crm.example.com --objects company,person
    (and with --final after the last one; reports/index.html lists every pass).
    """
    from migrate.audit.run import run_audit

    with reported(debug):
        names = [n.strip() for n in objects.split(",") if n.strip()] if objects is not None else None
        if names is not None and not names:
            raise ConfigError("--objects needs at least one object name, e.g. --objects company,person.")
        paths: dict[str, Path] = {}
        for name, value, variable in (("source", source, "TWENTY_SOURCE_API_KEY"), ("target", target, "TWENTY_TARGET_API_KEY")):
            if value.startswith(("http://", "https://")):
                report_dir.mkdir(parents=True, exist_ok=True)
                out = report_dir / f"{name}.duckdb"
                run_async(lambda v=value, k=variable, o=out: _snapshot_url(v, k, rate, o))
                paths[name] = out
            else:
                paths[name] = Path(value)
        for name, path in (("--source", paths["source"]), ("--target", paths["target"]), ("--state", state), ("--config", config)):
            if path is not None and not path.exists():
                raise ConfigError(f"{name} {path} does not exist.")
        code = run_audit(paths["source"], paths["target"], state=state, report_dir=report_dir, quiet=False, config=config,
                         final=final, objects=names)
    if code not in (0, 1):
        raise typer.Exit(EXIT_USAGE)
    typer.echo(f"report: {report_dir / 'audit.html'} (every pass: {report_dir / 'index.html'})")
    raise typer.Exit(code)


async def _snapshot_url(url: str, variable: str, rate: float, out: Path) -> Any:
    from migrate.settings import ClientSettings, Endpoint
    from migrate.snapshot.from_api import snapshot_from_api
    from migrate.twenty.client import TwentyClient

    async with TwentyClient(Endpoint(url, read_api_key(variable)), ClientSettings(requests_per_minute=rate)) as client:
        return await snapshot_from_api(client, out)


@app.command("demo")
def demo_command(
    workdir: Annotated[Path, typer.Option("--workdir", help="Where the demo writes its files.")] = Path("demo-run"),
    source_port: Annotated[int, typer.Option(help="Port of the source workspace.")] = 3000,
    target_port: Annotated[int, typer.Option(help="Port of the target workspace.")] = 3001,
    serve: Annotated[bool | None, typer.Option("--serve/--no-serve", help="Keep both workspaces up afterwards (default: when run from a terminal).")] = None,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Run a whole migration between two emulated workspaces on 127.0.0.1 and show the result.

    Example: twenty-migrate demo --workdir demo-run
    """
    import time

    from migrate.cli_progress import RichProgress
    from migrate.demo import DemoRun, demo_workspaces, run_migration
    from migrate.progress import NULL_PROGRESS
    from migrate.settings import Secret

    with reported(debug):
        try:
            context = demo_workspaces(source_port, target_port)
            source_url, target_url, source_key, target_key = context.__enter__()
        except (OSError, RuntimeError) as exc:
            raise ConfigError(f"Cannot start the demo workspaces on ports {source_port} and {target_port} ({exc}); "
                              "choose others with --source-port/--target-port.") from None
        try:
            err.print(f"Source workspace {source_url}, target workspace {target_url} (emulated Twenty).")
            run = DemoRun(source_url, target_url, Secret(source_key), Secret(target_key), workdir)
            if quiet:
                run_async(lambda: run_migration(run, NULL_PROGRESS))
            else:
                with RichProgress(err) as progress:
                    run_async(lambda: run_migration(run, progress))
            _print_demo(run)
            from migrate.demo import audit_migration

            audit_code = audit_migration(run)
            err.print(f"Audit: {run.verdict or ('PASS' if audit_code == 0 else 'FAIL')}; report at {run.files['report']}")
            if serve if serve is not None else (sys.stdin.isatty() and sys.stdout.isatty()):
                err.print("Both workspaces stay up; try:")
                err.print(f"  curl -H 'Authorization: Bearer {source_key}' {source_url}/rest/companies?limit=2")
                err.print(f"  curl -H 'Authorization: Bearer {target_key}' {target_url}/rest/companies?limit=2")
                err.print("(demo keys of emulated workspaces, made for this run). Ctrl-C stops them.")
                while True:
                    time.sleep(3600)
        finally:
            context.__exit__(None, None, None)


def _print_demo(run: Any) -> None:
    from rich.table import Table

    out = Console()
    table = Table("object", "source", "created", "matched", "rejected", "in target", title="Migration")
    target_counts = run.target_snapshot.counts if run.target_snapshot else {}
    for name in run.plan.order:
        tally = run.applied.objects.get(name)
        table.add_row(name, str(run.source_snapshot.counts.get(name, 0)), str(tally.created if tally else 0),
                      str(tally.matched if tally else 0), str(tally.rejected if tally else 0), str(target_counts.get(name, 0)))
    out.print(table)
    applied = run.applied
    out.print(f"created {applied.total('created')}, matched {applied.total('matched')}, rejected {applied.total('rejected')}, "
              f"second pass {applied.second_pass}, soft-deleted {applied.soft_deleted}, files {applied.files}; "
              f"{applied.requests} requests in {applied.seconds:.1f} s")
    for warning in run.plan.warnings[:5]:
        out.print(f"[yellow]plan warning:[/yellow] {escape(warning)}", highlight=False)
    if len(run.plan.warnings) > 5:
        out.print(f"... {len(run.plan.warnings) - 5} more warnings in {run.files['plan']}")
    out.print("Files: " + ", ".join(str(p) for p in run.files.values()))


if __name__ == "__main__":
    app()
