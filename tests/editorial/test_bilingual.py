"""Bilingual zones (issue 12, point 2): a post is submitted only with both languages, and the director answers the
values in their own language, which the review keeps."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from accounts.models import Role
from editorial import services
from editorial.models import AuditEvent, Channel, Language, Post, PostVariant, Value
from editorial.selectors.review import value_texts
from editorial.services import ValueAnswer, WorkflowError
from tests.factories import make_member, make_post, make_zone

MAIN_FR = "Travaux avenue Louise : une seule bande ouverte."
MAIN_NL = "Werken op de Louizalaan: slechts één rijstrook open."


@pytest.fixture
def bilingual(db):
    """A bilingual zone: X in French, X in Dutch, a Facebook page posting both; its values in both languages."""
    zone = make_zone("Zone bilingue", slug="bilingue", languages=Language.BOTH)
    Value.objects.filter(zone=zone, name="Proximité").update(
        name_nl="Nabijheid", question_nl="Dicht bij de burgers?", description="Proche", description_nl="Dichtbij"
    )
    Value.objects.filter(zone=zone, name="Dynamisme").update(name_nl="Dynamiek", question_nl="Actief en reactief?")
    Channel.objects.filter(zone=zone, kind=Channel.Kind.FACEBOOK).update(language=Language.BOTH)
    Channel.objects.create(zone=zone, kind=Channel.Kind.X, name="X nl", handle="@zone_nl", language=Language.NL)
    zone.officer = make_member(zone, Role.OFFICER, username="bi-officer")
    zone.director = make_member(zone, Role.DIRECTOR, username="bi-director")
    return zone


def channel(zone, language: str) -> Channel:
    return Channel.objects.get(zone=zone, language=language)


def draft(zone, *, languages=("fr", "nl", "fr+nl"), main_texts=None) -> Post:
    """A draft on the channels of ``languages``, planned, with ``main_texts`` (both by default)."""
    post = make_post(zone, zone.officer, planned_at=timezone.now() + dt.timedelta(days=2))
    PostVariant.objects.filter(post=post).exclude(channel__language__in=languages).delete()
    Post.objects.filter(pk=post.pk).update(
        main_texts={"fr": MAIN_FR, "nl": MAIN_NL} if main_texts is None else main_texts
    )
    post.refresh_from_db()
    return post


def refusal(zone, post) -> list[str]:
    with translation.override("en"), pytest.raises(WorkflowError) as refused:
        services.post_submit(actor=zone.officer, post=post)
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT
    assert not AuditEvent.objects.filter(action="editorial.post.submit", object_id=str(post.pk)).exists()
    return refused.value.messages


# --- Submitting needs both languages ------------------------------------------------------------------------------

WRITE_FR = "Write the main text in French: this zone publishes every post in French and Dutch."
WRITE_NL = "Write the main text in Dutch: this zone publishes every post in French and Dutch."
TICK_FR = "Tick a channel that publishes in French, or in both languages: none of the ticked ones does."
TICK_NL = "Tick a channel that publishes in Dutch, or in both languages: none of the ticked ones does."


def test_a_bilingual_post_with_both_languages_is_submitted(bilingual):
    post = services.post_submit(actor=bilingual.officer, post=draft(bilingual))
    assert post.status == Post.Status.IN_REVIEW


@pytest.mark.parametrize(
    ("main_texts", "missing"),
    [
        ({}, [WRITE_FR, WRITE_NL]),
        ({"fr": MAIN_FR}, [WRITE_NL]),
        ({"fr": MAIN_FR, "nl": "  \n "}, [WRITE_NL]),
        ({"nl": MAIN_NL, "en": "English"}, [WRITE_FR]),
        ({"fr": MAIN_FR, "nl": 12}, [WRITE_NL]),  # what a hand-edited JSON might hold
    ],
)
def test_each_main_text_is_needed_and_named(bilingual, main_texts, missing):
    assert refusal(bilingual, draft(bilingual, main_texts=main_texts)) == missing


def test_main_texts_that_are_not_an_object_count_as_missing(bilingual):
    post = draft(bilingual)
    Post.objects.filter(pk=post.pk).update(main_texts=["fr", "nl"])
    assert refusal(bilingual, post) == [WRITE_FR, WRITE_NL]


@pytest.mark.parametrize(
    ("languages", "missing"),
    [(("fr",), [TICK_NL]), (("nl",), [TICK_FR]), (("fr", "nl"), []), (("fr+nl",), []), (("nl", "fr+nl"), [])],
)
def test_each_language_needs_a_ticked_channel(bilingual, languages, missing):
    post = draft(bilingual, languages=languages)
    if missing:
        assert refusal(bilingual, post) == missing
    else:
        assert services.post_submit(actor=bilingual.officer, post=post).status == Post.Status.IN_REVIEW


def test_every_missing_piece_is_named_at_once(bilingual):
    post = draft(bilingual, languages=("fr",), main_texts={"fr": MAIN_FR})
    assert refusal(bilingual, post) == [WRITE_NL, TICK_NL]


@pytest.mark.parametrize("languages", [Language.FR, Language.NL])
def test_a_one_language_zone_needs_no_main_text_and_no_other_language(db, languages):
    zone = make_zone(languages=languages)
    officer = make_member(zone, Role.OFFICER)
    post = make_post(zone, officer, planned_at=timezone.now() + dt.timedelta(days=2))
    assert services.post_submit(actor=officer, post=post).status == Post.Status.IN_REVIEW


# --- The values in the reviewer's language ------------------------------------------------------------------------


def texts_in(zone, language):
    values = list(Value.objects.filter(zone=zone).order_by("order"))
    return [(t.name, t.question, t.description, t.language) for t in value_texts(values, zone=zone, language=language)]


@pytest.mark.parametrize("language", ["nl", "nl-be", "NL"])
def test_a_dutch_reader_of_a_bilingual_zone_reads_dutch(bilingual, language):
    assert texts_in(bilingual, language) == [
        ("Nabijheid", "Dicht bij de burgers?", "Dichtbij", "nl"),
        ("Dynamiek", "Actief en reactief?", "", "nl"),
    ]


@pytest.mark.parametrize("language", ["fr", "en", "de", "", None])
def test_any_other_reader_reads_the_zones_first_language(bilingual, language):
    assert texts_in(bilingual, language) == [
        ("Proximité", "Proche des citoyens ?", "Proche", "fr"),
        ("Dynamisme", "Active et réactive ?", "", "fr"),
    ]


def test_a_value_not_yet_written_in_dutch_is_read_in_french(bilingual):
    Value.objects.filter(zone=bilingual, name="Dynamisme").update(question_nl="")
    assert [t[3] for t in texts_in(bilingual, "nl")] == ["nl", "fr"]
    assert texts_in(bilingual, "nl")[1][:2] == ("Dynamisme", "Active et réactive ?")


def test_one_language_zones_read_their_own_language(db):
    dutch = make_zone(languages=Language.NL)
    Value.objects.filter(zone=dutch, name="Proximité").update(name="Nabijheid", question="Dichtbij?", name_nl="X")
    assert texts_in(dutch, "fr")[0] == ("Nabijheid", "Dichtbij?", "", "nl")
    french = make_zone(languages=Language.FR)
    Value.objects.filter(zone=french).update(name_nl="Nabijheid", question_nl="Dichtbij?")
    assert {t[3] for t in texts_in(french, "nl")} == {"fr"}


def approve(zone, post, **kwargs):
    values = Value.objects.filter(zone=zone, is_active=True)
    arguments = {
        "reviewed_fingerprint": services.post_fingerprint(post=post),
        "answers": {v.pk: ValueAnswer(confirmed=True, note=f"Note {v.pk}") for v in values},
        "confidentiality_confirmed": True,
    } | kwargs
    return services.post_approve(actor=zone.director, post=post, **arguments)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", [("Nabijheid", "Dicht bij de burgers?", "nl"), ("Dynamiek", "Actief en reactief?", "nl")]),
        ("fr", [("Proximité", "Proche des citoyens ?", "fr"), ("Dynamisme", "Active et réactive ?", "fr")]),
        ("", [("Proximité", "Proche des citoyens ?", "fr"), ("Dynamisme", "Active et réactive ?", "fr")]),
    ],
)
def test_the_review_keeps_each_value_as_answered_and_its_language(bilingual, language, expected):
    post = draft(bilingual)
    services.post_submit(actor=bilingual.officer, post=post)
    review = approve(bilingual, post, language=language)
    checks = list(review.value_checks.order_by("pk"))
    assert [(c.value_name, c.value_question, c.language) for c in checks] == expected
    assert all(c.confirmed and c.note == f"Note {c.value_id}" for c in checks)
    # Renaming the value later rewrites nothing.
    Value.objects.filter(zone=bilingual).update(name_nl="Anders", question_nl="Anders?")
    assert [(c.value_name, c.value_question, c.language) for c in review.value_checks.order_by("pk")] == expected


def test_every_missing_line_is_refused_at_once_each_with_its_code(bilingual):
    post = draft(bilingual)
    services.post_submit(actor=bilingual.officer, post=post)
    with translation.override("en"), pytest.raises(WorkflowError) as refused:
        approve(
            bilingual,
            post,
            answers={},
            confidentiality_confirmed=False,
            findings=[{"kind": "licence_plate", "excerpt": "•-•••-•34"}],
            language="nl",
        )
    assert [e.code for e in refused.value.error_list] == [
        "values_unconfirmed",
        "confidentiality_unconfirmed",
        "override_reason_missing",
    ]
    # The values are named as the director read them.
    assert "(missing: Nabijheid, Dynamiek)" in refused.value.messages[0]
    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW
