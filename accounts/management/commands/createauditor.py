from accounts.management.commands.createteller import Command as CreateTeller
from accounts.roles import AUDITORS


class Command(CreateTeller):
    help = "Creates an auditor login (who reads but cannot submit) and prints its password once."
    group = AUDITORS
    role = "Auditor"
