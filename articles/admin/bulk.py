"""Tagging at speed: bulk actions on selected articles, and changing the links of a whole search at once.

The actions (add or remove tags, add people, publish, unpublish, retract) each show a confirmation
page listing the articles selected, with a form where one is needed (tags and people picked with
the admin's autocomplete, the retraction note), then apply through the services
(``articles_links_change``, ``articles_status_change``): one transaction, one history entry.

"Tag a whole search" (``tag-search/``) takes the public search's parameters (``EditorArticleFilterSet``:
the same ``ArticleFilterSet``, over drafts and retracted articles too, plus ``status``), previews how
many articles match and the first of them, and adds or removes one tag or person on all of them. The
search runs again when the editor applies it (no list of ids is posted), and the change is one
history entry that can be undone.

Each request changes a bounded number of articles, so that it ends well within a web server's
timeout (gunicorn's default is 30 s) and memory stays small. Links: at most ``LINKS_MAX_ARTICLES``,
written in a few set-based queries; measured on this project's 2-core machine, tagging 10,000
articles takes about 6 s (mostly PostgreSQL rewriting their rows to move ``updated_at``) and
about 25 MB of Python memory, the same to undo. Statuses: at most ``STATUS_MAX_ARTICLES``, because
each article is saved on its own through ``Article.save()`` (about 4.5 ms each: 2,000 in 9 s). A
larger change is better made in parts an editor can check anyway (a search narrowed by date, say).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import capfirst

from articles.filters import EditorArticleFilterSet
from articles.models import Article, ArticleStatus, RevisionKind
from articles.search import prefer_index_scans
from articles.services import LINK_TARGET_NOUNS, articles_links_change, articles_status_change

# The most articles one request links or unlinks (an action, or a tagged search), and the most
# whose status one action changes (see the module docstring for the measurements).
LINKS_MAX_ARTICLES = 10_000
STATUS_MAX_ARTICLES = 2_000
# Titles a confirmation page lists; the count covers the rest.
CONFIRMATION_LISTED = 50
# Matches "Tag a whole search" shows before applying.
SEARCH_PREVIEW_SIZE = 20
# The confirmation pages' forms post this field, so the action knows to apply rather than ask.
CONFIRM_FIELD = "confirm"
# Parameters that shape a search without narrowing it: a search needs at least one of the others.
NOT_NARROWING = frozenset({"aliases", "sort"})

ADD, REMOVE = "add", "remove"


def articles_count(count: int) -> str:
    return f"{count} article" if count == 1 else f"{count} articles"


# --- Bulk actions on the articles selected --------------------------------------------------------


class IdsOnlyMixin:
    """For the admin's autocomplete widgets: a value posted that is no id ("abc") is left out when the
    chosen rows are looked up to be shown, where it would be a database error; the form says it is
    invalid."""

    def optgroups(self, name, value, attrs=None):
        return super().optgroups(name, [choice for choice in value if str(choice).isdigit()], attrs)


class IdsAutocompleteSelect(IdsOnlyMixin, AutocompleteSelect):
    pass


class IdsAutocompleteSelectMultiple(IdsOnlyMixin, AutocompleteSelectMultiple):
    pass


class LinkTargetsForm(forms.Form):
    """The tags (or people mentioned) to link to the articles selected, or to unlink from them."""

    def __init__(self, *args, relation: str, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        self.relation = relation
        model_field = Article._meta.get_field(relation)
        self.fields[relation] = forms.ModelMultipleChoiceField(
            queryset=model_field.related_model.objects.all(),
            widget=IdsAutocompleteSelectMultiple(model_field, admin_site),
            label=capfirst(model_field.verbose_name),
            error_messages={"required": f"Choose at least one {LINK_TARGET_NOUNS[relation]}."},
        )

    @property
    def targets(self) -> list:
        return sorted(self.cleaned_data[self.relation], key=lambda target: (target.name.lower(), target.pk))


class RetractionForm(forms.Form):
    retraction_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
        label="Retraction note",
        help_text="Readers see it instead of each article's text: why it was retracted. "
        "Articles already retracted keep their own note.",
        error_messages={"required": "A retraction needs a note: readers see it instead of the text."},
    )


def bulk_action(*, name: str, description: str, make_form, intro: str, button: str, apply, changes_status: bool):
    """An admin action that lists the articles selected and asks for confirmation (and the fields of the
    form ``make_form(data, admin_site)`` builds), then calls ``apply(model_admin, request, form, articles,
    count)``, which tells the editor what it did.

    The confirmation page posts the selection back as the changelist does (``_selected_action``,
    or ``select_across`` for every article of the filtered list). At most ``LINKS_MAX_ARTICLES``, or
    ``STATUS_MAX_ARTICLES`` with ``changes_status``.
    A handful of queries whatever the number of articles selected.
    """

    @admin.action(description=description, permissions=["change"])
    def action(model_admin, request, queryset):
        articles = queryset.prefetch_related(None)
        count = articles.count()
        limit = STATUS_MAX_ARTICLES if changes_status else LINKS_MAX_ARTICLES
        if count > limit:
            model_admin.message_user(
                request,
                f"{count:,} articles are selected, and this action changes at most {limit:,} at once: narrow "
                "the list with its filters" + ("." if changes_status else ", or use “Tag a whole search”."),
                messages.WARNING,
            )
            return None
        data = request.POST if CONFIRM_FIELD in request.POST else None
        form = make_form(data, model_admin.admin_site)
        if form.is_bound and form.is_valid():
            apply(model_admin, request, form, articles, count)
            return None
        listed = list(articles.select_related("source")[:CONFIRMATION_LISTED])
        select_across = request.POST.get("select_across") == "1"
        # Selected across the whole list, the list's own filters (in the URL, which the form posts
        # back to) say which articles; the changelist still wants one id to recognise the action.
        selected = [article.pk for article in listed] if select_across else articles_ids(articles)
        context = {
            **model_admin.admin_site.each_context(request),
            "title": description.rstrip("…"),
            "opts": Article._meta,
            "form": form,
            "media": form.media,
            "intro": intro,
            "button": button,
            "count": count,
            "articles": listed,
            "unlisted": count - len(listed),
            "selected_ids": selected,
            "select_across": select_across,
            "action_name": name,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "confirm_field": CONFIRM_FIELD,
        }
        return TemplateResponse(request, "admin/articles/article/bulk_confirmation.html", context)

    action.__name__ = name  # the action's value in the changelist's form
    return action


def articles_ids(articles) -> list[int]:
    return list(articles.order_by().values_list("pk", flat=True))


# What each link action's confirmation page asks.
LINK_INTROS = {
    "add_tags": "Choose the tags to add to these articles; an article that has one already keeps it.",
    "remove_tags": "Choose the tags to remove from these articles; an article without one is left as it is.",
    "add_people": "Choose the people these articles mention; an article linked to one already keeps the link.",
}


def links_action(*, name: str, description: str, relation: str, remove: bool = False):
    def make_form(data, admin_site) -> LinkTargetsForm:
        return LinkTargetsForm(data, relation=relation, admin_site=admin_site)

    def apply(model_admin, request, form, articles, count):
        result = articles_links_change(
            user=request.user,
            kind=RevisionKind.BULK,
            relation=relation,
            article_ids=articles_ids(articles),
            targets=form.targets,
            remove=remove,
            scope="selected",
        )
        told = " ".join(
            link_outcome(relation, target, result.changed[target.pk], result.unchanged[target.pk], remove=remove)
            for target in form.targets
        )
        revision_message(model_admin, request, told, result.revision, undoable=True)

    return bulk_action(
        name=name,
        description=description,
        make_form=make_form,
        intro=LINK_INTROS[name] + " It happens in one step, recorded as one history entry that can be undone.",
        button=description.rstrip("…"),
        apply=apply,
        changes_status=False,
    )


def link_outcome(relation: str, target, changed: int, unchanged: int, *, remove: bool) -> str:
    """What one tag or person did to the articles: "Tagged 9 articles with “Migration” (3 already had it)"."""
    if relation == "tags" and not remove:
        told, rest = f"Tagged {articles_count(changed)} with “{target}”", "already had it"
    elif remove:
        told, rest = f"Removed “{target}” from {articles_count(changed)}", "did not have it"
    else:
        told, rest = f"Added “{target}” to the people mentioned in {articles_count(changed)}", "already had them"
    return f"{told} ({unchanged} {rest})." if unchanged else f"{told}."


# What each status action says before and after.
STATUS_INTROS = {
    ArticleStatus.PUBLISHED: "These articles will be published: readers will find them in lists, search and feeds. "
    "Retracted ones among them are published again and lose their retraction date.",
    ArticleStatus.DRAFT: "These articles go back to draft: readers will no longer find them, and their pages will "
    "answer “not found”. Retracted ones among them lose their retraction date.",
    ArticleStatus.RETRACTED: "These articles will be retracted: their pages will show only their headline, byline "
    "and the note below, and they leave every list, search and feed.",
}
STATUS_DONE = {
    ArticleStatus.PUBLISHED: ("Published", "already published"),
    ArticleStatus.DRAFT: ("Unpublished", "already drafts"),
    ArticleStatus.RETRACTED: ("Retracted", "already retracted"),
}


def status_action(*, name: str, description: str, status: ArticleStatus):
    def make_form(data, admin_site) -> forms.Form:
        # Publishing or unpublishing asks nothing more than the confirmation.
        return RetractionForm(data) if status == ArticleStatus.RETRACTED else forms.Form(data)

    def apply(model_admin, request, form, articles, count):
        revision = articles_status_change(
            articles=articles,
            status=status,
            retraction_note=form.cleaned_data.get("retraction_note", ""),
            user=request.user,
        )
        status_field = Article._meta.get_field("status").verbose_name
        changed = revision.changes.filter(field=status_field).count() if revision is not None else 0
        verb, already = STATUS_DONE[status]
        told = f"{verb} {articles_count(changed)}" + (f" ({count - changed} {already})." if count > changed else ".")
        revision_message(model_admin, request, told, revision, undoable=False)

    return bulk_action(
        name=name,
        description=description,
        make_form=make_form,
        intro=STATUS_INTROS[status]
        + " Articles that already have this status are left as they are. Recorded in the history, where it cannot "
        "be undone: the opposite action changes the status back.",
        button=description.rstrip("…"),
        apply=apply,
        changes_status=True,
    )


def revision_message(model_admin, request, told: str, revision, *, undoable: bool) -> None:
    """Tell the editor what changed, with a link to the history entry (if anything changed)."""
    if revision is None:
        model_admin.message_user(request, f"{told} Nothing changed.", messages.INFO)
        return
    url = reverse("admin:articles_revision_change", args=[revision.pk])
    entry = "one history entry, which can be undone" if undoable else "one history entry"
    model_admin.message_user(
        request, format_html('{} Recorded as <a href="{}">{}</a>.', told, url, entry), messages.SUCCESS
    )


# The article changelist's actions on the articles selected.
ARTICLE_BULK_ACTIONS: list = [
    links_action(name="add_tags", description="Add tags…", relation="tags"),
    links_action(name="remove_tags", description="Remove tags…", relation="tags", remove=True),
    links_action(name="add_people", description="Add people…", relation="people"),
    status_action(name="publish", description="Publish…", status=ArticleStatus.PUBLISHED),
    status_action(name="unpublish", description="Unpublish (back to draft)…", status=ArticleStatus.DRAFT),
    status_action(name="retract", description="Retract…", status=ArticleStatus.RETRACTED),
]


# --- Tag a whole search ---------------------------------------------------------------------------


class SlugAutocompleteSelectMultiple(AutocompleteSelectMultiple):
    """The admin's autocomplete for the search's source, person and tag filters, which take slugs (as the
    public search's URLs do) where the admin's own autocomplete answers ids."""

    url_name = "%s:articles_article_tag_search_autocomplete"

    def optgroups(self, name, value, attrs=None):
        chosen = self.choices.queryset.filter(slug__in=[str(slug) for slug in value if slug])
        options = [self.create_option(name, row.slug, str(row), True, index) for index, row in enumerate(chosen)]
        return [(None, options, 0)]


class SlugAutocompleteJsonView(AutocompleteJsonView):
    """The admin's autocomplete (same search, same permissions) answering slugs, for the search's filters."""

    def serialize_result(self, obj, to_field_name):
        return {"id": obj.slug, "text": str(obj)}


def editor_filter_widgets(form: forms.Form, admin_site) -> None:
    """The search's filters as editors pick them: sources, people and tags by autocomplete, ratings as boxes."""
    for name, relation in (("source", "source"), ("person", "people"), ("tag", "tags")):
        field = form.fields[name]
        field.widget = SlugAutocompleteSelectMultiple(Article._meta.get_field(relation), admin_site)
        field.widget.choices = field.choices
    form.fields["rating"].widget = forms.CheckboxSelectMultiple(choices=form.fields["rating"].choices)
    form.fields["q"].widget.attrs.update(size=60)
    form.order_fields(["q", "status"])  # what editors choose most, first


class TagSearchForm(forms.Form):
    """What to do to every article the search finds: add or remove one tag, or one person mentioned."""

    operation = forms.ChoiceField(
        choices=[(ADD, "Add"), (REMOVE, "Remove")], widget=forms.RadioSelect, initial=ADD, label="Operation"
    )
    # How many articles the editor saw the search find: if it finds others now, they check again.
    previewed = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, admin_site, **kwargs):
        # Its own ids: the search form above has a tag and a person field too.
        super().__init__(*args, auto_id="apply_%s", **kwargs)
        for name, relation, label in (("tag", "tags", "Tag"), ("person", "people", "Person mentioned")):
            model_field = Article._meta.get_field(relation)
            self.fields[name] = forms.ModelChoiceField(
                queryset=model_field.related_model.objects.all(),
                required=False,
                label=label,
                widget=IdsAutocompleteSelect(model_field, admin_site),
            )

    def clean(self):
        cleaned_data = super().clean()
        chosen = [cleaned_data.get(name) for name in ("tag", "person")]
        # An invalid choice has its own error already.
        if not self.has_error("tag") and not self.has_error("person") and chosen.count(None) != 1:
            raise forms.ValidationError("Choose a tag or a person (one of them).", code="one_target")
        return cleaned_data

    @property
    def relation(self) -> str:
        return "tags" if self.cleaned_data.get("tag") is not None else "people"

    @property
    def target(self):
        return self.cleaned_data.get("tag") or self.cleaned_data.get("person")


def search_description(filterset: EditorArticleFilterSet) -> str:
    """The search as the history names it: 'matching “mobilisation” (Source: BBC; Status: draft)'."""
    filters = "; ".join(active.label for active in filterset.active_filters())
    if not filterset.query:
        return f"matching {filters}"
    return f"matching “{filterset.query}”" + (f" ({filters})" if filters else "")


def search_narrows(filterset: EditorArticleFilterSet) -> bool:
    """Whether a (valid) search says which articles: words or a filter, not the whole archive."""
    return any(value for name, value in filterset.form.cleaned_data.items() if name not in NOT_NARROWING)


def tag_search_view(request, *, model_admin):
    """Preview a search over every article (GET), then add or remove a tag or person on all it finds (POST).

    The search is the query string, in both cases: applying runs it again, so what changes is
    what the search finds then, and if that is not as many articles as the editor previewed,
    nothing changes and the page says so. Invalid search parameters answer 400 with the form's
    errors. Viewing needs the permission to view articles, applying the one to change them.
    Applying records one history entry (kind "search") and redirects to it, where it can be
    undone. At most ``LINKS_MAX_ARTICLES`` articles.
    """
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    can_apply = model_admin.has_change_permission(request)
    if request.method == "POST" and not can_apply:
        raise PermissionDenied
    admin_site = model_admin.admin_site
    filterset = EditorArticleFilterSet(request.GET)
    editor_filter_widgets(filterset.form, admin_site)
    form = TagSearchForm(request.POST if request.method == "POST" else None, admin_site=admin_site)
    context = {
        **admin_site.each_context(request),
        "title": "Tag a whole search",
        "opts": Article._meta,
        "filter": filterset,
        "media": filterset.form.media + form.media,
        "max_articles": f"{LINKS_MAX_ARTICLES:,}",
        "can_apply": can_apply,
    }
    template = "admin/articles/article/tag_search.html"
    if not request.GET:
        return TemplateResponse(request, template, context)
    if not filterset.is_valid():
        return TemplateResponse(request, template, context, status=400)
    if not search_narrows(filterset):
        return TemplateResponse(request, template, {**context, "needs_criteria": True})

    matches = filterset.qs
    if request.method == "POST" and form.is_valid():
        # Never more than one over the limit: that one says the search is too large.
        ids = list(matches.order_by().values_list("pk", flat=True)[: LINKS_MAX_ARTICLES + 1])
        if len(ids) > LINKS_MAX_ARTICLES:
            form.add_error(None, f"This search finds more than {LINKS_MAX_ARTICLES:,} articles: narrow it.")
        elif len(ids) != (previewed := form.cleaned_data["previewed"]):
            # Bound again with the new count, so applying once more confirms this list.
            data = request.POST.copy()
            data["previewed"] = str(len(ids))
            form = TagSearchForm(data, admin_site=admin_site)
            form.is_valid()
            form.add_error(
                None,
                f"The search now finds {articles_count(len(ids))}, not the {previewed} you previewed: articles "
                "were changed meanwhile. Nothing was changed: check the list below and apply again.",
            )
        else:
            return tag_search_apply(model_admin, request, filterset, form, ids)

    count = matches.count()
    preview = list(matches.select_related("source")[:SEARCH_PREVIEW_SIZE])
    if not form.is_bound:
        form = TagSearchForm(initial={"previewed": count}, admin_site=admin_site)
    context.update(
        show_preview=True,
        form=form,
        count=count,
        preview=preview,
        unlisted=count - len(preview),
        too_many=count > LINKS_MAX_ARTICLES,
        description=search_description(filterset),
    )
    return TemplateResponse(request, template, context)


def tag_search_apply(model_admin, request, filterset, form, ids: list[int]) -> HttpResponseRedirect:
    remove = form.cleaned_data["operation"] == REMOVE
    result = articles_links_change(
        user=request.user,
        kind=RevisionKind.SEARCH,
        relation=form.relation,
        article_ids=ids,
        targets=[form.target],
        remove=remove,
        scope=search_description(filterset),
    )
    if result.revision is None:
        told = link_outcome(form.relation, form.target, 0, len(ids), remove=remove)
        model_admin.message_user(request, f"{told} Nothing changed.", messages.INFO)
        return HttpResponseRedirect(request.get_full_path())
    model_admin.message_user(request, f"{result.revision.summary}. It can be undone from this page.", messages.SUCCESS)
    return HttpResponseRedirect(reverse("admin:articles_revision_change", args=[result.revision.pk]))


def bulk_urls(model_admin) -> list:
    """The admin URLs of these tools, under the article admin's own."""
    admin_site = model_admin.admin_site

    def tag_search(request):
        return tag_search_view(request, model_admin=model_admin)

    return [
        path(
            "tag-search/",
            admin_site.admin_view(prefer_index_scans(tag_search)),
            name="articles_article_tag_search",
        ),
        path(
            "tag-search/autocomplete/",
            admin_site.admin_view(SlugAutocompleteJsonView.as_view(admin_site=admin_site)),
            name="articles_article_tag_search_autocomplete",
        ),
    ]
