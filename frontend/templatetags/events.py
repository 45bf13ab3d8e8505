"""The `{% load events %}` filters: an audit event as a person reads it (trading.event_text)."""

from django import template

from trading import event_text

register = template.Library()


@register.filter
def event_name(event):
    """The event's name: 签到, 标段：投标截止, 投标文件已解密…"""
    return event_text.action_name(event.action)


@register.filter
def event_summary(event):
    """What the event recorded, field by field: amounts in yuan, times in Beijing time."""
    return event_text.summary(event.action, event.data)


@register.filter
def event_actor(event):
    return event_text.actor_text(event.actor_name, event.role)


@register.filter
def event_role(event):
    return event_text.role_name(event.role)


@register.filter
def event_object(event):
    return event_text.object_name(event.object_type)
