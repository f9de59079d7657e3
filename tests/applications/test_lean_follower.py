"""LeanFollower processes an event as eventsourcing's own process_event does: the same
steps in the same order, with the same outcome; its ProcessingEvent collects the same."""

import copy
from uuid import uuid4

import pytest
from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Tracking
from eventsourcing.projection import EventSourcedProjection

from accounts.application import LeanProcessingEvent
from bankproject.system import persistence_env
from sagas.application import Commands, Sagas

pytestmark = pytest.mark.in_memory

STEPS = ("policy", "_record", "_take_snapshots", "notify", "_notify")


class CountedSagas(Sagas):
    """Sagas that note each step of processing an event, with what it was given."""

    def __init__(self, env):
        super().__init__(env)
        self.steps = []
        policy = self.policy

        def noted_policy(domain_event, processing_event):
            is_one = isinstance(processing_event, ProcessingEvent)
            self.steps.append(("policy", is_one, processing_event.tracking))
            policy(domain_event, processing_event)

        self.policy = noted_policy

    def _record(self, processing_event):
        recordings = super()._record(processing_event)
        self.steps.append(("_record", len(processing_event.events), len(recordings)))
        return recordings

    def _take_snapshots(self, processing_event):
        self.steps.append(("_take_snapshots", [type(e).__name__ for e in processing_event.events]))
        super()._take_snapshots(processing_event)

    def notify(self, new_events):
        self.steps.append(("notify", [type(e).__name__ for e in new_events]))

    def _notify(self, recordings):
        self.steps.append(("_notify", [r.notification.topic for r in recordings]))


def state(aggregate):
    """What an aggregate holds, but for the times its events were made."""
    return type(aggregate), {
        k: v for k, v in vars(aggregate).items() if k not in ("_created_on", "_modified_on")
    }


def requested(commands):
    command_id = commands.open_account("Alice Smith", "alice@example.com")
    return next(iter(commands.repository.event_store.get(command_id)))


def test_an_event_is_processed_in_eventsourcings_steps_and_order():
    env = persistence_env("popo")
    commands = Commands(env=env)
    by_library, lean = CountedSagas(env), CountedSagas(env)
    event = requested(commands)
    EventSourcedProjection.process_event(by_library, event, Tracking("Commands", 1))
    lean.process_event(event, Tracking("Commands", 1))
    assert [step[0] for step in lean.steps] == list(STEPS)
    assert lean.steps == by_library.steps
    assert state(lean.get_saga(event.originator_id)) == state(by_library.get_saga(event.originator_id))
    assert lean.recorder.max_tracking_id("Commands") == by_library.recorder.max_tracking_id("Commands") == 1


def test_a_lean_processing_event_collects_what_eventsourcings_collects():
    def collected(kind, objs, kwargs):
        processing_event = kind(Tracking("Leader", 1))
        processing_event.collect_events(*objs, **kwargs)
        aggregates = {key: state(value) for key, value in processing_event.aggregates.items()}
        return processing_event.events, aggregates, processing_event.saved_kwargs

    first, second = Aggregate(), Aggregate()
    second.trigger_event(Aggregate.Event)
    an_event = Aggregate().collect_events()[0]
    for objs, kwargs in (
        ([first, second], {}),
        ([first, second, an_event], {}),
        ([None, first], {}),
        ([first], {"note": uuid4().hex}),
        ([], {}),
    ):
        lean = collected(LeanProcessingEvent, copy.deepcopy(objs), kwargs)
        assert collected(ProcessingEvent, copy.deepcopy(objs), kwargs) == lean
        assert len(lean[0]) == sum(len(getattr(obj, "pending_events", [obj] if obj else [])) for obj in objs)
