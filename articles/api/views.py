"""The API's views: the public pages' own views, rendering their context as JSON.

Each view here subclasses the page it is the twin of and replaces only how the answer is
rendered, so page and twin share the queryset, ``ArticleFilterSet``, ``PageForm``, the sorts, the
order and the page size, and cannot drift apart. What the API adds on top:

- every answer is JSON, errors included (``api_endpoint``, and the project's error handlers for
  paths under ``/api/`` that match no route);
- a page number that is not a whole number from 1 is a 400 everywhere (the HTML indexes answer
  404 there), so a client learns what it did wrong;
- a redirect to the canonical address goes to the twin's address, not the page's;
- every answer may be read from any origin (``Access-Control-Allow-Origin: *``): the API is
  public, read-only, and uses no cookies or credentials.
"""

import json
from collections.abc import Callable
from functools import wraps

from django.core.paginator import Page
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.urls import reverse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from articles.api import openapi, serializers
from articles.models import ArticleStatus, article_links_load
from articles.views import browse, pages, search
from articles.views.search import PageForm

READ_METHODS = ("GET", "HEAD")
ALLOWED_METHODS = ", ".join((*READ_METHODS, "OPTIONS"))
PAGE_PARAM = "page"


# --- Responses -----------------------------------------------------------------------------------


# <, > and & as JSON escapes: a parser reads the same strings, and a body that echoes what a client
# sent (``query``, an error naming a value) holds no markup if anything ever takes it for HTML
# (https://cheatsheetseries.owasp.org/cheatsheets/AJAX_Security_Cheat_Sheet.html). Non-ASCII stays
# as it is: the body is UTF-8.
MARKUP_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


class MarkupFreeJSONEncoder(DjangoJSONEncoder):
    """``DjangoJSONEncoder`` writing no ``<``, ``>`` or ``&`` outside escapes (``MARKUP_ESCAPES``)."""

    def encode(self, o) -> str:
        return super().encode(o).translate(MARKUP_ESCAPES)


def json_dumps(data: dict) -> str:
    return json.dumps(data, cls=MarkupFreeJSONEncoder, ensure_ascii=False)


def json_response(data: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, encoder=MarkupFreeJSONEncoder, json_dumps_params={"ensure_ascii": False})


def bad_request_response(errors: dict[str, list[str]]) -> JsonResponse:
    """400: ``errors`` maps each parameter at fault to its messages, those the HTML page shows."""
    return json_response({"status": 400, "errors": errors}, status=400)


def not_found_response(detail: str) -> JsonResponse:
    return json_response({"status": 404, "detail": detail}, status=404)


def form_errors(*forms) -> dict[str, list[str]]:
    return {name: list(messages) for form in forms for name, messages in form.errors.items()}


def permanent_redirect(request: HttpRequest, path: str) -> HttpResponsePermanentRedirect:
    """301 to ``path`` with the request's query string, with a JSON body saying where."""
    query = request.META.get("QUERY_STRING")
    location = serializers.absolute(request, path + (f"?{query}" if query else ""))
    body = {"status": 301, "detail": "Moved permanently to the canonical address.", "location": location}
    return HttpResponsePermanentRedirect(location, content=json_dumps(body), content_type="application/json")


def allow_any_origin(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    return response


def api_endpoint(view: Callable) -> Callable:
    """Make ``view`` an API endpoint: read-only, JSON even when it fails, readable from any origin.

    Http404 is answered here rather than by the project's handler, so it is JSON even with
    DEBUG on.
    """

    @wraps(view)
    def endpoint(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Allow"] = response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        elif request.method not in READ_METHODS:
            response = json_response({"status": 405, "detail": "The API is read-only: use GET."}, status=405)
            response["Allow"] = ALLOWED_METHODS
        else:
            try:
                response = view(request, *args, **kwargs)
            except Http404 as error:
                response = not_found_response(str(error) or "Not found.")
        return allow_any_origin(response)

    # Nothing here reads cookies or writes anything, and unsafe methods are refused above: a CSRF
    # check would only turn that refusal into an HTML 403.
    return csrf_exempt(endpoint)


# --- Pagination ----------------------------------------------------------------------------------


def page_errors(request: HttpRequest) -> dict[str, list[str]]:
    """``page`` checked by the search page's ``PageForm``: ``page=abc`` or ``0`` is a mistake (400)."""
    form = PageForm(request.GET)
    return {} if form.is_valid() else form_errors(form)


def page_url(request: HttpRequest, number: int) -> str:
    """The current address at page ``number``, every other parameter kept (page 1 has no ``page``)."""
    params = request.GET.copy()
    if number == 1:
        params.pop(PAGE_PARAM, None)
    else:
        params[PAGE_PARAM] = str(number)
    return serializers.absolute(request, request.path + (f"?{params.urlencode()}" if params else ""))


def paginated(request: HttpRequest, page: Page, results: list, **extra) -> dict:
    """The envelope of every list: count, page, pages, next and previous (absolute or null), results.

    ``extra`` goes between the links and the results.
    """
    return {
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "next": page_url(request, page.next_page_number()) if page.has_next() else None,
        "previous": page_url(request, page.previous_page_number()) if page.has_previous() else None,
        **extra,
        "results": results,
    }


def article_summaries(request: HttpRequest, articles) -> list[dict]:
    articles = list(articles)
    article_links_load(articles)
    return [serializers.article_summary(request, article) for article in articles]


# --- Views ---------------------------------------------------------------------------------------


class JsonMixin:
    """Renders the view's context as JSON (``page_json``) instead of through its template."""

    def render_to_response(self, context: dict, **response_kwargs) -> HttpResponse:
        return json_response(self.page_json(context), status=response_kwargs.get("status", 200))

    def page_json(self, context: dict) -> dict:
        raise NotImplementedError


class HomeView(JsonMixin, pages.HomeView):
    """The home page's data: latest articles, most-covered people and tags, totals, span, and the endpoints."""

    def page_json(self, context: dict) -> dict:
        request, span = self.request, context["span"]
        return {
            "latest_articles": article_summaries(request, context["articles"]),
            "most_covered_people": [
                serializers.covered(request, person, person.mention_count) for person in context["people"]
            ],
            "most_covered_tags": [serializers.covered(request, tag, tag.article_count) for tag in context["tags"]],
            "totals": {"articles": span.count, **context["totals"]},
            "span": serializers.span(span),
            "endpoints": {
                name: serializers.absolute(request, reverse(f"api:{route}"))
                for name, route in (
                    ("search", "search"),
                    ("sources", "source_list"),
                    ("people", "person_list"),
                    ("tags", "tag_list"),
                    ("claims", "claim_list"),
                    ("openapi", "openapi"),
                )
            },
        }


class SearchView(JsonMixin, search.SearchView):
    """The search page's results, facets, active filters and suggestions: same parameters, same answers."""

    logs_searches = False  # the editors' report is of what readers type on the page

    def get_invalid_context_data(self, page_form: PageForm) -> dict:
        return {"errors": form_errors(self.filterset.form, page_form)}

    def get_timeline(self, months) -> None:
        return None  # the chart is drawn for readers; clients can count by date themselves

    def render_to_response(self, context: dict, **response_kwargs) -> HttpResponse:
        if "errors" in context:
            return bad_request_response(context["errors"])
        return super().render_to_response(context, **response_kwargs)

    def page_json(self, context: dict) -> dict:
        request, filterset = self.request, self.filterset
        return paginated(
            request,
            context["page_obj"],
            [serializers.search_result(request, article) for article in context["articles"]],
            query=filterset.query,
            sort=filterset.order,
            people=serializers.entity_refs(request, context["people"]),
            active_filters=[serializers.active_filter(request, active) for active in context["active_filters"]],
            facets=[serializers.facet(request, facet) for facet in context["facets"]],
            suggestions=serializers.suggestions(request, filterset, context["suggestions"]),
            partial_match=context["partial_match"],
            words_not_found=context["words_not_found"],
        )


def alternatives(values) -> str:
    """``"a, b or c"``."""
    values = list(values)
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


class IndexMixin(JsonMixin):
    """An index (``SortedIndexView``) as a paginated list; an unknown sort or page is a 400 with its reason."""

    serialize: Callable

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        errors = page_errors(request)
        if (request.GET.get("sort") or self.default_sort) not in self.sorts:
            errors["sort"] = [f"Sort by {alternatives(self.sorts)}."]
        if errors:
            return bad_request_response(errors)
        return super().get(request, *args, **kwargs)

    def page_json(self, context: dict) -> dict:
        page = context["page_obj"]
        results = [self.serialize(self.request, obj) for obj in page.object_list]
        return paginated(self.request, page, results, sort=self.sort)


class SourceListView(IndexMixin, browse.SourceListView):
    """Every source with its numbers of published articles and of claims."""

    serialize = staticmethod(serializers.source_with_counts)


class PersonListView(IndexMixin, browse.PersonListView):
    """Every person with their numbers of published articles and of claims."""

    serialize = staticmethod(serializers.person_with_counts)


class TagListView(IndexMixin, browse.TagListView):
    """Every tag with its number of published articles."""

    serialize = staticmethod(serializers.tag_with_counts)


class ClaimListView(IndexMixin, browse.ClaimListView):
    """Every claim a published article reports."""

    serialize = staticmethod(serializers.claim_summary)


class DetailMixin(JsonMixin):
    """``CanonicalSlugMixin`` for the twins: the id is what counts, and the canonical address is the twin's.

    A wrong slug, or the id of a person or tag merged into another (``merged_model``), answers
    301 to the canonical API address, query string kept, with a JSON body.
    """

    def canonical_path(self, obj) -> str:
        return serializers.api_path(obj)

    def canonical_redirect(self, path: str) -> HttpResponse:
        return permanent_redirect(self.request, path)

    def render_object(self) -> HttpResponse:
        if errors := self.parameter_errors():
            return bad_request_response(errors)
        return super().render_object()

    def parameter_errors(self) -> dict[str, list[str]]:
        return {}


class ArticleDetailView(DetailMixin, pages.ArticleDetailView):
    """One published article: every public field, its paragraphs with their anchors, and its claims.

    A retracted one answers like its page, 200, with its retraction note and none of its text.
    """

    def page_json(self, context: dict) -> dict:
        if self.object.status == ArticleStatus.RETRACTED:
            return serializers.retracted_article(self.request, self.object)
        return serializers.article_detail(self.request, self.object)


class ArticleVersionView(DetailMixin, pages.ArticleVersionView):
    """A text of a published article in full at its permanent address; for an earlier one, what changed."""

    def canonical_path(self, obj) -> str:
        return serializers.version_api_path(obj)

    def page_json(self, context: dict) -> dict:
        return serializers.version_detail(self.request, self.object, context.get("following"), context.get("changes"))


class EntityDetailMixin(DetailMixin):
    """A source, person or tag and its published articles, paginated like its page."""

    def parameter_errors(self) -> dict[str, list[str]]:
        return page_errors(self.request)

    def entity_json(self, context: dict) -> dict:
        raise NotImplementedError

    def page_json(self, context: dict) -> dict:
        page = context["page_obj"]
        return {
            **self.entity_json(context),
            "articles": paginated(self.request, page, article_summaries(self.request, page.object_list)),
        }

    def claims_json(self, context: dict) -> list[dict]:
        return [serializers.claim_summary(self.request, claim) for claim in context["claims"]]


class SourceDetailView(EntityDetailMixin, browse.SourceDetailView):
    """A source, the claims it made, and its published articles."""

    def entity_json(self, context: dict) -> dict:
        return {**serializers.source(self.request, self.object), "claims": self.claims_json(context)}


class PersonDetailView(EntityDetailMixin, browse.PersonDetailView):
    """A person with their aliases, the claims they made, and the published articles mentioning them or by them."""

    def entity_json(self, context: dict) -> dict:
        return {**serializers.person_with_aliases(self.request, self.object), "claims": self.claims_json(context)}


class TagDetailView(EntityDetailMixin, browse.TagDetailView):
    """A tag and its published articles."""

    def entity_json(self, context: dict) -> dict:
        return serializers.tag(self.request, self.object)


class ClaimDetailView(DetailMixin, browse.ClaimDetailView):
    """A claim, its rating and the editor's note, and each published article reporting it, at the paragraph."""

    def page_json(self, context: dict) -> dict:
        return serializers.claim_detail(self.request, self.object, context["reports"])


def openapi_document(request: HttpRequest) -> JsonResponse:
    """The OpenAPI 3.1 description of this API, with this server's address."""
    return json_response(openapi.document(server_url=serializers.absolute(request, "/")))


def unknown_endpoint(request: HttpRequest) -> JsonResponse:
    return not_found_response(f"There is no API endpoint at {request.path}; {reverse('api:home')} lists them.")


# --- The project's error handlers (archive/urls.py): JSON under /api/, the HTML pages elsewhere ---


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith(reverse("api:home"))


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return allow_any_origin(bad_request_response({"request": ["The request could not be understood."]}))
    return defaults.bad_request(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return allow_any_origin(unknown_endpoint(request))
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api_request(request):
        detail = "The server failed to answer; the error has been logged."
        return allow_any_origin(json_response({"status": 500, "detail": detail}, status=500))
    return defaults.server_error(request)
