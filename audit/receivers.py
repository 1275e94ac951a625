"""Signals that become audit entries: sign-ins, sign-outs, lockouts, new users, and group and
permission changes made anywhere (admin console included).

Receivers only translate a signal into `audit_record`; they decide nothing else.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_save

from audit.constants import AuditAction

_quiet_group_changes: ContextVar[bool] = ContextVar("shoal_audit_quiet_groups", default=False)


@contextmanager
def group_changes_recorded_by_caller():
    """Inside this block, group membership changes are not recorded one by one: the caller
    (e.g. `user_set_role`) records one entry that says what changed."""
    token = _quiet_group_changes.set(True)
    try:
        yield
    finally:
        _quiet_group_changes.reset(token)


def _record(**kwargs):
    from audit.services import audit_record

    return audit_record(**kwargs)


def _logged_in(sender, request, user, **kwargs):
    _record(action=AuditAction.LOGIN_SUCCEEDED, actor=user, target=user, request=request)


def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        _record(action=AuditAction.LOGOUT, actor=user, target=user, request=request)


def _login_failed(sender, credentials, request=None, **kwargs):
    """The attempted username is kept only when it names an existing user; anything else (a
    typo, or a password typed into the username box) is stored as a keyed hash."""
    from audit.services import keyed_hash

    username = str((credentials or {}).get("username") or "")
    user = get_user_model().objects.filter(username=username).first() if username else None
    details = {} if user else {"username_hash": keyed_hash(username, purpose="username") if username else ""}
    _record(
        action=AuditAction.LOGIN_FAILED,
        actor=None,
        actor_label=user.get_username() if user else "unknown user",
        target=user,
        target_type="user",
        details=details,
        request=request,
    )


def _locked_out(sender, request=None, username=None, **kwargs):
    user = get_user_model().objects.filter(username=username or "").first()
    _record(
        action=AuditAction.LOGIN_LOCKED_OUT,
        actor=None,
        actor_label=user.get_username() if user else "unknown user",
        target=user,
        target_type="user",
        request=request,
    )


def _user_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        _record(action=AuditAction.USER_CREATED, target=instance, details={"username": instance.get_username()})


def _notify(user_id) -> None:
    from accounts.realtime import permissions_changed

    permissions_changed(user_id=user_id)


def _user_groups_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        if reverse:
            for user_id in pk_set or ():
                _notify(user_id)
        else:
            _notify(instance.pk)
    if _quiet_group_changes.get() or reverse or not pk_set:
        return
    if action == "pre_remove":
        instance._audit_removed_groups = list(
            instance.groups.filter(pk__in=pk_set).values_list("name", flat=True).order_by("name")
        )
        return
    if action == "post_remove":
        names = getattr(instance, "_audit_removed_groups", [])
        if names:
            _record(action=AuditAction.USER_ROLE_CHANGED, target=instance, details={"removed": names})
    elif action == "post_add":
        names = list(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True).order_by("name"))
        _record(action=AuditAction.USER_ROLE_CHANGED, target=instance, details={"added": names})


def _permission_names(pk_set) -> list[str]:
    from django.contrib.auth.models import Permission

    return sorted(
        f"{app}.{codename}"
        for app, codename in Permission.objects.filter(pk__in=pk_set).values_list("content_type__app_label", "codename")
    )


def _user_permissions_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if reverse or action not in ("post_add", "post_remove") or not pk_set:
        return
    key = "added" if action == "post_add" else "removed"
    _notify(instance.pk)
    _record(action=AuditAction.USER_PERMISSIONS_CHANGED, target=instance, details={key: _permission_names(pk_set)})


def _group_permissions_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if reverse or action not in ("post_add", "post_remove", "post_clear"):
        return
    if action == "post_clear":
        details = {"cleared": True}
    elif not pk_set:
        return
    else:
        details = {("added" if action == "post_add" else "removed"): _permission_names(pk_set)}
    from accounts.realtime import group_permissions_changed

    group_permissions_changed(group=instance)
    _record(action=AuditAction.ROLE_PERMISSIONS_CHANGED, target=instance, details={"role": instance.name, **details})


def connect() -> None:
    user_model = get_user_model()
    user_logged_in.connect(_logged_in, dispatch_uid="audit.logged_in")
    user_logged_out.connect(_logged_out, dispatch_uid="audit.logged_out")
    user_login_failed.connect(_login_failed, dispatch_uid="audit.login_failed")
    post_save.connect(_user_saved, sender=user_model, dispatch_uid="audit.user_saved")
    m2m_changed.connect(_user_groups_changed, sender=user_model.groups.through, dispatch_uid="audit.user_groups")
    m2m_changed.connect(
        _user_permissions_changed, sender=user_model.user_permissions.through, dispatch_uid="audit.user_perms"
    )
    m2m_changed.connect(_group_permissions_changed, sender=Group.permissions.through, dispatch_uid="audit.group_perms")
    try:
        from axes.signals import user_locked_out
    except ImportError:  # pragma: no cover - axes is a requirement
        return
    user_locked_out.connect(_locked_out, dispatch_uid="audit.locked_out")
