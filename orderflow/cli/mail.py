"""orderflow mail: the captured mailbox of local mode (what customers would have received)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import orjson
import typer

from orderflow.cli.common import EndpointOption, JsonOption, endpoint_url, print_table

if TYPE_CHECKING:
    from orderflow.ops.mail import Mail

app = typer.Typer(no_args_is_help=True, help="Local mode's captured mailbox: every email SES would have sent.")


def _mails(endpoint: str | None, to: str | None = None) -> list[Mail]:
    from orderflow.ops.mail import MailboxUnavailable, mailbox

    url = endpoint_url(endpoint)
    if url is None:
        typer.echo("orderflow: the mailbox exists in local mode only (start `orderflow dev`)", err=True)
        raise typer.Exit(2)
    try:
        return mailbox(url, to=to)
    except MailboxUnavailable as exc:
        typer.echo(f"orderflow: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command("list")
def mail_list(
    to: Annotated[str | None, typer.Option(help="Only messages to this address.")] = None,
    as_json: JsonOption = False,
    endpoint: EndpointOption = None,
) -> None:
    """Every message sent, oldest first: id, recipient, subject, order and outcome."""
    mails = _mails(endpoint, to)
    if as_json:
        typer.echo(orjson.dumps([m.as_json() for m in mails]).decode())
        return
    rows = [[m.id[:16], ", ".join(m.to), m.subject, (m.order_id or "")[:8] or None, m.outcome] for m in mails]
    print_table(f"mailbox ({len(mails)} messages)", ["id", "to", "subject", "order", "outcome"], rows)


@app.command("show")
def mail_show(
    message_id: Annotated[str, typer.Argument(help="A message id from `orderflow mail list` (a prefix will do).")],
    endpoint: EndpointOption = None,
) -> None:
    """One message as the customer would read it."""
    found = [m for m in _mails(endpoint) if m.id.startswith(message_id)]
    if len(found) != 1:
        typer.echo(f"orderflow: {'no' if not found else 'more than one'} message matches {message_id!r}", err=True)
        raise typer.Exit(2)
    mail = found[0]
    typer.echo(f"From:    {mail.sender}\nTo:      {', '.join(mail.to)}\nSubject: {mail.subject}")
    typer.echo(f"Order:   {mail.order_id}\nEvent:   {mail.outcome} {mail.event_id}\n\n{mail.text}")
