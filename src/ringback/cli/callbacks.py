"""``ringback callbacks``: look at stored callbacks."""

from __future__ import annotations

from typing import Annotated

import typer

from ringback.callbacks import repository
from ringback.callbacks.phones import normalise_phone
from ringback.callbacks.schemas import callback_read
from ringback.callbacks.states import CallbackState
from ringback.cli.common import DEFAULT_DB, DbOption, run, unit_of_work
from ringback.config import repository as config_repository
from ringback.errors import not_found

app = typer.Typer(help="Stored callbacks.", no_args_is_help=True)


@app.command("list")
def list_callbacks(
    service: Annotated[str | None, typer.Option("--service", help="Only this service.")] = None,
    state: Annotated[CallbackState | None, typer.Option("--state", help="Only this state.")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="Only this number (E.164).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 50,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Newest callbacks first, one line each."""

    async def work() -> list[str]:
        async with unit_of_work(db) as session:
            services = {s.id: s for s in await config_repository.active_services(session)}
            ids = None
            if service is not None:
                ids = [s.id for s in services.values() if s.name == service]
                if not ids:
                    raise not_found(
                        "service-not-found", f"there is no callback service named {service!r}"
                    )
            rows = await repository.page(
                session,
                service_ids=ids,
                phone=normalise_phone(phone, "ZZ") if phone else None,
                state=state,
                after=None,
                limit=limit,
            )
            lines = []
            for row in rows:
                owner = services.get(row.service_id) or await config_repository.service_by_id(
                    session, row.service_id
                )
                view = callback_read(row, owner)
                lines.append(
                    f"{view.id}\t{view.service}\t{view.state}\t{view.type}\t{view.phone}\t"
                    f"{view.desired_time_local.service.isoformat()}"
                )
            return lines

    lines = run(work)
    for line in lines:
        typer.echo(line)
    if not lines:
        typer.echo("no callbacks", err=True)
