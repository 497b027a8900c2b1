"""Django admin for vendor staff: partners, the logins that work for them, their invitations and
team history.

A partner's default shipping address is chosen in the Address admin (shipping), which sits
above this app.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from rest_framework_api_key.models import APIKey as LibraryAPIKey

from lmp.core.admin import ReadOnlyModelAdmin
from lmp.core.l10n import count
from lmp.partners import services
from lmp.partners.models import ApiKey, Invitation, Membership, Partner, TeamEvent

User = get_user_model()


def membership_of(user) -> Membership | None:
    """The login's membership as the database has it now (None: it works for no partner)."""
    if user is None or user.pk is None:
        return None
    return Membership.objects.select_related("user", "partner").filter(user_id=user.pk).first()


@admin.display(description=gettext_lazy("partner"))
def partner_of(user) -> str:
    membership = getattr(user, "membership", None)
    return str(membership.partner) if membership is not None else ""


# Django's User admin, with the team's rules for a partner's login: deactivating or reactivating
# goes through the team service (the last-Administrator rule, the team history, its sessions end),
# a changed sign-in name is in the team history, and a member's login is never deleted.
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Logins: vendor staff and partners' members. A member's *Active* box and sign-in name change
    as on the Team page (``services.member_deactivate`` / ``member_reactivate``)."""

    list_display = [*DjangoUserAdmin.list_display, "is_active", partner_of]
    list_select_related = ["membership__partner"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            return form

        class MemberUserAdminForm(form):
            def clean(self):
                cleaned = super().clean()
                membership = membership_of(self.instance)
                if membership is not None and "is_active" in self.changed_data:
                    try:
                        # The team's one rule: the error sits on Active, nothing is saved and
                        # the page keeps what was typed.
                        services.member_active_check(
                            actor=request.user,
                            membership=membership,
                            active=bool(cleaned.get("is_active")),
                        )
                    except ValidationError as error:
                        self.add_error("is_active", error)
                return cleaned

        return MemberUserAdminForm

    def save_model(self, request, obj, form, change) -> None:
        membership = membership_of(obj) if change else None
        if membership is None:
            super().save_model(request, obj, form, change)
            if change and "is_active" in form.changed_data and not obj.is_active:
                services.login_sessions_end(user=obj)
            return
        old_username = form.initial.get("username", obj.get_username())
        if "is_active" in form.changed_data:
            change_active = (
                services.member_reactivate if obj.is_active else services.member_deactivate
            )
            # The form's clean() checked the rule; a refusal here is a change that raced it, and
            # it propagates so that the admin's transaction rolls back: no half-save, no
            # "changed successfully", no change in the admin's log.
            change_active(actor=request.user, membership=membership)
        super().save_model(request, obj, form, change)
        membership.user = obj
        services.member_login_changed(
            actor=request.user, membership=membership, old_username=old_username
        )

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        members = [user for user in objs if membership_of(user) is not None]
        if members:
            perms_needed.discard(Membership._meta.verbose_name)
            protected = list(protected) + [
                _(
                    "%(login)s works for %(partner)s: deactivate it instead (untick Active), "
                    "so that its history keeps naming it."
                )
                % {"login": user.get_username(), "partner": membership_of(user).partner}
                for user in members
            ]
        return deleted, counts, perms_needed, protected


class MembershipInline(admin.TabularInline):
    """The partner's logins, read here; a role changes in the Membership admin, which keeps the
    last-Administrator rule and records the change in the team history."""

    model = Membership
    extra = 0
    fields = ["user", "role"]
    readonly_fields = ["user", "role"]
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "require_mfa", "language", "created_at"]
    list_filter = ["require_mfa", "language"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Link a login to a partner (a partner's first Administrator is made here), or change its
    role through the team service: the partner keeps an active Administrator and the team
    history shows the change, as on the partner's own Team page."""

    list_display = ["user", "partner", "role", "language"]
    list_filter = ["role", "language", "partner"]
    search_fields = ["user__username", "user__email", "partner__name"]
    autocomplete_fields = ["user", "partner"]

    def get_readonly_fields(self, request, obj=None):
        # A login moves to another partner by a new membership, never by an edit.
        return ["user", "partner"] if obj is not None else []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivate the login instead: its history keeps pointing at it

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            added = services.member_add(
                actor=request.user, user=obj.user, partner=obj.partner, role=obj.role
            )
            obj.pk, obj._state.adding = added.pk, False
            return
        if "role" not in form.changed_data:
            super().save_model(request, obj, form, change)
            return
        stored = Membership.objects.get(pk=obj.pk)
        try:
            services.member_role_set(actor=request.user, membership=stored, role=obj.role)
        except ValidationError as error:
            # The form's clean() checked the rule; this is a change that raced it.
            self.message_user(request, " ".join(error.messages), messages.ERROR)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class MembershipAdminForm(form):
            def clean(self):
                cleaned = super().clean()
                role = cleaned.get("role")
                if self.instance.pk and role and role != self.initial.get("role"):
                    try:
                        services.last_administrator_check(
                            Membership.objects.get(pk=self.instance.pk), role=role
                        )
                    except ValidationError as error:
                        self.add_error("role", error)
                return cleaned

        return MembershipAdminForm


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are sent from the partner's Team page; staff see them and may revoke them."""

    list_display = ["email", "partner", "role", "status_display", "created_at", "expires_at"]
    list_filter = ["role", "partner"]
    search_fields = ["email", "partner__name"]
    list_select_related = ["partner"]
    readonly_fields = [
        "partner",
        "email",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
    ]
    actions = ["revoke"]

    @admin.display(description=gettext_lazy("status"))
    def status_display(self, obj: Invitation) -> str:
        return obj.get_status_display()

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=gettext_lazy("Revoke the selected invitations"))
    def revoke(self, request, queryset) -> None:
        done = 0
        for invitation in queryset:
            try:
                services.invitation_revoke(actor=request.user, invitation=invitation)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)s invitation revoked.", "%(count)s invitations revoked.", done)
                % {"count": count(done)},
                messages.SUCCESS,
            )


@admin.register(TeamEvent)
class TeamEventAdmin(ReadOnlyModelAdmin):
    """The team history: read-only, as it happened."""

    list_display = ["at", "partner", "kind", "email", "from_text", "to_text", "actor"]
    list_filter = ["kind", "partner"]
    search_fields = ["email", "partner__name", "actor__username"]
    list_select_related = ["partner", "actor"]
    date_hierarchy = "at"


# The library's own key model is not used (partners.ApiKey is): keep it out of the admin.
if admin.site.is_registered(LibraryAPIKey):
    admin.site.unregister(LibraryAPIKey)


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyModelAdmin):
    """Partners' API keys (made on their Team page): read-only here, revocable.

    None is added here (a key is shown once, to the Administrator who makes it) nor deleted (the
    history names the key that made a change: revoke it instead).
    """

    list_display = ["name", "prefix", "partner", "role", "created", "expiry_date", "revoked"]
    list_display += ["last_used_at"]
    list_filter = ["role", "revoked"]
    search_fields = ["name", "prefix", "partner__name"]
    list_select_related = ["partner"]
    actions = ["revoke"]

    @admin.action(description=gettext_lazy("Revoke the selected API keys"))
    def revoke(self, request, queryset) -> None:
        done = 0
        for api_key in queryset.filter(revoked=False):
            services.api_key_revoke(actor=request.user, api_key=api_key)
            done += 1
        self.message_user(
            request,
            ngettext("%(count)s API key revoked.", "%(count)s API keys revoked.", done)
            % {"count": count(done)},
            messages.SUCCESS,
        )
