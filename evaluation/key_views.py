"""The expert's signing-key page (我的签名密钥): the key is made in their browser; only its public half is posted here."""

import json

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from trading.errors import DomainError, NotFound, PageRefused, PermissionDenied
from trading.rules import check

from . import signing_keys


def _json_error(err: DomainError):
    status = 404 if isinstance(err, NotFound) else 403 if isinstance(err, PermissionDenied) else 400
    return JsonResponse({"error": str(err.message), "field": getattr(err, "field", None)}, status=status,
                        json_dumps_params={"ensure_ascii": False})


@login_required
def expert_key(request):
    """GET: the page (the key registered, and the buttons that make or load a key file).
    POST (JSON {"public_key", "proof"}): register that key, proved by its signature."""
    if request.method == "POST":
        try:
            payload = json.loads(request.body or b"{}")
            if not isinstance(payload, dict):
                raise ValueError
            key = signing_keys.register_signing_key(actor=request.user, public_key=str(payload.get("public_key", "")),
                                                    proof=str(payload.get("proof", "")))
        except ValueError:
            return JsonResponse({"error": _("Send JSON: {\"public_key\": …, \"proof\": …}.")}, status=400)
        except DomainError as err:
            return _json_error(err)
        return JsonResponse({"public_key": key.public_key, "registered_at": key.registered_at.isoformat()})
    try:
        check(request.user, "evaluation.register_signing_key")
    except PermissionDenied as err:
        raise PageRefused(_("Only an evaluation expert has a signing key.")) from err
    return render(request, "evaluation/report/expert_key.html", {
        "key": signing_keys.own_key(request.user)})
