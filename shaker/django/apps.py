"""The Django app config of ``shaker.django`` (label ``shaker``); registers the checks."""

from __future__ import annotations

from django.apps import AppConfig


class ShakerConfig(AppConfig):
    name = "shaker.django"
    label = "shaker"
    verbose_name = "shaker"

    def ready(self) -> None:
        from shaker.django import checks  # noqa: F401 - registers the system checks
