"""The read-only JSON API: the twin of every public page, under ``/api/``.

The twin of the HTML page at ``P`` is ``/api`` + ``P``, with the same path arguments and the same
query parameters, checked the same way: the API views are the public views themselves
(``articles.views``), rendered as JSON instead of HTML. So the search API and the search page
share ``ArticleFilterSet``, ``PageForm``, the order and the page size, and an index shares its
sorts; they cannot drift apart.

- ``views``: the views, their JSON errors and the pagination envelope;
- ``serializers``: small functions turning models into JSON-ready dicts;
- ``openapi``: the hand-written OpenAPI 3.1 description, served at ``/api/openapi.json``;
- ``urls``: the routes, named like the HTML routes (namespace ``api``).
"""
