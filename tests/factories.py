"""factory_boy factories for the archive's models."""

import factory
from factory.django import DjangoModelFactory

from articles.models import Article, ArticleStatus, Claim, ClaimReport, Person, PersonAlias, Source, Tag
from articles.text import body_sha256, normalise_body


class SourceFactory(DjangoModelFactory):
    class Meta:
        model = Source

    name = factory.Sequence(lambda n: f"Source {n}")
    slug = factory.Sequence(lambda n: f"source-{n}")


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"Person {n}")
    slug = factory.Sequence(lambda n: f"person-{n}")


class PersonAliasFactory(DjangoModelFactory):
    class Meta:
        model = PersonAlias

    person = factory.SubFactory(PersonFactory)
    name = factory.Sequence(lambda n: f"Alias {n}")


class TagFactory(DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"Tag {n}")
    slug = factory.Sequence(lambda n: f"tag-{n}")


class ArticleFactory(DjangoModelFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Article number {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    body = factory.Sequence(lambda n: f"Body of article {n}.\n\nA second paragraph.")
    status = ArticleStatus.PUBLISHED
    retraction_note = factory.LazyAttribute(
        lambda article: (
            "Retracted: the reporting could not be verified." if article.status == ArticleStatus.RETRACTED else ""
        )
    )
    # Set explicitly so bulk-built articles (factory.build + bulk_create) are valid too.
    body_sha256 = factory.LazyAttribute(lambda article: body_sha256(normalise_body(article.body)))


class ClaimFactory(DjangoModelFactory):
    class Meta:
        model = Claim

    statement = factory.Sequence(lambda n: f"Claim number {n}")
    slug = factory.Sequence(lambda n: f"claim-{n}")
    claimant_person = factory.SubFactory(PersonFactory)


class ClaimReportFactory(DjangoModelFactory):
    class Meta:
        model = ClaimReport

    claim = factory.SubFactory(ClaimFactory)
    article = factory.SubFactory(ArticleFactory)
    paragraph = 1
