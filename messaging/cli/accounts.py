"""``flask accounts``: create the platform's accounts from scripts and a terminal."""
import click
from flask.cli import with_appcontext

from messaging.services import accounts
from messaging.services.errors import MessagingError
from messaging.unit_of_work import committed


def _run(action, success: str) -> None:
    try:
        with committed():
            action()
    except MessagingError as error:
        raise click.ClickException(error.message) from None
    click.echo(success)


@click.group("accounts", help="Create admins, vendors, vendor staff and customers.")
def accounts_group() -> None:
    pass


@accounts_group.command("create-admin")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--password", required=True)
@with_appcontext
def create_admin(email, name, password):
    _run(lambda: accounts.create_admin(email, name, password), f"Created admin {email}.")


@accounts_group.command("create-vendor")
@click.argument("code")
@click.option("--name", required=True)
@with_appcontext
def create_vendor(code, name):
    _run(lambda: accounts.create_vendor(code, name), f"Created vendor {code}.")


@accounts_group.command("create-vendor-user")
@click.argument("email")
@click.option("--vendor", "vendor_code", required=True)
@click.option("--name", required=True)
@click.option("--password", required=True)
@with_appcontext
def create_vendor_user(email, vendor_code, name, password):
    _run(
        lambda: accounts.create_vendor_user(email, vendor_code, name, password),
        f"Added {email} to the staff of {vendor_code}.",
    )


@accounts_group.command("create-customer")
@click.argument("email")
@click.option("--vendor", "vendor_code", required=True)
@click.option("--name", required=True)
@click.option("--password", required=True)
@with_appcontext
def create_customer(email, vendor_code, name, password):
    _run(
        lambda: accounts.create_customer(email, vendor_code, name, password),
        f"Created customer {email} of {vendor_code}.",
    )


def _account(email: str, shop: str | None):
    return accounts.customer_by_email(email, shop) if shop else accounts.staff_by_email(email)


@accounts_group.command("set-password", help="Set a new password; every session and API token of the account ends.")
@click.argument("email")
@click.option("--password", required=True)
@click.option("--shop", "shop", default=None, help="For a customer: the shop's code (staff without it).")
@with_appcontext
def set_password(email, password, shop):
    _run(lambda: accounts.change_password(_account(email, shop), password),
         f"New password set for {email}; its sessions and tokens have ended.")


@accounts_group.command("deactivate", help="The account can no longer sign in; its sessions and tokens end now.")
@click.argument("email")
@click.option("--shop", "shop", default=None, help="For a customer: the shop's code (staff without it).")
@with_appcontext
def deactivate(email, shop):
    _run(lambda: accounts.deactivate(_account(email, shop)), f"Deactivated {email}.")
