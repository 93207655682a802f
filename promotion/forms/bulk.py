"""The upload of a filled-in adoption sheet; the rows are checked by the job, not here."""

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel.errors import DomainError
from kernel.uploads import check_upload
from promotion.exports.bulk_sheet import MAX_FILE_BYTES


class BulkUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Filled-in sheet (.xlsx)"),
        help_text=gettext_lazy(
            "The sheet downloaded from this page, with the marked columns filled in."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
            )
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Upload the sheet as an .xlsx file."))
        try:
            check_upload(upload)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc
        return upload
