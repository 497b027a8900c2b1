"""Top-level URLconf: auth, admin and one include per app."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path
from django.utils.translation import gettext_lazy
from django.views.i18n import JavaScriptCatalog

from lmp.accounts.forms import PasswordResetForm
from lmp.partners import roles
from lmp.partners.forms import LoginForm

admin.site.site_header = gettext_lazy("LMP administration")
admin.site.site_title = gettext_lazy("LMP admin")
admin.site.index_title = gettext_lazy("Partners, licenses and orders")


@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe for load balancers (and the bench's trivial reference view)."""
    return HttpResponse("ok", content_type="text/plain")


def home(request: HttpRequest) -> HttpResponse:
    """The first page the signed-in user's role can use: Billing for Bank Details Only."""
    if not roles.allows(request.user, roles.VIEW_LICENSES) and roles.allows(
        request.user, roles.VIEW_BILLING
    ):
        return redirect("billing:billing")
    return redirect("licenses:license_list")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # The scripts' strings in the page's language (static/js/*: gettext, ngettext, interpolate).
    path(
        "jsi18n/",
        login_not_required(JavaScriptCatalog.as_view(domain="djangojs")),
        name="javascript-catalog",
    ),
    path("", home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        # The e-mail's templates: lmp.accounts.services (a worker sends it).
        auth_views.PasswordResetView.as_view(form_class=PasswordResetForm),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("account/", include("lmp.accounts.urls")),
    path("admin/", admin.site.urls),
    path("licenses/", include("licenses.urls")),
    path("onboarding/", include("onboarding.urls")),
    path("team/", include("lmp.partners.urls")),
    path("billing/", include("lmp.billing.urls")),
    path("webhooks/", include("lmp.webhooks.urls")),
    path("api/v1/", include("lmp.api.urls")),
]

# A database outage answers 503 with Retry-After; any other uncaught error the 500 page. Under
# /api/ each of these is problem details (JSON), like the API's own refusals.
handler500 = "lmp.views.server_error"
handler404 = "lmp.views.page_not_found"
handler400 = "lmp.views.bad_request"
