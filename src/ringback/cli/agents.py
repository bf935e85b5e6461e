"""``ringback agents``: accounts of the people who take the callbacks."""

from __future__ import annotations

from typing import Annotated

import typer

from ringback.agents import repository
from ringback.agents import service as agents
from ringback.cli.common import DEFAULT_DB, DbOption, run, unit_of_work
from ringback.clock import SystemClock

app = typer.Typer(help="Agents, supervisors and administrators.", no_args_is_help=True)


def _password(value: str | None) -> str:
    return (
        value
        if value is not None
        else typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    )


@app.command()
def add(
    login: Annotated[str, typer.Argument(help="Sign-in name, e.g. maria.")],
    name: Annotated[str, typer.Option("--name", help="Full name shown to colleagues.")],
    place: Annotated[str, typer.Option("--place", help="Phone extension the switch rings.")],
    skills: Annotated[str, typer.Option("--skills", help="Comma-separated skills.")] = "",
    roles: Annotated[str, typer.Option("--roles", help="agent, supervisor, admin")] = "agent",
    password: Annotated[
        str | None, typer.Option("--password", help="Prompted for if omitted.")
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Add an agent."""
    secret = _password(password)

    async def work() -> None:
        async with unit_of_work(db) as session:
            await agents.create_agent(
                session,
                login=login,
                name=name,
                place=place,
                roles=[r.strip() for r in roles.split(",") if r.strip()],
                skills=[s.strip() for s in skills.split(",") if s.strip()],
                password=secret,
                now=SystemClock().now(),
            )

    run(work)
    typer.echo(f"added {login}")


@app.command()
def passwd(
    login: Annotated[str, typer.Argument(help="The agent's login.")],
    password: Annotated[
        str | None, typer.Option("--password", help="Prompted for if omitted.")
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Set an agent's password."""
    secret = _password(password)

    async def work() -> None:
        async with unit_of_work(db) as session:
            await agents.set_password(
                session, login=login, password=secret, now=SystemClock().now()
            )

    run(work)
    typer.echo(f"password of {login} set")


@app.command("list")
def list_agents(db: DbOption = DEFAULT_DB) -> None:
    """Agents with their place, roles, skills and status per channel."""

    async def work() -> list[str]:
        async with unit_of_work(db) as session:
            lines = []
            for agent in await repository.all_agents(session):
                statuses = ", ".join(
                    f"{s.channel}={s.status}{'(busy)' if s.busy_with else ''}"
                    for s in await repository.channel_statuses(session, agent.id)
                )
                state = "active" if agent.active else "retired"
                lines.append(
                    f"{agent.login}\t{agent.name}\tplace {agent.place}\t{','.join(agent.roles)}\t"
                    f"{','.join(agent.skills)}\t{statuses}\t{state}"
                )
            return lines

    for line in run(work):
        typer.echo(line)
