"""The draw's pages: the staff's page of a lot's draw, and the public page with its published files.

The staff's page (the lot's center staff act; the supervisors over the lot read): the set-up
form, then the request, the commitment, the exclusion list, the draw and the members. The public
page (whoever may read the tender): that a committee of N is drawn, the request and the
commitment; the names, the seed and the two files once the result is final. Thin: one service
each; who may read what is the rules' (evaluation.rules), checked again in the services."""

import json

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_POST

from trading import confirming
from trading.choices import LotState
from trading.errors import DomainError, NotFound, PageNotFound, PageRefused, PermissionDenied
from trading.formkit import quiet, with_one_more_row
from trading.services import access_lot

from . import draw_selectors as read
from .draw_errors import draw_error_text
from .draw_forms import DrawSetUpForm, SpecialtyFormSet
from .draw_services import draw_committee, lot_label, set_up
from .drawing import DrawError
from .models import CommitteeDraw, EvaluationRoom

ADD_ROW = "add_specialty"


def _lot(user, lot_id, perm=None):
    """The lot, if this person may read its tender (else 404), and hold `perm` on it (else 403)."""
    try:
        lot = access_lot(user, lot_id)
    except NotFound as err:
        raise PageNotFound(err.message) from err
    except PermissionDenied as err:
        raise PageRefused(err.message) from err
    if perm and not rules.has_perm(perm, user, lot):
        if perm == "evaluation.run_draw" and rules.has_perm("evaluation.watch_draw", user, lot):
            raise PageRefused(_("Supervisors read the draw; only the lot's own center staff set it up and run it."))
        raise PageRefused(_("Only the lot's own center staff and the supervisors over it read its expert draw."))
    return lot


def _draw_of(lot):
    return CommitteeDraw.objects.filter(lot=lot).select_related("set_up_by").first()


def _rows(data, *, add_row):
    rows = SpecialtyFormSet(data, prefix="specialties")
    if add_row:
        rows = SpecialtyFormSet(with_one_more_row(data, "specialties"), prefix="specialties")
    return rows


def _draw_question(lot, draw) -> confirming.Question:
    return confirming.Question(
        title=_("Draw the committee of %(lot)s?") % {"lot": lot},
        consequence=confirming.for_good(
            ngettext("The platform draws %(n)d expert by the published rule from the eligible pool fixed at set-up, "
                     "and notifies them at once.",
                     "The platform draws %(n)d experts by the published rule from the eligible pool fixed at set-up, "
                     "and notifies each of them at once.", draw.drawn_count) % {"n": draw.drawn_count}),
        action=pgettext("draw the committee", "Draw"),
        facts=((_("Committee size"), str(draw.size)), (_("Experts drawn"), str(draw.drawn_count)),
               (_("Commitment"), draw.commitment)))


@login_required
def draw_page(request, lot_id):
    """A lot's draw for its staff (and, to read, the supervisors over it)."""
    lot = _lot(request.user, lot_id, "evaluation.watch_draw")
    may_run = rules.has_perm("evaluation.run_draw", request.user, lot)
    if request.method == "POST" and not may_run:
        raise PageRefused(_("Supervisors read the draw; only the lot's own center staff set it up and run it."))
    draw = _draw_of(lot)
    form = rows = None
    if draw is None and may_run and lot.state == LotState.EVALUATION:
        data = request.POST if request.method == "POST" else None
        add_row = data is not None and ADD_ROW in data
        form = DrawSetUpForm(data)
        rows = _rows(data, add_row=add_row)
        if add_row:
            quiet(form, rows)
        elif data is not None and all([form.is_valid(), rows.is_valid()]):
            try:
                set_up(request.user, lot.pk, form.request(rows.specialties()))
            except PermissionDenied as err:
                raise PageRefused(err.message) from err
            except DomainError as err:
                form.add_error(None, err.message)
            else:
                messages.success(request, _("The draw is set up: its commitment is published. Draw the committee when "
                                            "you are ready."))
                return redirect("evaluation:draw_staff", lot_id=lot.pk)
    elif request.method == "POST":
        messages.error(request, _("This lot's committee draw is already set up.") if draw else
                       _("The committee is drawn after the opening, while the lot is in evaluation."))
        return redirect("evaluation:draw_staff", lot_id=lot.pk)
    context = {"lot": lot, "project": lot.project, "draw": draw, "form": form, "rows": rows, "may_run": may_run,
               "in_evaluation": lot.state == LotState.EVALUATION,
               "room": EvaluationRoom.objects.filter(lot=lot).only("pk").first()}
    if draw is not None:
        context.update({
            "request_rows": read.request_rows(draw), "exclusions": read.exclusion_rows(draw),
            "members": read.member_rows(draw), "shortage": read.shortage(draw),
            "eligible": len(json.loads(draw.snapshot).get("experts", [])),
            "question": _draw_question(lot, draw), "label": lot_label(lot),
        })
    return render(request, "evaluation/draw/staff.html", context)


@login_required
@require_POST
def draw_run(request, lot_id):
    """抽取: draw the committee by the published rule, once asked and answered yes."""
    lot = _lot(request.user, lot_id, "evaluation.run_draw")
    back = reverse("evaluation:draw_staff", args=[lot.pk])
    draw = _draw_of(lot)
    try:
        if draw is not None and draw.drawn_at is None and not confirming.confirmed(request):
            return confirming.ask(request, _draw_question(lot, draw), back=back)
        # Not set up, or drawn already: the service refuses at once, without asking first.
        members = draw_committee(request.user, lot.pk)
    except PermissionDenied as err:
        raise PageRefused(err.message) from err
    except DomainError as err:
        messages.error(request, err.message)
    except DrawError as err:
        messages.error(request, draw_error_text(err))
    else:
        messages.success(request, ngettext("%(n)d expert drawn and notified; the answer is awaited.",
                                           "%(n)d experts drawn and notified; their answers are awaited.",
                                           len(members)) % {"n": len(members)})
    return redirect(back)


# --- the public page and its files -------------------------------------------------------------


def _public_draw(request, lot_id):
    lot = _lot(request.user, lot_id)
    draw = _draw_of(lot)
    if draw is None:
        raise PageNotFound(_("No committee draw is set up for this lot."))
    return lot, draw


def public_draw(request, lot_id):
    """What anyone reads of a lot's draw: before the result, that a committee of N is drawn, the
    request and the commitment; after it, the names, the seed and the files to recompute it."""
    lot, draw = _public_draw(request, lot_id)
    names = read.names_public(draw)
    return render(request, "evaluation/draw/public.html", {
        "lot": lot, "project": lot.project, "draw": draw, "label": lot_label(lot),
        "request_rows": read.request_rows(draw), "representatives": len(draw.tenderee_reps),
        "names_public": names, "files_public": read.files_public(draw),
        "committee": read.final_committee(draw) if names else [],
    })


def _published_file(request, lot_id, body_of):
    lot, draw = _public_draw(request, lot_id)
    if not read.files_public(draw):
        raise PageNotFound(_("The draw's files are published once the result is final."))
    try:
        body = body_of(draw)
    except DrawError as err:
        raise PageNotFound(draw_error_text(err)) from err
    return body


def public_draw_json(request, lot_id):
    """draw.json: the seed, the request, every pick and the committee (after the result)."""
    body = _published_file(request, lot_id, read.draw_json)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="draw.json"'
    return response


def public_snapshot(request, lot_id):
    """snapshot.json: exactly the bytes whose SHA-256 was published before the draw."""
    body = _published_file(request, lot_id, read.snapshot_file)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="snapshot.json"'
    return response
