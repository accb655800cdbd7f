"""Sign-in: users, roles and argon2-hashed passwords, kept in the records database.

    store = RecordStore.open(settings)
    user = store.users.authenticate(username, password)     # -> User, or AuthError (same message either way)
    user.can("review_records")                               # role permissions, see ROLE_PERMISSIONS
    store.users.create("sam", password, role="social_worker", display_name="Sam Patel")
    ensure_demo_account(settings, store)                    # `make run` on a fresh machine: demo user, password
                                                             # written to data_dir/demo_credentials.txt (0600)

The CLI (``frontdoor users create-admin|add|list``) is :data:`assistant.auth.cli.users_app`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from assistant.auth.models import ROLE_PERMISSIONS, ROLES, Permission, Role, User

if TYPE_CHECKING:
    from assistant.auth.demo import DemoAccount, ensure_demo_account
    from assistant.auth.users import UserDirectory
    from assistant.store.errors import AuthError, PermissionDeniedError

# Loaded on first use, so `frontdoor --help` (which imports assistant.auth.cli) does not load the database layer.
_LAZY = {
    "DemoAccount": "assistant.auth.demo",
    "ensure_demo_account": "assistant.auth.demo",
    "UserDirectory": "assistant.auth.users",
    "AuthError": "assistant.store.errors",
    "PermissionDeniedError": "assistant.store.errors",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ROLES",
    "ROLE_PERMISSIONS",
    "AuthError",
    "DemoAccount",
    "Permission",
    "PermissionDeniedError",
    "Role",
    "User",
    "UserDirectory",
    "ensure_demo_account",
]
