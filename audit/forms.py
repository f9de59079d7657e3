from django import forms
from django.utils import timezone


class AsAtForm(forms.Form):
    at = forms.DateTimeField(
        label="As at",
        help_text="Date and time in the bank's time zone, to the second: YYYY-MM-DD HH:MM:SS",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}),
    )

    def moment(self):
        """The moment asked for, or now when none was given."""
        return self.cleaned_data["at"] if self.is_bound else timezone.now()
