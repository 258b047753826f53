"""Who may manage the corpus from Slack: the user ids and user groups listed in ``DUALUSE_TRAINERS``.

User-group membership comes from ``usergroups.users.list`` and is cached for a minute, so a busy trainer does not
cost an API call per click, and a person removed from the group loses access within a minute. When the lookup
fails the answer is "no": a broken API call must never hand out the right to change the corpus.
"""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient

logger = logging.getLogger(__name__)

GROUP_CACHE_SECONDS = 60.0


def refusal(action: str) -> str:
    return (
        f":lock: Sorry, only trainers can {action}. Trainers keep the corpus current; if you think you should be "
        "one, ask the person who runs this bot to add you to DUALUSE_TRAINERS."
    )


class Trainers:
    def __init__(self, ids: frozenset[str], *, cache_seconds: float = GROUP_CACHE_SECONDS) -> None:
        # S... ids are user groups; everything else (U..., W...) is a user.
        self.groups = frozenset(i for i in ids if i.startswith("S"))
        self.users = frozenset(ids - self.groups)
        self.cache_seconds = cache_seconds
        self._members: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def allows(self, client: WebClient, user_id: str) -> bool:
        if not user_id:
            return False
        if user_id in self.users:
            return True
        return any(user_id in self._group_members(client, group) for group in sorted(self.groups))

    def check(self, client: WebClient, user_id: str, action: str) -> bool:
        """``allows``, and a warning in the log for every refused attempt (who tried what)."""
        if self.allows(client, user_id):
            return True
        logger.warning("refused %s to %s: not a trainer", action, user_id or "(unknown user)")
        return False

    def _group_members(self, client: WebClient, group: str) -> frozenset[str]:
        now = time.monotonic()
        with self._lock:
            cached = self._members.get(group)
        if cached is not None and now - cached[0] < self.cache_seconds:
            return cached[1]
        try:
            response = client.usergroups_users_list(usergroup=group)
            members = frozenset(response.get("users") or [])
        except Exception as exc:  # noqa: BLE001 - any failure means "not a member", see the module docstring
            logger.warning("could not list the members of trainer group %s: %s", group, exc)
            return frozenset()
        with self._lock:
            self._members[group] = (now, members)
        return members
