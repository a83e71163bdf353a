"""Forms of the certificate pages: the design (mark and signatures)."""

from django import forms

from attendance.certificate_services import MARK_MAX_BYTES


class CertificateDesignForm(forms.Form):
    """What an organiser sets for their scheme's certificates. The file is only checked for
    size here; certificate_services reads it as a picture (and says what is wrong)."""

    mark = forms.FileField(
        required=False,
        label="Scheme mark",
        help_text="A PNG or JPEG of at most 1 MB, printed above the scheme’s name. "
        "A logo on a transparent background prints best.",
        # The plain input: the clearable one adds a "Clear" box of its own, and removing
        # the mark has a field that says what it does.
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_mark = forms.BooleanField(
        required=False, label="Remove the mark (certificates print the scheme’s name alone)"
    )
    leader_signs = forms.BooleanField(
        required=False,
        label="The trainee’s group leader signs too",
        help_text="A second signature line, for whoever led the trainee’s last session.",
    )

    def __init__(self, *args, has_mark: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not has_mark:
            del self.fields["remove_mark"]

    def clean_mark(self):
        upload = self.cleaned_data["mark"]
        if upload and upload.size > MARK_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB: a mark may be at most 1 MB.",
                code="too_large",
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("mark") and cleaned.get("remove_mark"):
            self.add_error("remove_mark", "Choose a new mark or remove it, not both.")
        return cleaned

    def mark_bytes(self) -> bytes | None:
        """The uploaded file's bytes (its size checked), or None when none was chosen."""
        upload = self.cleaned_data.get("mark")
        return upload.read() if upload else None
