"""Request submitters that run in other processes (spawned: nothing here runs on import)."""


def deposit(settings_module, database, start, results, account_id, amount, request_id):
    from infrastructure.childprocess import start_django

    start_django(settings_module, database)

    from bankproject.system import persistence_env
    from sagas.application import Commands

    commands = Commands(env=persistence_env("django"))
    commands.recorder.max_notification_id()  # connect before the race
    start.wait(timeout=60)
    results.put(commands.deposit_funds(account_id, amount, request_id=request_id))
