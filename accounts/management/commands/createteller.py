import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from accounts.roles import TELLERS


class Command(BaseCommand):
    help = "Creates a teller login (who submits requests) and prints its password once."
    group = TELLERS
    role = "Teller"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password", help="default: a new random password")
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="do nothing when the login exists already",
        )

    def command_name(self) -> str:
        return type(self).__module__.rsplit(".", 1)[-1]

    def handle(self, *args, username, password, if_missing, **options):
        users = get_user_model()
        if users.objects.filter(username=username).exists():
            if if_missing:
                self.stdout.write(f"{self.role} login '{username}' exists already.")
                return
            user = users.objects.get(username=username)
        else:
            user = users(username=username)
        password = password or secrets.token_urlsafe(12)
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get_or_create(name=self.group)[0])
        self.stdout.write(
            self.style.SUCCESS(f"{self.role} login: {username}  password: {password}")
            + f"\n(printed once: keep it, or run {self.command_name()} again to set a new one)"
        )
