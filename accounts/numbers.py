"""Account numbers: the position of an account's opening in the Accounts log, with a
check digit, so that tellers can type them and a mistyped digit is caught."""

import re


def account_number(notification_id: int) -> str:
    """An account's number: the position of its opening in the Accounts log, as eight
    digits, and a Luhn check digit that catches a mistyped digit or swapped pair."""
    digits = f"{notification_id:08d}"
    return digits + str(luhn_check_digit(digits))


def luhn_check_digit(digits: str) -> int:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def is_valid_account_number(number: str) -> bool:
    # ASCII digits only: str.isdigit() also takes "²" and "٣", which int() then refuses.
    return re.fullmatch(r"[0-9]{2,12}", number) is not None and luhn_check_digit(number[:-1]) == int(
        number[-1]
    )
