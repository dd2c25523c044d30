"""Dates read dd/mm/yyyy and times are Vietnam's, in both languages."""

import datetime

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import timezone, translation


@pytest.mark.parametrize("language", ["vi", "en"])
def test_dates_and_times_render_day_first_in_vietnam_time(language):
    moment = datetime.datetime(2026, 2, 3, 1, 5, tzinfo=datetime.UTC)
    template = Template("{{ moment|date:'SHORT_DATE_FORMAT' }} {{ moment|date:'DATETIME_FORMAT' }}")

    with translation.override(language), timezone.override(settings.TIME_ZONE):
        rendered = template.render(Context({"moment": moment}))

    assert rendered == "03/02/2026 08:05 03/02/2026"


def test_portal_time_zone_is_vietnam():
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "vi"
