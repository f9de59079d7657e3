"""Stored events read straight from their JSON: only the fields a check needs.

Decoding each event into a domain event object (UUIDs, datetimes, Decimals, errors,
then the event itself) was most of a verification's time. The state is the JSON that
eventsourcing's transcoder wrote (see bankproject.transcoding), so a field is read as
it is stored: a UUID as its tagged hex, an amount as a Decimal from its tagged text.
An event's kind is found once per topic, from the class the topic names.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.application import Application
from eventsourcing.utils import resolve_topic

from sagas.requests import REQUESTS, KindOfRequest


class UnreadableEvent(ValueError):
    """A stored field not in the form the verification reads."""


def hex_of(value: Any) -> str | None:
    """A stored UUID (or None) as its 32 hex digits."""
    if value is None:
        return None
    try:
        if value["_type_"] == "uuid_hex":
            return value["_data_"]
    except (KeyError, TypeError):
        pass
    raise UnreadableEvent(f"not a stored UUID: {value!r}")


def amount_of(value: Any) -> Decimal:
    try:
        if value["_type_"] == "decimal_str":
            return Decimal(value["_data_"])
    except (KeyError, TypeError):
        pass
    raise UnreadableEvent(f"not a stored Decimal: {value!r}")


def timestamp_of(value: Any) -> datetime:
    if type(value) is dict and value.get("_type_") == "datetime_iso":
        return datetime.fromisoformat(value["_data_"])
    raise UnreadableEvent(f"not a stored datetime: {value!r}")


def as_uuid(hex_id: str | None) -> UUID | None:
    return None if hex_id is None else UUID(hex_id)


def state_reader(app: Application) -> Callable[[Any], dict[str, Any]]:
    """Reads a stored event's state as JSON (decrypted and decompressed first, if the
    application's mapper does either)."""
    mapper = app.mapper
    cipher, compressor = getattr(mapper, "cipher", None), getattr(mapper, "compressor", None)
    if cipher is None and compressor is None:
        return orjson.loads  # reads bytes and memoryviews alike

    def read(state: Any) -> dict[str, Any]:
        data = bytes(state)
        if cipher is not None:
            data = cipher.decrypt(data)
        if compressor is not None:
            data = compressor.decompress(data)
        return orjson.loads(data)

    return read


@functools.cache
def event_class(topic: str) -> type:
    """The class a topic names; refused if its stored state would need upcasting, which
    reading the JSON directly does not do."""
    cls = resolve_topic(topic)
    if getattr(cls, "class_version", 1) != 1:
        raise UnreadableEvent(f"{topic} has a class_version: its old events need upcasting")
    return cls


def request_fields_reader(kind: KindOfRequest) -> Callable[[str, dict], tuple]:
    """How to read a kind of request's fields, as its SagaSummary row holds them (kind,
    account_id, to_account_id, amount; ids as hex), from its command's or saga's first
    event's stored state: the table's kind.summary_fields, read from JSON."""

    def fields(id: str, state: dict) -> tuple:
        return (
            kind.value,
            id if kind.account == "id" else hex_of(state[kind.account]),
            hex_of(state[kind.to_account]) if kind.to_account else None,
            amount_of(state[kind.amount]) if kind.amount else None,
        )

    return fields


REQUEST_FIELDS = tuple(((kind.command, kind.saga), request_fields_reader(kind)) for kind in REQUESTS)


@functools.cache
def fields_reader(originator_topic: str) -> Callable[[str, dict], tuple]:
    """How to read a request's fields from its command's or saga's first event, by the
    topic of the command's or saga's class (see REQUEST_FIELDS)."""
    originator_class = event_class(originator_topic)
    for classes, fields in REQUEST_FIELDS:
        if issubclass(originator_class, classes):
            return fields
    raise TypeError(f"not a request: {originator_class!r}")
