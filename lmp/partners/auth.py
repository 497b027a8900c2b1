"""The authentication backend: a login's partner comes with its user, in the same query."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from lmp.partners import roles

UserModel = get_user_model()


class MembershipBackend(ModelBackend):
    """``ModelBackend`` that loads the signed-in user with its membership and partner.

    Every partner page needs the partner (``selectors.partner_for_user``); joining it into the
    user lookup each request already makes saves a query on every page. The login's session
    epoch comes with it too (``lmp.partners.middleware``).
    """

    def get_user(self, user_id):
        users = UserModel._default_manager.select_related("membership__partner", "session_epoch")
        try:
            user = users.get(pk=user_id)
        except UserModel.DoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        # A role changed to No LMP Access signs the login out on its next request. (The password
        # check itself lets such a login through, so that the login form can say why it refuses.)
        if roles.role_of(user) is not None and not roles.allows(user, roles.SIGN_IN):
            return None
        return user
