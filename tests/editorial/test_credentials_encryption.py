"""Channel credentials are encrypted at rest, and keys can be rotated."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from editorial import fields
from editorial.models import Channel
from tests.factories import make_zone

pytestmark = pytest.mark.django_db

SECRET = "EAAB-very-secret-page-token"


def raw_column(channel: Channel) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials_encrypted FROM editorial_channel WHERE id = %s", [channel.pk])
        return cursor.fetchone()[0]


@pytest.fixture
def channel() -> Channel:
    channel = Channel.objects.get(zone=make_zone(), kind="facebook")
    channel.set_credentials({"page_access_token": SECRET})
    channel.save()
    return channel


def test_the_database_holds_no_clear_text(channel):
    raw = raw_column(channel)
    assert raw and SECRET not in raw
    assert Channel.objects.get(pk=channel.pk).get_credentials() == {"page_access_token": SECRET}


def test_a_rotated_key_still_reads_old_rows_and_writes_with_the_new_key(channel, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    reloaded = Channel.objects.get(pk=channel.pk)
    assert reloaded.get_credentials()["page_access_token"] == SECRET
    reloaded.save()
    # Once re-saved, the row opens with the new key alone.
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert Channel.objects.get(pk=channel.pk).get_credentials()["page_access_token"] == SECRET


def test_a_wrong_key_is_an_error_not_garbage(channel, settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        Channel.objects.get(pk=channel.pk)


def test_a_malformed_key_is_reported(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="not a Fernet key"):
        fields.fernet()


def test_rotate_credentials_reencrypts_with_the_first_key(channel, settings, capsys):
    from django.core.management import call_command

    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_credentials")
    assert "1 channel" in capsys.readouterr().out
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert Channel.objects.get(pk=channel.pk).get_credentials() == {"page_access_token": SECRET}
    from editorial.models import AuditEvent

    assert AuditEvent.objects.filter(action="security.credentials.rotate").exists()


def test_rotate_credentials_also_reencrypts_the_authenticator_keys(channel, settings, capsys):
    import secrets

    from django.core.management import call_command

    from accounts.models import TOTPDevice
    from tests.factories import make_user

    device = TOTPDevice.objects.create(user=make_user(), name="app", confirmed=True, secret=secrets.token_hex(20))
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_credentials")
    assert "1 authenticator" in capsys.readouterr().out
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert TOTPDevice.objects.get(pk=device.pk).secret == device.secret
