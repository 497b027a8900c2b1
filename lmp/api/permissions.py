"""Which requests a key may make: the portal's role policy decides (``lmp.partners.roles``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from rest_framework import permissions

from lmp.partners import roles


class RolePermission(permissions.BasePermission):
    """A key reads what its role may view and writes what its role may change.

    A view names its permissions in ``read_permission`` and ``write_permission`` (constants of
    ``roles``); ``roles.allows`` answers, as it does for a login on the portal's pages.
    """

    message = gettext_lazy("Your key's role does not allow this.")

    def has_permission(self, request, view) -> bool:
        if not isinstance(request.user, roles.KeyActor):
            return False
        if request.method in permissions.SAFE_METHODS:
            permission = getattr(view, "read_permission", roles.VIEW_LICENSES)
        else:
            permission = getattr(view, "write_permission", roles.CHANGE_CUSTOMERS)
        return roles.allows(request.user, permission)
