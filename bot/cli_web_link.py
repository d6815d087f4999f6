"""``ideenlotse web-link``: a one-time login link for the Lagebild cockpit (issue #19).

Only the store is needed: the link is made in it, and whichever server shares the data folder
or database redeems it. Serving the cockpit (``ideenlotse web``) starts an adapter, so that
command lives above bot/, in ``adapters.cli_web``.
"""

from __future__ import annotations

import getpass

import click

from bot.cli_common import CONTEXT, Failure, open_store, settings, user_id
from bot.clock import iso, utcnow
from bot.config import DEFAULT_WEB_PORT


@click.command("web-link", context_settings=CONTEXT)
@click.option(
    "--as", "name", required=True, callback=user_id, help="Platform user id of who logs in (anna)."
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help=f"Port of the server, without IDEENLOTSE_WEB_URL [default {DEFAULT_WEB_PORT}].",
)
@click.pass_context
def web_link(ctx: click.Context, name: str, port: int | None) -> None:
    """Print a one-time login link for the Lagebild cockpit, as NAME.

    NAME is a platform user id as `export --person` takes it (anna, matrix:@anna:stadt.de);
    somebody the store does not know yet is made a console person of that name. The link
    works once, for 10 minutes, in the server that shares this data folder or database.
    The audit log records that the server account made it, not the person.

    \b
    Examples:
      ideenlotse web-link --as anna
      ideenlotse web-link --as matrix:@cdo:stadt.de
      IDEENLOTSE_WEB_URL=https://lagebild.stadt.de ideenlotse web-link --as anna
    """
    from bot.lagebild import link_person
    from bot.services.web import make_login_link
    from bot.uow import UnitOfWork

    config = settings(ctx)
    store = open_store(config)
    try:
        now = utcnow()
        with UnitOfWork(store) as uow:
            person = link_person(uow.store, name, config, now)
            url = config.web.base_url(port)
            link = make_login_link(uow, person, iso(now), url, operator=getpass.getuser())
    except LookupError as exc:
        raise Failure(str(exc.args[0] if exc.args else exc)) from exc
    finally:
        store.close()
    click.echo(link)
