"""The `twenty-migrate` command: a thin typer layer over the library (parse, call, print).

Exit codes: 0 done; 1 checks failed or records rejected; 2 usage or configuration error;
3 Twenty unreachable or key refused; 130 interrupted (resumable).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from migrate import __version__
from migrate.errors import MigrateError

app = typer.Typer(
    name="twenty-migrate",
    help="Move a Twenty CRM workspace between instances through Twenty's APIs, and prove the move.",
    no_args_is_help=True,
    add_completion=False,
)
emulator_app = typer.Typer(help="A Twenty-compatible server for tests and demos.", no_args_is_help=True)
app.add_typer(emulator_app, name="emulator")

err = Console(stderr=True)

EXIT_USAGE = 2


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
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        emulator = create_app(seed=seed, rng_seed=rng_seed, api_keys=[api_key], limits=RateLimit(limit=rate_limit),
                              db_path=db, server_url=url)
    except MigrateError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    except OSError as exc:
        err.print(f"[red]error:[/red] cannot listen on 127.0.0.1:{port} ({exc.strerror}); choose another --port.")
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
