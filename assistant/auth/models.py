"""Users and roles: plain values, no database access."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Role = Literal["social_worker", "practice_lead", "evaluator", "admin"]
ROLES: tuple[Role, ...] = ("social_worker", "practice_lead", "evaluator", "admin")

Permission = Literal["read_records", "create_records", "review_records", "manage_users"]

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # Only practitioners make safeguarding decisions: admins run the system, evaluators read and score.
    "social_worker": frozenset({"read_records", "create_records", "review_records"}),
    "practice_lead": frozenset({"read_records", "create_records", "review_records"}),
    "evaluator": frozenset({"read_records"}),
    "admin": frozenset({"read_records", "manage_users"}),
}


class User(BaseModel):
    """A signed-in person. Every record version and audit entry names one by ``username``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    username: str
    display_name: str
    role: Role
    active: bool = True

    def can(self, permission: Permission) -> bool:
        """Whether this user's role grants ``permission`` (and the account is active)."""
        return self.active and permission in ROLE_PERMISSIONS[self.role]
