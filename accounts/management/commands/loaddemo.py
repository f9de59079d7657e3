"""Records sample accounts and a day's requests, some of them bound to fail, for the worker to carry out."""

import random
from decimal import Decimal

from django.core.management.base import BaseCommand

from accounts.models import AccountSummary
from bankproject.system import recorded_commands
from sagas.models import SagaSummary

CUSTOMERS = [
    ("Ada Lovelace", "ada@example.com"),
    ("Alan Turing", "alan@example.com"),
    ("Grace Hopper", "grace@example.com"),
    ("Katherine Johnson", "katherine@example.com"),
    ("Tim Berners-Lee", "tim@example.com"),
    ("Margaret Hamilton", "margaret@example.com"),
    ("Edsger Dijkstra", "edsger@example.com"),
    ("Barbara Liskov", "barbara@example.com"),
]


class Command(BaseCommand):
    help = (
        "Records demo accounts and a day's requests (including some that fail) through Commands; "
        "the worker carries them out. With --if-empty, does nothing on a bank that has data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, if_empty, seed, **options):
        if if_empty and (AccountSummary.objects.exists() or SagaSummary.objects.exists()):
            self.stdout.write("The bank has data already: no demo data loaded.")
            return
        rng = random.Random(seed)
        commands = recorded_commands()
        by = "demo"
        accounts = [commands.open_account(name, email, submitted_by=by) for name, email in CUSTOMERS]
        for account in accounts:
            commands.deposit_funds(account, Decimal(rng.randrange(200, 5000)), submitted_by=by)
        commands.set_overdraft_limit(accounts[0], Decimal("500.00"), submitted_by=by)
        commands.set_overdraft_limit(accounts[3], Decimal("250.00"), submitted_by=by)
        for _ in range(40):
            debit, credit = rng.sample(accounts, 2)
            amount = Decimal(rng.randrange(1, 40000)) / 100
            kind = rng.choice(["deposit", "withdraw", "transfer", "transfer"])
            if kind == "deposit":
                commands.deposit_funds(credit, amount, submitted_by=by)
            elif kind == "withdraw":
                commands.withdraw_funds(debit, amount, submitted_by=by)
            else:
                commands.transfer_funds(debit, credit, amount, submitted_by=by)
        # Requests that fail, for the failed list and the dashboard.
        commands.withdraw_funds(accounts[1], Decimal("999999.00"), submitted_by=by)
        commands.close_account(accounts[6], submitted_by=by)  # refused: it holds money
        closing = commands.open_account("Closed Customer", submitted_by=by)
        commands.close_account(closing, submitted_by=by)
        commands.deposit_funds(closing, Decimal("10.00"), submitted_by=by)
        commands.transfer_funds(accounts[2], closing, Decimal("25.00"), submitted_by=by)
        self.stdout.write(self.style.SUCCESS(f"Recorded {len(accounts)} accounts and a day's requests."))
