"""Forms of the partners app."""

from __future__ import annotations

from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from lmp.partners import roles


class LoginForm(AuthenticationForm):
    """Django's login form, refusing a login whose role is No LMP Access (no session is made)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "no_lmp_access": (
            "Your organisation has not given this login access to the License Management "
            "Portal (its role is No LMP Access). Ask one of its Administrators."
        ),
    }

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if roles.role_of(user) is not None and not roles.allows(user, roles.SIGN_IN):
            raise ValidationError(self.error_messages["no_lmp_access"], code="no_lmp_access")
