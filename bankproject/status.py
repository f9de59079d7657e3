"""Where each follower of the system is in its leaders' notification logs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Max
from eventsourcing.system import System
from eventsourcing_django.models import NotificationTrackingRecord, StoredEventRecord


@dataclass(frozen=True)
class FollowerPosition:
    follower: str
    leader: str
    position: int | None  # the last notification of the leader it processed
    leader_position: int | None  # the leader's last notification
    lag: int  # notifications of the leader (that it follows) it has yet to process


def follower_positions(system: System) -> list[FollowerPosition]:
    followers, leaders = list(system.follows), list(system.leads)
    tracked = {
        (row["application_name"], row["upstream_application_name"]): row["position"]
        for row in NotificationTrackingRecord.objects.filter(application_name__in=followers)
        .values("application_name", "upstream_application_name")
        .annotate(position=Max("notification_id"))
    }
    last_ids = dict(
        StoredEventRecord.objects.filter(application_name__in=leaders)
        .values("application_name")
        .annotate(last=Max("id"))
        .values_list("application_name", "last")
    )
    positions = []
    for follower, leaders_followed in system.follows.items():
        topics = system.follower_cls(follower).topics
        for leader in leaders_followed:
            position = tracked.get((follower, leader))
            last_id = last_ids.get(leader, position)
            caught_up = last_id is None or last_id == position
            lag = 0 if caught_up else notification_count(leader, topics, after=position)
            positions.append(FollowerPosition(follower, leader, position, last_id, lag))
    return positions


def notification_count(leader: str, topics: Sequence[str] = (), after: int | None = None) -> int:
    """How many notifications of the leader (of the given topics) come after the given one."""
    notifications = StoredEventRecord.objects.filter(application_name=leader, id__gt=after or 0)
    if topics:
        notifications = notifications.filter(topic__in=topics)
    return notifications.count()
