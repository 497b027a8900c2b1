"""Django admin bases shared by the apps: read-only records, and lists that stay fast at a
million rows."""

from __future__ import annotations

from functools import cached_property

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext as _


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """Staff see the records, never add, change nor delete them here: the services write them,
    with the change they record. Django then shows every field read-only and no Save button.

    A subclass adds its list, filters and actions (an action runs a service, e.g. revoke).
    """

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CappedCountPaginator(Paginator):
    """Counts at most ``CAP`` + 1 rows: ``SELECT COUNT(*) FROM (… LIMIT 10001)``.

    Django's paginator counts every matching row to number the pages; over a million rows that
    count is most of the page's time, on every page. Past ``CAP`` the list says "more than
    10,000" and numbers ``CAP`` rows' pages: staff narrow a list that long with the search and
    the filters, not by paging to its end.
    """

    CAP = 10_000

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.CAP)

    @cached_property
    def capped(self) -> bool:
        return self._counted > self.CAP

    @cached_property
    def _counted(self) -> int:
        rows = self.object_list
        if isinstance(rows, QuerySet):
            return rows.order_by()[: self.CAP + 1].count()
        return len(rows)


class CappedChangeList(ChangeList):
    """The change list, telling its templates when the count stopped at the cap."""

    def get_results(self, request):
        super().get_results(request)
        self.count_capped = getattr(self.paginator, "capped", False)


class LargeListAdmin(admin.ModelAdmin):
    """A change list over a table of a million rows: fast on every page and every search.

    - the count stops at ``CappedCountPaginator.CAP`` rows, and the second count over the whole
      table (Django's "N total") is not made;
    - a search field across a relation to a small table (``search_by_key``: the first hop, e.g.
      ``partner``) is matched in that table first, then by key on this one, so each of the
      search's alternatives is an index scan of this table (the trigram and key indexes) rather
      than one scan of the join;
    - no filter counts ("Show counts": a ``GROUP BY`` over the table per filter);
    - no ``date_hierarchy`` (its year links are a ``DISTINCT`` over the whole table): a date
      filter instead.
    """

    paginator = CappedCountPaginator
    show_full_result_count = False
    # Django's "Show counts" would be a GROUP BY over the whole table for every filter.
    show_facets = admin.ShowFacets.NEVER
    # First hops of search fields whose table is small (partners, licenses, logins, addresses).
    search_by_key: tuple[str, ...] = ()
    # More keys than this and the search matches through a subquery instead (still right, slower).
    SEARCH_KEYS_MAX = 1_000

    def get_changelist(self, request, **kwargs):
        return CappedChangeList

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None) or {}
        cl = context.get("cl")
        if getattr(cl, "count_capped", False):
            # Django's "All 10000 selected" would undercount: select-across takes every match.
            context["selection_note_all"] = _("All matching %(name)s selected") % {
                "name": cl.opts.verbose_name_plural
            }
        return response

    def get_search_results(self, request, queryset, search_term):
        fields = self.get_search_fields(request)
        if not search_term or not fields:
            return super().get_search_results(request, queryset, search_term)
        for bit in smart_split(search_term):
            if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
                bit = unescape_string_literal(bit)
            queryset = queryset.filter(self._term_condition(queryset.model, fields, bit))
        # Every alternative is a key or a column of this table: no join that could repeat rows.
        return queryset, False

    def _term_condition(self, model, fields, term: str) -> Q:
        condition = Q()
        for field in fields:
            if field.startswith("="):
                # An exact key (a token): the term as that field's value, or no match.
                try:
                    value = model._meta.get_field(field[1:]).to_python(term)
                except ValidationError:
                    continue
                condition |= Q(**{field[1:]: value})
                continue
            hop, _, rest = field.partition("__")
            if hop in self.search_by_key and rest:
                related = get_fields_from_path(model, hop)[0].related_model
                keys = related._default_manager.filter(**{f"{rest}__icontains": term}).values("pk")
                found = list(keys.values_list("pk", flat=True)[: self.SEARCH_KEYS_MAX + 1])
                if len(found) <= self.SEARCH_KEYS_MAX:
                    condition |= Q(**{f"{hop}__in": found})
                else:
                    condition |= Q(**{f"{hop}__in": keys})
            else:
                condition |= Q(**{f"{field}__icontains": term})
        # Not one field could hold the term (a token search with a non-token): nothing matches.
        return condition if condition else Q(pk__in=[])
