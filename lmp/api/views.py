"""The API's endpoints: thin views over the portal's selectors (reads) and services (writes).

Every view starts from the key's partner (``partner_for_user``), so another partner's license or
customer is a 404 exactly as on the portal's pages, and every write goes through the service the
portal's forms use, with the key as actor and ``AllocationEventSource.API`` as source.
"""

from __future__ import annotations

import functools

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions as drf_exceptions
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from licenses import services
from licenses.choices import AllocationEventSource, CustomerStatus, DeploymentSolution, what_key
from licenses.filters import CustomerAccountFilterSet
from licenses.policy import SEATS_UNAVAILABLE
from licenses.selectors import (
    VisibleLicense,
    customer_events,
    customer_page_get,
    license_customers,
    license_events,
    license_get,
    license_list,
)
from licenses.services.bulk import STALE as BULK_STALE
from lmp.api import idempotency, serializers
from lmp.api.pagination import (
    CustomerCursorPagination,
    EventCursorPagination,
    OrderCursorPagination,
    StatementCursorPagination,
    StatementLineCursorPagination,
)
from lmp.api.problems import Conflict, problem_response
from lmp.billing.models import Statement
from lmp.billing.selectors import (
    statement_currency_totals,
    statement_get,
    statement_licenses,
    statement_list,
    statement_totals,
)
from lmp.partners import roles
from lmp.partners.selectors import partner_for_user
from onboarding.selectors import onboarding_request_get, onboarding_request_list

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    idempotency.HEADER,
    {"type": "string", "minLength": 1, "maxLength": idempotency.MAX_KEY_LENGTH},
    OpenApiParameter.HEADER,
    description="Send a unique value (e.g. a UUID) to make a retry safe: the same request with "
    "the same key gets the first answer again and changes nothing more.",
)


def idempotent(handler):
    """Run a write once per ``Idempotency-Key`` (when the request has one)."""

    @functools.wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(idempotency.HEADER)

        def run() -> Response:
            try:
                return handler(self, request, *args, **kwargs)
            except Exception as exc:  # answered as the view would answer it, then stored
                return self.handle_exception(exc)

        if key is None:
            return handler(self, request, *args, **kwargs)
        return idempotency.idempotent_run(
            api_key=request.user.key,
            key=key,
            fingerprint_=idempotency.fingerprint(
                method=request.method, path=request.path, data=request.data
            ),
            run=run,
        )

    return wrapper


class PartnerAPIView(generics.GenericAPIView):
    """A view of the key's partner."""

    @property
    def partner(self):
        return partner_for_user(self.request.user)

    def visible_license(self) -> VisibleLicense:
        """The license in the URL as the partner sees it (404 unless it may)."""
        return license_get(partner=self.partner, pk=self.kwargs["license_pk"])

    def license(self):
        return self.visible_license().license


class LicenseListView(PartnerAPIView):
    """Licenses the partner owns or that are shared with it, with their dashboard figures."""

    serializer_class = serializers.LicenseSerializer
    pagination_class = None

    @extend_schema(operation_id="licenses_list", responses=serializers.LicenseSerializer(many=True))
    def get(self, request):
        figures = [serializers.license_figures(lic) for lic in license_list(partner=self.partner)]
        return Response(self.get_serializer(figures, many=True).data)


class LicenseDetailView(PartnerAPIView):
    """One license with the figures its page's dashboard shows."""

    serializer_class = serializers.LicenseDetailSerializer

    @extend_schema(operation_id="license_retrieve")
    def get(self, request, license_pk: int):
        visible = self.visible_license()
        figures = serializers.license_figures(visible)
        figures["forecast"] = serializers.license_forecast(visible)
        figures["scheduled_commitment"] = serializers.license_scheduled_commitment(
            visible, partner=self.partner
        )
        return Response(self.get_serializer(figures).data)


class CustomerListView(PartnerAPIView):
    """A license's customers (the portal's search, status filter and orderings); onboard one."""

    serializer_class = serializers.CustomerSerializer
    pagination_class = CustomerCursorPagination

    @extend_schema(
        operation_id="customers_list",
        responses=serializers.CustomerSerializer(many=True),
        parameters=[
            OpenApiParameter("q", str, description="Words in the name, web site or e-mail."),
            OpenApiParameter(
                "status",
                str,
                enum=[*CustomerStatus.values, ""],
                description="active (the default), offboarded, or empty for all.",
            ),
            OpenApiParameter(
                "ordering", str, enum=list(CustomerCursorPagination.ORDERINGS), default="legal_name"
            ),
        ],
    )
    def get(self, request, license_pk: int):
        license = self.license()
        queryset = license_customers(partner=self.partner, license=license)
        filterset = CustomerAccountFilterSet(request.query_params, queryset=queryset)
        if not filterset.is_valid():
            raise DjangoValidationError(
                {field: list(errors) for field, errors in filterset.form.errors.items()}
            )
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        operation_id="customer_create",
        request=serializers.CustomerCreateSerializer,
        responses={201: serializers.CustomerSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def post(self, request, license_pk: int):
        license = self.license()
        data = _valid(serializers.CustomerCreateSerializer, request.data)
        customer = services.customer_create(
            partner=self.partner,
            license=license,
            deployment=DeploymentSolution.VIRTUAL,
            actor=request.user,
            source=AllocationEventSource.API,
            **data,
        )
        fresh = customer_page_get(partner=self.partner, license_pk=license.pk, pk=customer.pk)
        return Response(serializers.CustomerSerializer(fresh).data, status=status.HTTP_201_CREATED)


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class CustomerView(PartnerAPIView):
    """A view of one customer of the license in the URL (404 unless the partner sees both)."""

    def customer(self):
        return customer_page_get(
            partner=self.partner, license_pk=self.kwargs["license_pk"], pk=self.kwargs["pk"]
        )


class CustomerDetailView(CustomerView):
    """One customer of the license: read, or change its legal name and users."""

    serializer_class = serializers.CustomerSerializer

    @extend_schema(operation_id="customer_retrieve")
    def get(self, request, license_pk: int, pk: int):
        return Response(self.get_serializer(self.customer()).data)

    @extend_schema(
        operation_id="customer_update",
        request=serializers.CustomerUpdateSerializer,
        responses={200: serializers.CustomerUpdatedSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def patch(self, request, license_pk: int, pk: int):
        customer = self.customer()
        data = _valid(serializers.CustomerUpdateSerializer, request.data)
        changes = services.customer_update(
            customer=customer,
            # What the request leaves out is None: kept as the row has it under the lock.
            legal_name=data.get("legal_name"),
            tier_users=data.get("tier_users"),
            cloud_users=data.get("cloud_users"),
            sat_users=data.get("sat_users"),
            website=(data["website"] or "") if "website" in data else None,
            admin_email=data.get("admin_email"),
            actor=request.user,
            source=AllocationEventSource.API,
        )
        # Each change's label in English whatever the Accept-Language, as the history stores it.
        body = {
            "customer": self.customer(),
            "changes": [{"label": what_key(c.label), "old": c.old, "new": c.new} for c in changes],
        }
        return Response(serializers.CustomerUpdatedSerializer(body).data)


class CustomerOffboardView(CustomerView):
    """Offboard the customer: its users return to their pools; the customer stays in history."""

    serializer_class = serializers.OffboardedSerializer

    @extend_schema(
        operation_id="customer_offboard",
        request=None,
        responses={200: serializers.OffboardedSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def post(self, request, license_pk: int, pk: int):
        customer = self.customer()
        released = services.customer_offboard(
            customer=customer, actor=request.user, source=AllocationEventSource.API
        )
        body = {
            "customer": self.customer(),
            "released": {str(lic.pk): seats for lic, seats in released.items()},
        }
        return Response(serializers.OffboardedSerializer(body).data)


# Refusals a batch answers with 409 when they are all it has: the state changed, not the input.
BATCH_CONFLICTS = {SEATS_UNAVAILABLE, services.CUSTOMER_OFFBOARDED, BULK_STALE}


class CustomerBatchView(PartnerAPIView):
    """Change up to 1,000 customers of the license at once, all or nothing (the bulk edit)."""

    serializer_class = serializers.BatchResultSerializer

    @extend_schema(
        operation_id="customer_batch_update",
        request=serializers.BatchSerializer,
        responses={200: serializers.BatchResultSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def post(self, request, license_pk: int):
        license = self.license()
        data = _valid(serializers.BatchSerializer, request.data)
        changes = [
            services.BulkChange(
                customer_id=item["customer"],
                legal_name=item.get("legal_name"),
                tier_users=item.get("tier_users"),
                cloud_users=item.get("cloud_users"),
                sat_users=item.get("sat_users"),
                version=item.get("version"),
                row=index,
            )
            for index, item in enumerate(data["changes"])
        ]
        try:
            result = services.customers_bulk_update(
                partner=self.partner,
                license=license,
                actor=request.user,
                changes=changes,
                source=AllocationEventSource.API,
            )
        except services.BulkRefused as refused:
            errors: dict[str, list[str]] = {}
            for r in refused.result.refusals:
                key = "changes" if r.row is None else f"changes.{r.row}.{r.field}"
                errors.setdefault(key, []).append(r.message)
            conflict = all(r.code in BATCH_CONFLICTS for r in refused.result.refusals)
            exc = Conflict(errors) if conflict else drf_exceptions.ValidationError(errors)
            exc.field_errors = errors
            if conflict:
                exc.title = _("The batch conflicts with the current state.")
            return problem_response(exc)
        body = {
            "changed": [
                {
                    "index": row.row,
                    "customer": row.customer_id,
                    "changes": [
                        {"label": what_key(c.label), "old": c.old, "new": c.new}
                        for c in row.changes
                    ],
                }
                for row in result.changed
            ],
            "unchanged": result.unchanged,
        }
        return Response(serializers.BatchResultSerializer(body).data)


class LicenseHistoryView(PartnerAPIView):
    """The allocation history of a license (a sub-partner sees its customers' only)."""

    serializer_class = serializers.EventSerializer
    pagination_class = EventCursorPagination

    @extend_schema(
        operation_id="license_history_list", responses=serializers.EventSerializer(many=True)
    )
    def get(self, request, license_pk: int):
        events = license_events(partner=self.partner, license=self.license())
        page = self.paginate_queryset(events)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class CustomerHistoryView(CustomerView):
    """The allocation history of one customer, on every pool it has held users of."""

    serializer_class = serializers.EventSerializer
    pagination_class = EventCursorPagination

    @extend_schema(
        operation_id="customer_history_list", responses=serializers.EventSerializer(many=True)
    )
    def get(self, request, license_pk: int, pk: int):
        events = customer_events(partner=self.partner, customer=self.customer())
        page = self.paginate_queryset(events)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class OnboardingOrderListView(PartnerAPIView):
    """Onboarding orders with their shipments, newest first."""

    serializer_class = serializers.OnboardingOrderSerializer
    pagination_class = OrderCursorPagination

    @extend_schema(
        operation_id="onboarding_orders_list",
        responses=serializers.OnboardingOrderSerializer(many=True),
    )
    def get(self, request):
        page = self.paginate_queryset(onboarding_request_list(partner=self.partner))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class OnboardingOrderDetailView(PartnerAPIView):
    serializer_class = serializers.OnboardingOrderSerializer

    @extend_schema(operation_id="onboarding_order_retrieve")
    def get(self, request, pk: int):
        order = onboarding_request_get(partner=self.partner, pk=pk)
        return Response(self.get_serializer(order).data)


MONTH_PARAMETER = OpenApiParameter(
    "month",
    {"type": "string", "pattern": serializers.MONTH_PATTERN},
    OpenApiParameter.PATH,
    description="The statement's month, e.g. 2026-11.",
)


class StatementView(PartnerAPIView):
    """A view of the partner's month-end statements (roles.READ_STATEMENTS: every key)."""

    read_permission = roles.READ_STATEMENTS

    def statement(self) -> Statement:
        """The partner's statement of the month in the URL (404 otherwise)."""
        return statement_get(partner=self.partner, month=self.kwargs["month"])


class StatementListView(StatementView):
    """The partner's month-end statements, newest first, each with its totals per currency."""

    serializer_class = serializers.StatementSerializer
    pagination_class = StatementCursorPagination

    @extend_schema(
        operation_id="statements_list", responses=serializers.StatementSerializer(many=True)
    )
    def get(self, request):
        page = self.paginate_queryset(statement_list(partner=self.partner))
        totals = statement_totals(statements=page)
        for statement in page:
            statement.totals = totals.get(statement.pk, [])
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class StatementDetailView(StatementView):
    """One statement with its licenses and its totals per currency."""

    serializer_class = serializers.StatementDetailSerializer

    @extend_schema(operation_id="statement_retrieve", parameters=[MONTH_PARAMETER])
    def get(self, request, month):
        statement = self.statement()
        statement.licenses_list = statement_licenses(statement=statement)
        statement.totals = statement_currency_totals(statement.licenses_list)
        return Response(self.get_serializer(statement).data)


class StatementLineListView(StatementView):
    """A statement's lines (cursor pages): customers, unallocated users and adjustments."""

    serializer_class = serializers.StatementLineSerializer
    pagination_class = StatementLineCursorPagination

    @extend_schema(
        operation_id="statement_lines_list",
        responses=serializers.StatementLineSerializer(many=True),
        parameters=[MONTH_PARAMETER],
    )
    def get(self, request, month):
        lines = self.statement().lines.select_related("statement_license")
        page = self.paginate_queryset(lines)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema (open: it describes the API, it holds no partner's data)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from our static files; its init script is a file too (the CSP allows no inline
    script)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    url_name = "api:schema"
