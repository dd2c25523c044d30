"""Reads of a user's in-app notifications (the bell and its page), always scoped to the user."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from ..models import Notification, NotificationChannel


def notification_list_for_user(*, user: AbstractBaseUser) -> QuerySet[Notification]:
    return Notification.objects.filter(
        recipient_user=user, channel=NotificationChannel.IN_APP
    ).order_by("-created_at", "-pk")


def notification_unread_count(*, user: AbstractBaseUser) -> int:
    """One COUNT on the (recipient_user, channel, read_at) index."""
    if user is None or not user.is_authenticated:
        return 0
    return notification_list_for_user(user=user).filter(read_at__isnull=True).count()
