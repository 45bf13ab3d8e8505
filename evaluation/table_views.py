"""The staff's page of a lot's scoring table: set while the tender is a draft, shown as fixed after.

Those who prepare the tender (the center's staff, the tenderee, its agent) set the method and
the table; the supervisors over the lot read it. Thin: the rules are table_spec's, shown beside
the fields they concern, and the service (table_services.set_table) checks them again, with who
may and when. Without script "add a check" or "add an item" posts the page and it comes back
with one more row (trading.formkit), as the sealing rules' page does."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

import rules

from bidding.services import sealing_rules
from trading.choices import Category
from trading.errors import DomainError, NotFound, PageNotFound, PageRefused, PermissionDenied
from trading.formkit import quiet, with_one_more_row

from . import table_selectors as read
from . import table_services as services
from .table_forms import TableForm, check_rows, item_rows, show_problems, spec_from
from .table_spec import table_problems

ADD = {"add_check": "checks", "add_item": "items"}


def _lot(user, lot_id):
    """The lot, if this person may read its tender (else 404) and this page (else 403)."""
    try:
        return services.access(user, lot_id, "evaluation.view_table")
    except NotFound as err:
        raise PageNotFound(err.message) from err
    except PermissionDenied as err:
        raise PageRefused(err.message) from err


def _with_a_row(data, prefix):
    total = data.get(f"{prefix}-TOTAL_FORMS") or "0"
    # A malformed count is the formset's to refuse (its management form), not this page's to break on.
    return with_one_more_row(data, prefix, ORDER=int(total) + 1 if total.isdigit() else 1)


def _page(request, lot, table, *, form=None, checks=None, items=None, spec=None):
    spec = spec or read.spec_for(lot, table)
    sale = lot.project.category in Category.price_sales()
    refusal = services.published_refusal(lot, table)
    editable = not sale and refusal is None and rules.has_perm("evaluation.set_table", request.user, lot)
    k_range = sealing_rules(lot.project)
    return render(request, "evaluation/table.html", {
        "lot": lot, "project": lot.project, "table": table, "shown": read.shown(spec),
        "sale": sale, "editable": editable, "refusal": refusal,
        # Read only: the stored table; a draft's default, unsaved; nothing for a lot published without one.
        "shows_table": services.has_table(lot) and (table is not None or lot.is_draft),
        "form": form or TableForm(initial=TableForm.initial_for(spec)),
        "checks": checks if checks is not None else check_rows(spec=spec),
        "items": items if items is not None else item_rows(spec=spec),
        "k_range": k_range if k_range.k_low is not None else None,
    })


@login_required
def table_page(request, lot_id):
    """GET reads (a lot without a table shows the default it would get, unsaved); POST saves
    the whole table through one service call."""
    lot = _lot(request.user, lot_id)
    table = read.table_of(lot)
    if request.method != "POST":
        return _page(request, lot, table)
    if not rules.has_perm("evaluation.set_table", request.user, lot):
        raise PageRefused(str(services.REFUSALS["evaluation.set_table"]))
    refusal = services.published_refusal(lot, table)
    if refusal:
        messages.error(request, refusal)
        return redirect("evaluation:table", lot_id=lot.pk)
    data = request.POST
    added = next((prefix for name, prefix in ADD.items() if name in data), None)
    if added:
        data = _with_a_row(data, added)
    before = read.spec_for(lot, table)  # the rows' initial values: what changed is judged against them
    form, checks, items = TableForm(data), check_rows(data, spec=before), item_rows(data, spec=before)
    if added:
        quiet(form, checks, items)
        return _page(request, lot, table, form=form, checks=checks, items=items)
    if not all([form.is_valid(), checks.is_valid(), items.is_valid()]):
        return _page(request, lot, table, form=form, checks=checks, items=items)
    spec = spec_from(form, checks, items)
    problems = table_problems(spec.normalized(), lot.project.category)
    if not problems:
        try:
            services.set_table(actor=request.user, lot_id=lot.pk, spec=spec)
        except DomainError as err:
            if isinstance(err, PermissionDenied):
                raise PageRefused(err.message) from err
            form.add_error(err.field if err.field in form.fields else None, err.message)
        else:
            messages.success(request, _("The scoring table is saved. It is published with the tender and cannot "
                                        "change after."))
            return redirect("evaluation:table", lot_id=lot.pk)
    show_problems(form, checks, items, problems)
    return _page(request, lot, table, form=form, checks=checks, items=items, spec=spec)

