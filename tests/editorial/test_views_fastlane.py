"""The fast lane's pages (issue 13): the list of templates to publish, filling one in, the urgent post, the
director's review after, and the dashboard."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from editorial.models import Post, PostOrigin, ReviewAfter, Template
from tests.editorial.test_fastlane import VALUES, approved_template, channels, grant, publish
from tests.factories import make_zone, totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    locmem_backend = {"BACKEND": "editorial.publishers.locmem.Publisher", "OPTIONS": {}}
    settings.PUBLISHERS = {"x": locmem_backend, "facebook": locmem_backend}
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def form_data(template, **changes):
    x, fb = channels(template.zone)
    data = {
        "version": template.approved_version_id,
        "channels": [x.pk, fb.pk],
        "when": "now",
        **{f"ph_{name}": value for name, value in VALUES.items()},
    }
    return data | changes


def test_the_unit_head_with_a_grant_sees_the_template_and_publishes_it(client, zone_users):
    zone, head = zone_users.zone, zone_users.unit_head
    template = approved_template(zone, zone_users.officer, zone_users.director)
    grant(zone, head, zone_users.director)
    client.force_login(head)
    page = client.get(reverse("editorial:fast_lane", args=[zone.slug]))
    assert template.name in page.content.decode()
    url = reverse("editorial:template_publish", args=[zone.slug, template.pk])
    form = client.get(url).content.decode()
    assert "Publish now" in form and 'name="ph_locality"' in form
    x, _fb = channels(zone)
    answer = client.post(url, form_data(template, channels=[x.pk]))
    post = Post.objects.get(origin=PostOrigin.TEMPLATE)
    assert answer.status_code == 302 and answer.url == reverse("editorial:post_detail", args=[zone.slug, post.pk])
    assert post.author == head


def test_a_value_outside_its_kind_is_said_at_its_field_and_kept(client, zone_users):
    zone = zone_users.zone
    template = approved_template(zone, zone_users.officer, zone_users.director)
    client.force_login(zone_users.officer)
    url = reverse("editorial:template_publish", args=[zone.slug, template.pk])
    answer = client.post(url, form_data(template, ph_from="25h99", ph_note="Prudence <b>svp</b>"))
    page = answer.content.decode()
    assert answer.status_code == 200
    assert "is a time of day" in page
    assert 'value="25h99"' in page and "Prudence &lt;b&gt;svp&lt;/b&gt;" in page
    assert not Post.objects.exists()


def test_a_template_changed_while_the_form_was_open_is_refused_with_the_values_kept(client, zone_users):
    zone = zone_users.zone
    template = approved_template(zone, zone_users.officer, zone_users.director)
    client.force_login(zone_users.officer)
    data = form_data(template, version=template.approved_version_id + 1000)
    answer = client.post(reverse("editorial:template_publish", args=[zone.slug, template.pk]), data)
    assert answer.status_code == 200
    assert "nothing was sent" in answer.content.decode()
    assert 'value="Soyez prudents."' in answer.content.decode()


def test_a_finding_tells_the_user_and_sends_to_review(client, zone_users):
    zone = zone_users.zone
    template = approved_template(zone, zone_users.officer, zone_users.director)
    client.force_login(zone_users.officer)
    answer = client.post(
        reverse("editorial:template_publish", args=[zone.slug, template.pk]),
        form_data(template, ph_note="Plaque 1-ABC-234"),
        follow=True,
    )
    assert "Nothing was published" in answer.content.decode()
    assert Post.objects.get().status == Post.Status.IN_REVIEW


def test_other_zones_and_wrong_roles(client, zone_users):
    zone = zone_users.zone
    template = approved_template(zone, zone_users.officer, zone_users.director)
    other = make_zone("Zone C", slug="zone-c")
    other_template = approved_template(other, zone_users.officer, zone_users.director, name="Autre")
    client.force_login(zone_users.officer)
    assert client.get(reverse("editorial:template_publish", args=[zone.slug, other_template.pk])).status_code == 404
    client.force_login(zone_users.unit_head)  # no grant
    assert client.get(reverse("editorial:template_publish", args=[zone.slug, template.pk])).status_code == 403
    assert client.get(reverse("editorial:fast_lane", args=[zone.slug])).status_code == 403
    client.force_login(zone_users.officer)
    assert client.get(reverse("editorial:review_after_queue", args=[zone.slug])).status_code == 403
    Template.objects.filter(pk=template.pk).update(status=Template.Status.RETIRED, approved_version=None)
    assert client.get(reverse("editorial:template_publish", args=[zone.slug, template.pk])).status_code == 403


def test_the_urgent_form_checks_the_code_and_never_shows_it_back(client, zone_users, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a wrong code does not make the test wait
    zone, officer = zone_users.zone, zone_users.officer
    client.force_login(officer)
    x, _fb = channels(zone)
    url = reverse("editorial:urgent_post", args=[zone.slug])
    data = {
        "title": "Accident",
        "category": template_category(zone),
        "channels": [x.pk],
        "text_fr": "Accident sur la N6.",
        "reason": "Route bloquée",
        "code": "123456",
    }
    answer = client.post(url, data)
    assert answer.status_code == 200
    assert "not valid" in answer.content.decode() and "123456" not in answer.content.decode()
    answer = client.post(url, data | {"code": totp_code(officer)})
    post = Post.objects.get(origin=PostOrigin.URGENT)
    assert answer.status_code == 302
    assert ReviewAfter.objects.get(post=post).urgent


def template_category(zone):
    from editorial.models import Category

    return Category.objects.get(zone=zone, name="Contrôle vitesse").pk


def test_the_urgent_page_says_when_the_zone_turned_it_off(client, zone_users):
    zone = zone_users.zone
    zone.urgent_posts_allowed = False
    zone.save()
    client.force_login(zone_users.officer)
    page = client.get(reverse("editorial:urgent_post", args=[zone.slug])).content.decode()
    assert "does not allow urgent posts" in page and 'name="code"' not in page


def test_the_director_reads_urgent_first_and_acknowledges_in_one_click(client, zone_users):
    zone, officer, director = zone_users.zone, zone_users.officer, zone_users.director
    template = approved_template(zone, officer, director)
    post = publish(officer, template)
    ReviewAfter.objects.filter(post=post).update(due_at=timezone.now() - timezone.timedelta(hours=1))
    client.force_login(director)
    page = client.get(reverse("editorial:review_after_queue", args=[zone.slug])).content.decode()
    assert "overdue" in page and "Quévy" in page and "as communication officer" in page
    dashboard = client.get(reverse("editorial:zone_dashboard", args=[zone.slug])).content.decode()
    assert 'id="review-after"' in dashboard and post.title in dashboard
    review_after = ReviewAfter.objects.get(post=post)
    answer = client.post(reverse("editorial:review_after_acknowledge", args=[zone.slug, review_after.pk]), {})
    assert answer.status_code == 302
    review_after.refresh_from_db()
    assert review_after.acknowledged_by == director
    dashboard = client.get(reverse("editorial:zone_dashboard", args=[zone.slug])).content.decode()
    assert 'id="review-after"' not in dashboard


@pytest.mark.parametrize("role", ["officer", "director"])
def test_query_counts_do_not_grow(client, zone_users, django_assert_max_num_queries, role):
    zone, officer, director = zone_users.zone, zone_users.officer, zone_users.director
    client.force_login(getattr(zone_users, role))
    url = reverse("editorial:fast_lane" if role == "officer" else "editorial:review_after_queue", args=[zone.slug])

    def add(count: int) -> None:
        for n in range(count):
            template = approved_template(zone, officer, director, name=f"Modèle {n}-{Template.objects.count()}")
            publish(officer, template, values=VALUES)

    add(1)
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    add(5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
