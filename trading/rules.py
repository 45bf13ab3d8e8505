"""Who may do what to which project: `rules` predicates and one policy per model.

Who may do what to which project: `rules` predicates for role × scope × state, and one
policy per model that also answers "which may this user see" as a queryset.

Loaded by rules' autodiscovery (rules.apps.AutodiscoverRulesConfig)."""

import rules
from django.db.models import Q

from .choices import Role


def _role(user):
    return getattr(user, "role", None) if user and user.is_authenticated else None


@rules.predicate
def is_staff_member(user):
    return _role(user) == Role.STAFF


@rules.predicate
def is_supervisor(user):
    return _role(user) == Role.SUPERVISOR


@rules.predicate
def is_bidder(user):
    return _role(user) == Role.BIDDER and user.organization_id is not None


@rules.predicate
def may_prepare_projects(user):
    return _role(user) in (Role.STAFF, Role.TENDEREE, Role.AGENT)


@rules.predicate
def is_center_staff(user, project):
    return _role(user) == Role.STAFF and project is not None and project.center_id == user.center_id


@rules.predicate
def is_supervisor_over(user, project):
    return _role(user) == Role.SUPERVISOR and project is not None and project.center_id in user.center.subtree_ids()


@rules.predicate
def is_project_party(user, project):
    return (
        _role(user) in (Role.TENDEREE, Role.AGENT)
        and project is not None
        and user.organization_id is not None
        and user.organization_id in (project.tenderee_id, project.agent_id)
    )


@rules.predicate
def is_published(user, project):
    # Public once its tender notice is out: a draft cancelled before that never becomes public.
    # Asked of the database, not of the instance, which a caller may hold from before publishing.
    return project is not None and type(project).objects.filter(pk=project.pk, documents_published_at__isnull=False).exists()


@rules.predicate
def is_draft(user, project):
    return project is not None and project.is_draft()


rules.add_perm("trading.add_project", may_prepare_projects)
rules.add_perm("trading.view_project", is_center_staff | is_supervisor_over | is_project_party | is_published)
rules.add_perm("trading.change_project", (is_center_staff | is_project_party) & is_draft)
rules.add_perm("trading.add_document", is_center_staff | is_project_party)
rules.add_perm("trading.publish_project", is_center_staff)
rules.add_perm("trading.publish_notice", is_center_staff | is_project_party)
rules.add_perm("trading.transition_lot", is_center_staff)
rules.add_perm("trading.view_audit", is_supervisor_over | is_center_staff)
rules.add_perm("trading.view_audit_list", is_supervisor | is_staff_member)
rules.add_perm("trading.download_document", is_published | is_center_staff | is_supervisor_over | is_project_party)


class ProjectPolicy:
    """The one answer to "which projects may this user see"."""

    @staticmethod
    def visible(user, queryset=None):
        from .models import Project

        qs = queryset if queryset is not None else Project.objects.all()
        published = Q(documents_published_at__isnull=False)
        role = _role(user)
        if role == Role.STAFF:
            cond = Q(center_id=user.center_id) | published
        elif role == Role.SUPERVISOR:
            cond = Q(center_id__in=user.center.subtree_ids()) | published
        elif role in (Role.TENDEREE, Role.AGENT):
            cond = Q(tenderee_id=user.organization_id) | Q(agent_id=user.organization_id) | published
        else:
            cond = published
        return qs.filter(cond).distinct()

    @staticmethod
    def workspace(user, queryset=None):
        """Projects this user works on (not merely may read because they are public)."""
        from .models import Project

        qs = queryset if queryset is not None else Project.objects.all()
        role = _role(user)
        if role == Role.STAFF:
            return qs.filter(center_id=user.center_id)
        if role == Role.SUPERVISOR:
            return qs.filter(center_id__in=user.center.subtree_ids())
        if role in (Role.TENDEREE, Role.AGENT):
            return qs.filter(Q(tenderee_id=user.organization_id) | Q(agent_id=user.organization_id))
        return ProjectPolicy.visible(user, qs)


def check(user, perm: str, obj=None):
    """Raise PermissionDenied with a readable message unless `user` has `perm` on `obj`."""
    from django.utils.translation import gettext as _

    from .errors import PermissionDenied

    if not rules.has_perm(perm, user, obj):
        raise PermissionDenied(_("You do not have permission to do this (%(perm)s).") % {"perm": perm.split(".")[-1]})
