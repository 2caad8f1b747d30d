"""Merging duplicate people or tags: an admin action with a confirmation page, over the services."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse


class MergeForm(forms.Form):
    """Which of the selected rows to keep; the others are merged into it."""

    keep = forms.ModelChoiceField(queryset=None, widget=forms.RadioSelect, empty_label=None, label="Keep")

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].queryset = queryset


def merge_action(merge, *, noun: str, noun_plural: str):
    """An admin action merging the selected rows into the one the editor picks, after a confirmation page.

    ``merge`` is the service (``people_merge``, ``tags_merge``); everything happens in its one transaction.
    """

    @admin.action(description=f"Merge selected {noun_plural}…", permissions=["change", "delete"])
    def action(modeladmin, request, queryset):
        queryset = queryset.order_by("name", "pk")
        if queryset.count() < 2:
            modeladmin.message_user(request, f"Select two or more {noun_plural} to merge.", messages.WARNING)
            return None
        form = MergeForm(request.POST if "confirm" in request.POST else None, queryset=queryset)
        if form.is_valid():
            keep = form.cleaned_data["keep"]
            result = merge(keep=keep, merged=[row for row in queryset if row.pk != keep.pk], user=request.user)
            merged = noun_plural if result.merged > 1 else noun
            summary = f"Merged {result.merged} {merged} into “{keep}”: {result.article_links} article links moved"
            if noun == "person":
                summary += (
                    f", {result.authorships} authorships, {result.claims} claims, {result.aliases_created} new aliases"
                )
            modeladmin.message_user(request, f"{summary}. Their old pages redirect to it.", messages.SUCCESS)
            if result.names_taken:
                taken = ", ".join(result.names_taken)
                modeladmin.message_user(
                    request, f"Not made aliases, because another person has them: {taken}.", messages.WARNING
                )
            return None
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": f"Merge {noun_plural}",
            "opts": modeladmin.model._meta,
            "form": form,
            "rows": queryset,
            "action_name": request.POST.get("action"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "noun": noun,
            "noun_plural": noun_plural,
        }
        return TemplateResponse(request, "admin/articles/merge_confirmation.html", context)

    action.__name__ = f"merge_{noun_plural}"  # the action's name in the admin's form
    return action
