"""Suggested links: the people and tags an article's text mentions but that are not linked to it yet.

The article page lists them (``templates/admin/articles/article/change_form.html``, through the
``article_suggestions`` template tag), each with a one-click "Link" button that posts to
``admin:articles_article_link_suggestion``; the changelist's action links them on many articles at
once after a confirmation page. Finding them is ``articles.suggestions``, linking
``articles.services.suggestions_apply``: one revision (kind "suggestions") each time, so it can
be undone, and the articles' ``updated_at`` moves on, so an editor with one of them open is
warned before saving over it.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from articles.models import Article
from articles.services import Link, revision_links_added, suggestions_apply
from articles.suggestions import PEOPLE, TAGS, suggestions_for

# The form value of the "Link all suggestions" button; a single suggestion is "people:12" or "tags:3".
LINK_ALL = "all"
# The action refuses more articles than this at once: it finds and links everything in one request
# (some 5 ms an article to find them, so a few seconds at most).
BULK_MAX_ARTICLES = 500
# Articles listed on the action's confirmation page; the others are counted.
CONFIRMATION_SHOWN_ARTICLES = 50

RELATION_NOUNS = {PEOPLE: "person", TAGS: "tag"}


def link_suggestion_view(model_admin):
    """The one-click view: POST ``link`` = ``people:<id>``, ``tags:<id>`` or ``all``, then back to the article.

    Only a current suggestion is linked: one linked meanwhile, or no longer in a corrected
    text, is reported as such and nothing changes.
    """

    @require_POST
    def view(request, article_id: int):
        article = get_object_or_404(Article, pk=article_id)
        if not model_admin.has_change_permission(request, article):
            raise PermissionDenied
        choice = request.POST.get("link", "")
        if choice == LINK_ALL:
            only = None
            summary = f"Linked the suggested people and tags of “{article}”"
            wanted = "the suggested people and tags"
        else:
            relation, _, target = choice.partition(":")
            if relation not in RELATION_NOUNS or not target.isdigit():
                return HttpResponseBadRequest("Unknown suggestion.")
            suggestion = suggestions_for([article.pk])[article.pk].get(choice)
            if suggestion is None:
                model_admin.message_user(
                    request,
                    "Nothing was linked: that is no longer a suggestion (it is linked already, or the text "
                    "no longer mentions it).",
                    messages.WARNING,
                )
                return redirect(_change_url(article))
            only = [Link(suggestion.relation, article.pk, suggestion.target_id)]
            noun = RELATION_NOUNS[suggestion.relation]
            summary = f"Linked the suggested {noun} “{suggestion.name}” to “{article}”"
            wanted = f"{noun} “{suggestion.name}”"
        revision = suggestions_apply(user=request.user, article_ids=[article.pk], summary=summary, only=only)
        linked = revision_links_added(revision)
        if linked:
            links = "1 link" if linked == 1 else f"{linked} links"
            model_admin.message_user(
                request, f"Linked {wanted} to this article ({links}), recorded in the history.", messages.SUCCESS
            )
        else:
            model_admin.message_user(request, "Nothing was linked: there are no suggestions left.", messages.WARNING)
        return redirect(_change_url(article))

    return view


def _change_url(article: Article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


@admin.action(description="Link suggested people and tags…", permissions=["change"])
def link_suggestions(modeladmin, request, queryset):
    """Link, on the selected articles, the people and tags their texts mention, after a confirmation page."""
    article_ids = list(queryset.order_by("pk").values_list("pk", flat=True)[: BULK_MAX_ARTICLES + 1])
    if len(article_ids) > BULK_MAX_ARTICLES:
        modeladmin.message_user(
            request,
            f"Select at most {BULK_MAX_ARTICLES} articles at a time to link their suggestions.",
            messages.WARNING,
        )
        return None
    if "confirm" in request.POST:
        count = len(article_ids)
        revision = suggestions_apply(
            user=request.user,
            article_ids=article_ids,
            summary=f"Linked the suggested people and tags of {count} article{'s' if count != 1 else ''}",
        )
        linked = revision_links_added(revision)
        if linked:
            changed = len({article_id for _, article_id, _ in revision.undo["remove"]})
            modeladmin.message_user(
                request,
                f"Made {linked} suggested link{'s' if linked != 1 else ''} on {changed} "
                f"article{'s' if changed != 1 else ''}, in one change you can undo from the history.",
                messages.SUCCESS,
            )
        else:
            modeladmin.message_user(request, "Nothing was linked: there were no suggestions left.", messages.WARNING)
        return None
    found = suggestions_for(article_ids)
    suggested_ids = [pk for pk in article_ids if found[pk]]
    shown_ids = suggested_ids[:CONFIRMATION_SHOWN_ARTICLES]
    titles = Article.objects.filter(pk__in=shown_ids).only("pk", "title", "slug").in_bulk()
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Link suggested people and tags",
        "opts": modeladmin.model._meta,
        "rows": [(titles[pk], found[pk]) for pk in shown_ids if pk in titles],
        "selected_count": len(article_ids),
        "suggested_count": len(suggested_ids),
        "link_count": sum(len(found[pk]) for pk in suggested_ids),
        "hidden_articles": len(suggested_ids) - len(shown_ids),
        "hidden_links": sum(len(found[pk]) for pk in suggested_ids[CONFIRMATION_SHOWN_ARTICLES:]),
        "article_ids": article_ids,
        "action_name": request.POST.get("action"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/articles/article/link_suggestions_confirmation.html", context)


# The actions the article changelist offers on the articles selected.
SUGGESTION_ACTIONS: list = [link_suggestions]


def suggestion_urls(model_admin) -> list:
    """The admin URLs of these tools, under the article admin's own."""
    opts = model_admin.model._meta
    return [
        path(
            "<int:article_id>/link-suggestion/",
            model_admin.admin_site.admin_view(link_suggestion_view(model_admin)),
            name=f"{opts.app_label}_{opts.model_name}_link_suggestion",
        )
    ]
