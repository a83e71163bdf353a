from django import forms

from sessions.models import ReminderPreference, SchemeSettings
from sessions.reminders.services import NOTICE_DAYS


class ReminderPreferenceForm(forms.ModelForm):
    class Meta:
        model = ReminderPreference
        fields = ("presenter", "day_before", "register", "clash")


class SchemeNoticeForm(forms.ModelForm):
    """An organiser's settings of one scheme: the below-minimum warning and guests."""

    below_minimum_notice_days = forms.IntegerField(
        min_value=NOTICE_DAYS[0],
        max_value=NOTICE_DAYS[1],
        label="Days ahead to warn of a session below its group's minimum",
        help_text="When fewer members than the group's minimum are expected (those on "
        "leave or on call count as away), its leaders and the organisers are told once, "
        f"by email, this many days before the session. From {NOTICE_DAYS[0]} to "
        f"{NOTICE_DAYS[1]} days.",
    )
    guests_need_approval = forms.BooleanField(
        required=False,
        label="Guests need the leader's approval",
        help_text="A trainee who asks to join another group's session as a guest waits "
        "for that group's leader to accept. Untick to accept guests at once.",
    )

    class Meta:
        model = SchemeSettings
        fields = ("below_minimum_notice_days", "guests_need_approval")
