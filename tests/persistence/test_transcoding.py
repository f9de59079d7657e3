"""Events encode to the same bytes with the orjson transcoder as with eventsourcing's
JSONTranscoder, so events stored before the change still read, and every kind of
event round-trips."""

from decimal import Decimal
from uuid import uuid4

import pytest
from eventsourcing.persistence import JSONTranscoder, TranscodingNotRegisteredError

from accounts.application import Accounts, SimpleBankAccountApplication
from accounts.domain import (
    TRANSACTION_ERRORS,
    AccountClosedError,
    BankAccount,
    RejectedTransaction,
)
from bankproject.system import persistence_env
from infrastructure.transcoding import OrjsonTranscoder
from sagas.application import Commands, Sagas
from sagas.domain import (
    CloseAccount,
    DepositFunds,
    OpenAccount,
    SetOverdraftLimit,
    TransferFunds,
    WithdrawFunds,
)

D = Decimal


def every_kind_of_event():
    """One of each event the bank stores, with the values each carries."""
    account = BankAccount(full_name="Zoë Ünal 𝔄", email_address="zoe@example.com", transaction_id=uuid4())
    account.credit(D("100.00"), uuid4())
    account.debit(D("0.01"))
    transfer_id = uuid4()
    account.debit(D("10"), transfer_id)
    account.refund(D("10"), transfer_id)
    account.set_overdraft_limit(D("0"), uuid4())
    account.record_error(AccountClosedError({"account_id": account.id}), uuid4())
    account.close()
    events = list(account.collect_events())
    rejection = RejectedTransaction(uuid4(), uuid4(), AccountClosedError({"account_id": uuid4()}))
    events += rejection.collect_events()
    a, b = uuid4(), uuid4()
    for command in (
        OpenAccount(id=uuid4(), full_name="Ann", email_address="", request_id="r-1", submitted_by="tina"),
        DepositFunds(id=uuid4(), credit_account_id=a, amount=D("5.00"), request_id=None, submitted_by=""),
        WithdrawFunds(
            id=uuid4(), debit_account_id=a, amount=D("5.00"), request_id=str(uuid4()), submitted_by=""
        ),
        TransferFunds(
            id=uuid4(),
            debit_account_id=a,
            credit_account_id=b,
            amount=D("5.00"),
            request_id=None,
            submitted_by="",
        ),
        SetOverdraftLimit(
            id=uuid4(), account_id=a, overdraft_limit=D("0.00"), request_id=None, submitted_by=""
        ),
        CloseAccount(id=uuid4(), account_id=a, request_id=None, submitted_by=""),
    ):
        events += command.collect_events()
        saga = command.start_saga()
        saga.record_answer(saga.awaiting[1], AccountClosedError({"account_id": saga.awaiting[1]}))
        events += saga.collect_events()
    return events


def transcoders():
    applications = [app_class(env=persistence_env("popo")) for app_class in (Accounts, Sagas, Commands)]
    made = []
    for transcoder_class in (JSONTranscoder, OrjsonTranscoder):
        transcoder = transcoder_class()
        for application in applications:
            application.register_transcodings(transcoder)  # the applications' own registrations
        made.append(transcoder)
    return made


@pytest.mark.in_memory
def test_every_event_encodes_to_the_same_bytes_and_reads_back_equal():
    plain, fast = transcoders()
    events = every_kind_of_event()
    assert len({type(e).__qualname__ for e in events}) >= 20
    for event in events:
        state = dict(vars(event))
        encoded = fast.encode(state)
        assert encoded == plain.encode(state), type(event).__qualname__
        assert fast.decode(encoded) == state == plain.decode(encoded)


@pytest.mark.in_memory
def test_every_stored_error_class_round_trips():
    plain, fast = transcoders()
    for error_class in TRANSACTION_ERRORS:
        error = error_class({"account_id": uuid4(), "balance": D("-1.50")})
        assert fast.decode(plain.encode({"error": error})) == {"error": error}


@pytest.mark.in_memory
def test_what_neither_can_encode_is_refused_the_same_way():
    _, fast = transcoders()
    with pytest.raises(TranscodingNotRegisteredError):
        fast.encode({"x": object()})
    assert fast.decode(fast.encode({"big": 10**30})) == {"big": 10**30}  # beyond orjson's 64 bits
    assert fast.decode(fast.encode({"real": 1.5, "list": [1, None]})) == {"real": 1.5, "list": [1, None]}


@pytest.mark.django_db(transaction=True)
def test_events_stored_with_eventsourcings_transcoder_still_load():
    before = SimpleBankAccountApplication(
        env={**persistence_env("django"), "TRANSCODER_TOPIC": "eventsourcing.persistence:JSONTranscoder"}
    )
    account_id = before.create_account("Alice Smith", "alice@example.com")
    before.deposit_funds(account_id, D("12.34"))
    before.set_overdraft_limit(account_id, D("5"))
    after = SimpleBankAccountApplication(env=persistence_env("django"))
    assert isinstance(after.mapper.transcoder, OrjsonTranscoder)
    account = after.get_account(account_id)
    assert (account.full_name, account.balance, account.overdraft_limit) == (
        "Alice Smith",
        D("12.34"),
        D("5.00"),
    )
    after.withdraw_funds(account_id, D("2.34"))
    assert before.get_balance(account_id) == D("10.00")  # and the other way round


def test_ids_read_from_text_are_the_uuids_uuid_reads_and_bad_text_is_refused_every_time():
    from uuid import UUID

    from infrastructure.transcoding import uuid_from_hex

    uuid = uuid4()
    for text in (uuid.hex, str(uuid), uuid.hex.upper(), f"{{{uuid}}}"):
        read = uuid_from_hex(text)
        assert (type(read), read, read.int, hash(read)) == (UUID, uuid, uuid.int, hash(uuid))
        assert uuid_from_hex(text) is read  # kept: the same text is not parsed again
    for bad in ("", "g" * 32, uuid.hex[:-1], str(uuid) + "0"):
        for _ in range(2):  # refused the second time too: an error is not kept
            with pytest.raises(ValueError):
                uuid_from_hex(bad)
