"""The answers of the channels API: the channel registry, its sync health, the storefronts'
webhooks, and EDI partners, interchanges and documents.

TypedDicts (see ``http/answers.py`` for why): the services build them, the routes name
them for /openapi.json.
"""

from __future__ import annotations

from typing import Annotated, NotRequired

from pydantic import Field
from typing_extensions import TypedDict

from orderwell.domain.channels import ChannelKind, PushKind, PushStatus
from orderwell.domain.edi import Direction, DocumentStatus, SetId
from orderwell.http.answers import closed, enum_schema

# Times these answers carry are ISO 8601 strings, made where the answer is built.
IsoTime = Annotated[str, Field(examples=["2026-03-04T14:05:00+00:00"])]

# --- the channel registry ------------------------------------------------------------------


@closed
class ChannelOut(TypedDict):
    """A channel as the API and CLI show it: everything but its secrets' values."""

    name: str
    kind: Annotated[str, enum_schema(ChannelKind)]
    active: bool
    base_url: str | None
    secrets_set: Annotated[list[str], Field(description="names of the secrets stored")]
    locations: Annotated[
        dict[str, str], Field(description="the channel's location id -> our warehouse code")
    ]
    partial_shipment: bool
    return_window_days: int
    webhook_path: str
    created_at: IsoTime
    updated_at: IsoTime


@closed
class ChannelList(TypedDict):
    items: list[ChannelOut]


@closed
class InboundHealth(TypedDict):
    last_ok_at: IsoTime | None
    last_failure_at: IsoTime | None
    last_error: str | None
    failures_in_a_row: int
    lag_s: Annotated[
        float | None, Field(description="how far our last read trails the channel's newest")
    ]


@closed
class OutboundHealth(TypedDict):
    last_ok_at: IsoTime | None
    last_failure_at: IsoTime | None
    last_error: str | None
    failures_in_a_row: int
    pending: int
    lag_s: Annotated[float, Field(description="age of the oldest push still waiting")]


@closed
class PushFailure(TypedDict):
    push_id: int
    order_id: int
    kind: Annotated[str, enum_schema(PushKind)]
    status: Annotated[str, enum_schema(PushStatus)]
    attempts: int
    error: str | None


@closed
class HeldChannelOrder(TypedDict):
    remote_id: str
    remote_name: str | None
    reason: str | None


@closed
class SyncHealth(TypedDict):
    inbound: InboundHealth
    outbound: OutboundHealth
    failures: list[PushFailure]
    held_orders: list[HeldChannelOrder]


@closed
class ChannelDetail(ChannelOut):
    health: SyncHealth


@closed
class ChannelHealth(SyncHealth):
    name: str


@closed
class RetryOut(TypedDict):
    pushes_due_again: int
    held_orders: Annotated[dict[str, int], Field(description="held orders tried again, by outcome")]


@closed
class WebhookTaken(TypedDict):
    outcome: Annotated[
        str, Field(description="placed, replayed, held, updated, stale, duplicate or ping")
    ]
    order_id: NotRequired[int | None]
    detail: NotRequired[str | None]


# --- EDI -----------------------------------------------------------------------------------


@closed
class EdiPartner(TypedDict):
    code: str
    name: str
    email: str
    isa_qualifier: str
    isa_id: str
    gs_id: str
    our_isa_qualifier: str
    our_isa_id: str
    our_gs_id: str
    currency: str
    usage: Annotated[str, Field(description="P (production) or T (test), our ISA15")]
    next_interchange: int
    next_group: int
    next_set: int
    active: bool
    created_at: IsoTime


@closed
class EdiPartnerList(TypedDict):
    items: list[EdiPartner]


@closed
class InterchangeOrder(TypedDict):
    po_number: str
    order: Annotated[str, Field(description="the order number, e.g. OW-000042")]
    created: bool


@closed
class Acknowledgment(TypedDict):
    """A 997 we sent back: what the partner hears of its interchange."""

    document_id: int
    interchange_control: int
    text: str


@closed
class InterchangeTaken(TypedDict):
    orders: list[InterchangeOrder]
    acknowledged_documents: Annotated[
        list[int], Field(description="our documents a 997 in the file acknowledged")
    ]
    acknowledgments: list[Acknowledgment]


@closed
class EdiDocument(TypedDict):
    id: int
    partner: str | None
    direction: Annotated[str, enum_schema(Direction)]
    set_id: Annotated[str, enum_schema(SetId)]
    interchange_control: str
    group_control: str
    status: Annotated[str, enum_schema(DocumentStatus)]
    order: str | None
    shipment_id: int | None
    filename: str | None
    errors: Annotated[list[str], Field(description="what was wrong with an interchange")]
    created_at: IsoTime


@closed
class EdiDocumentList(TypedDict):
    items: list[EdiDocument]
    next_before: Annotated[int | None, Field(description="pass as ?before= for the next page")]


@closed
class SentDocument(TypedDict):
    document_id: int
    partner: str
    set_id: Annotated[str, enum_schema(SetId)]
    interchange_control: int
    text: str
