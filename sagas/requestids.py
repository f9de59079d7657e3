"""Request ids: how a client's id for a request becomes the command's id, so that
the same request sent twice is recorded once."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4, uuid5

from accounts.domain import check_text

# Request ids chosen by a client (a web form, say) map to command ids in this namespace.
REQUEST_ID_NAMESPACE = UUID("6f0f4c1e-8a43-4d0b-9a55-3f5b2c1d7e90")


MAXIMUM_REQUEST_ID_LENGTH = 100
MAXIMUM_SUBMITTED_BY_LENGTH = 150  # as Django's usernames


def parse_request_id(value: Any) -> str | None:
    """A client's request id as recorded: a UUID or a non-empty text, or None for none."""
    if value is None:
        return None
    if isinstance(value, UUID):
        return str(value)
    return check_text("request_id", value, MAXIMUM_REQUEST_ID_LENGTH, required=True)


def parse_submitted_by(value: Any) -> str:
    return check_text("submitted_by", value, MAXIMUM_SUBMITTED_BY_LENGTH)


def command_id_for(request_id: Any | None) -> UUID:
    """The command id for a request: derived from the request id, so that the same
    request sent twice is one command; new when the client gave no request id."""
    if request_id is None:
        return uuid4()
    return uuid5(REQUEST_ID_NAMESPACE, str(request_id))
