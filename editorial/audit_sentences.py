"""Audit events as sentences a person reads: "Marc Lambert approved “Radar control in Quévy” (version 3)".

One translatable sentence per action the desk writes (``audit_record(action=...)`` across editorial/ and accounts/),
a short label per action for the page's "kind" filter, and a neutral sentence with the action's code for anything
else (an action added later, an old one renamed): an event is always shown, never hidden for want of a sentence.

The sentences take the actor's name and the object's title; the titles of a page of events are read by the page's
selector (editorial.selectors.audit_log) in one query per object type, never one per event.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

# action -> (sentence, kind label). %(actor)s is the person (or "The system"), %(object)s the object's title.
SENTENCES: dict[str, tuple[Any, Any]] = {
    # Items from the units
    "editorial.item.submit": (_("%(actor)s submitted the item “%(object)s”"), _("Item submitted")),
    "editorial.item.take_up": (_("%(actor)s turned the item “%(object)s” into a post"), _("Item taken up")),
    "editorial.item.decline": (_("%(actor)s declined the item “%(object)s”"), _("Item declined")),
    # Posts
    "editorial.post.create": (_("%(actor)s created the post “%(object)s”"), _("Post created")),
    "editorial.post.update": (_("%(actor)s edited the post “%(object)s”"), _("Post edited")),
    "editorial.post.duplicate": (_("%(actor)s duplicated a post as “%(object)s”"), _("Post duplicated")),
    "editorial.post.submit": (_("%(actor)s submitted the post “%(object)s” for review"), _("Post submitted")),
    "editorial.post.sign_off": (_("%(actor)s signed off the post “%(object)s”"), _("Post signed off")),
    "editorial.post.approve": (_("%(actor)s approved the post “%(object)s”"), _("Post approved")),
    "editorial.post.request_changes": (
        _("%(actor)s asked for changes to the post “%(object)s”"),
        _("Changes requested"),
    ),
    "editorial.post.confidentiality_override": (
        _("%(actor)s overrode a confidentiality finding on the post “%(object)s”"),
        _("Confidentiality finding overridden"),
    ),
    "editorial.post.share": (_("%(actor)s shared the post “%(object)s” with units"), _("Post shared")),
    "editorial.post.schedule": (_("%(actor)s scheduled the post “%(object)s”"), _("Post scheduled")),
    "editorial.post.publish_now": (_("%(actor)s asked to publish the post “%(object)s” now"), _("Publish now")),
    "editorial.post.published": (_("The post “%(object)s” was published"), _("Post published")),
    "editorial.post.cancel": (_("%(actor)s cancelled the post “%(object)s”"), _("Post cancelled")),
    "editorial.post.fast_lane": (
        _("%(actor)s published the post “%(object)s” through the fast lane"),
        _("Fast-lane publication"),
    ),
    "editorial.post.fast_lane_held": (
        _("The post “%(object)s” was held for review instead of the fast lane"),
        _("Fast lane held"),
    ),
    "editorial.post.review_after": (
        _("%(actor)s acknowledged the post “%(object)s” after publication"),
        _("Review after"),
    ),
    "editorial.comment.add": (_("%(actor)s commented on the post “%(object)s”"), _("Comment added")),
    # Publications
    "editorial.publication.published": (
        _("The publication “%(object)s” went out"),
        _("Publication sent"),
    ),
    "editorial.publication.failed": (_("The publication “%(object)s” failed"), _("Publication failed")),
    "editorial.publication.queued": (
        _("The publication “%(object)s” will be tried again"),
        _("Publication to retry"),
    ),
    "editorial.publication.unknown": (
        _("The outcome of the publication “%(object)s” is unknown"),
        _("Publication outcome unknown"),
    ),
    "editorial.publication.confirm_published": (
        _("%(actor)s confirmed that “%(object)s” was published"),
        _("Publication confirmed"),
    ),
    "editorial.publication.leave_unsent": (
        _("%(actor)s left “%(object)s” unsent"),
        _("Publication left unsent"),
    ),
    "editorial.publication.send_again": (
        _("%(actor)s sent “%(object)s” again"),
        _("Publication sent again"),
    ),
    "editorial.publication.outcome_kept": (
        _("The outcome already recorded for “%(object)s” was kept"),
        _("Publication outcome kept"),
    ),
    "editorial.publication.alert": (_("An alert was raised about “%(object)s”"), _("Publication alert")),
    "editorial.publishing.alert": (_("An alert was raised about publishing"), _("Publishing alert")),
    # Templates
    "editorial.template.create": (_("%(actor)s created the template “%(object)s”"), _("Template created")),
    "editorial.template.update": (_("%(actor)s edited the template “%(object)s”"), _("Template edited")),
    "editorial.template.submit": (
        _("%(actor)s submitted the template “%(object)s” for review"),
        _("Template submitted"),
    ),
    "editorial.template.approve": (_("%(actor)s approved the template “%(object)s”"), _("Template approved")),
    "editorial.template.request_changes": (
        _("%(actor)s asked for changes to the template “%(object)s”"),
        _("Template changes requested"),
    ),
    "editorial.template.confidentiality_override": (
        _("%(actor)s overrode a confidentiality finding on the template “%(object)s”"),
        _("Template finding overridden"),
    ),
    "editorial.template.retire": (_("%(actor)s retired the template “%(object)s”"), _("Template retired")),
    # Channels and the zone
    "editorial.channel.pause": (_("%(actor)s paused the channel “%(object)s”"), _("Channel paused")),
    "editorial.channel.resume": (_("%(actor)s resumed the channel “%(object)s”"), _("Channel resumed")),
    "editorial.channel.test_connection": (
        _("%(actor)s tested the connection of the channel “%(object)s”"),
        _("Channel connection tested"),
    ),
    "editorial.channel.needs_reconnect": (
        _("The channel “%(object)s” needs to be connected again"),
        _("Channel disconnected"),
    ),
    "editorial.channel.reconnected": (
        _("The channel “%(object)s” was connected again"),
        _("Channel reconnected"),
    ),
    "editorial.zone.pause": (_("%(actor)s paused publishing for the zone"), _("Zone paused")),
    "editorial.zone.resume": (_("%(actor)s resumed publishing for the zone"), _("Zone resumed")),
    "editorial.zone.time_budget": (_("%(actor)s changed the zone's time budget"), _("Time budget changed")),
    "editorial.theme.add": (_("%(actor)s added the week's theme “%(object)s”"), _("Theme added")),
    "editorial.theme.delete": (_("%(actor)s removed the week's theme “%(object)s”"), _("Theme removed")),
    "editorial.calendar_feed.create": (_("%(actor)s created a calendar feed"), _("Calendar feed created")),
    "editorial.calendar_feed.renew": (_("%(actor)s renewed their calendar feed"), _("Calendar feed renewed")),
    "editorial.follow_up.plan": (_("%(actor)s planned a follow-up of “%(object)s”"), _("Follow-up planned")),
    "editorial.follow_up.publish": (_("%(actor)s published a follow-up of “%(object)s”"), _("Follow-up published")),
    "editorial.follow_up.dismiss": (_("%(actor)s dismissed a follow-up of “%(object)s”"), _("Follow-up dismissed")),
    "editorial.follow_up.remind": (_("A reminder was sent for a follow-up of “%(object)s”"), _("Follow-up reminder")),
    "editorial.report.weekly_email": (_("The weekly report was sent by e-mail"), _("Weekly report sent")),
    "editorial.post.evidence_export": (
        _("%(actor)s exported the evidence of the post “%(object)s”"),
        _("Evidence exported"),
    ),
    "editorial.archive.export": (_("%(actor)s exported the archive"), _("Archive exported")),
    "editorial.retention.purge": (_("%(actor)s erased items whose retention was over"), _("Items erased")),
    "editorial.demo.seed": (_("%(actor)s loaded the demonstration data"), _("Demonstration data")),
    "editorial.demo.history": (_("%(actor)s added weeks of demonstration history"), _("Demonstration history")),
    # Members and rights
    "accounts.grant.create": (_("%(actor)s delegated a right to %(object)s"), _("Right delegated")),
    "accounts.grant.revoke": (_("%(actor)s withdrew a right from %(object)s"), _("Right withdrawn")),
    "accounts.membership.weekly_report_email": (
        _("%(actor)s changed their weekly report e-mail"),
        _("Weekly report e-mail"),
    ),
    # Sign-in and security
    "accounts.login": (_("%(actor)s signed in"), _("Sign-in")),
    "accounts.logout": (_("%(actor)s signed out"), _("Sign-out")),
    "accounts.login.failure": (_("A sign-in as %(object)s failed"), _("Failed sign-in")),
    "accounts.login.locked_out": (_("Sign-ins as %(object)s were locked out"), _("Sign-in locked out")),
    "accounts.session.ended": (_("The session of %(actor)s was ended"), _("Session ended")),
    "accounts.reauth": (_("%(actor)s confirmed their identity again"), _("Identity confirmed")),
    "accounts.reauth.failure": (_("%(actor)s failed to confirm their identity"), _("Identity not confirmed")),
    "accounts.reauth.locked_out": (
        _("%(actor)s was locked out after failing to confirm their identity"),
        _("Identity check locked out"),
    ),
    "accounts.mfa.setup": (_("%(actor)s set up a second factor"), _("Second factor set up")),
    "accounts.mfa.failure": (_("%(actor)s typed a wrong second-factor code"), _("Second factor failed")),
    "accounts.mfa.reset": (_("%(actor)s reset the second factor of %(object)s"), _("Second factor reset")),
    "accounts.mfa.disable": (_("%(actor)s turned off a second factor"), _("Second factor turned off")),
    "accounts.mfa.recovery_code_used": (_("%(actor)s used a recovery code"), _("Recovery code used")),
    "accounts.mfa.recovery_codes_regenerated": (
        _("%(actor)s made new recovery codes"),
        _("Recovery codes renewed"),
    ),
    "accounts.password.change": (_("%(actor)s changed their password"), _("Password changed")),
    "accounts.password.change_failure": (
        _("%(actor)s failed to change their password"),
        _("Password change failed"),
    ),
    "accounts.password.reset": (_("%(actor)s reset their password"), _("Password reset")),
    "accounts.password.reset_requested": (_("A password reset was asked for"), _("Password reset asked")),
    "accounts.password.reset_refused": (_("A password reset was refused"), _("Password reset refused")),
    "accounts.password.admin_set": (_("%(actor)s set the password of %(object)s"), _("Password set")),
    "accounts.emails.change": (_("%(actor)s changed their e-mail address"), _("E-mail changed")),
    "security.permission_denied": (_("%(actor)s was refused a page"), _("Access refused")),
    "security.csrf_refused": (_("A form sent by %(actor)s was refused"), _("Form refused")),
    "security.credentials.rotate": (_("%(actor)s rotated the stored credentials"), _("Credentials rotated")),
}

# The Django admin writes admin.<model>.<create|change|delete>: one sentence per verb, the model's name in it.
ADMIN_SENTENCES: dict[str, Any] = {
    "create": _("%(actor)s created %(object)s in the administration"),
    "change": _("%(actor)s changed %(object)s in the administration"),
    "delete": _("%(actor)s deleted %(object)s in the administration"),
}
ADMIN_KIND = _("Administration")

UNKNOWN_SENTENCE = _("%(actor)s: event “%(action)s”")
SYSTEM = _("The system")
UNNAMED = _("(no title)")
VERSION = _("(version %(version)s)")


def kind_choices() -> list[tuple[str, Any]]:
    """The actions the kind filter offers, by their label."""
    return sorted(((action, label) for action, (_sentence, label) in SENTENCES.items()), key=lambda c: str(c[1]))


def sentence(*, action: str, actor: str, title: str, data: dict[str, Any]) -> str:
    """The event as one sentence in the active language. ``title`` is the object's name, or ""."""
    values = {"actor": actor, "object": title or str(UNNAMED), "action": action}
    known = SENTENCES.get(action)
    if known is not None:
        text = str(known[0]) % values
    elif action.startswith("admin.") and action.rsplit(".", 1)[-1] in ADMIN_SENTENCES:
        text = str(ADMIN_SENTENCES[action.rsplit(".", 1)[-1]]) % values
    else:
        return str(UNKNOWN_SENTENCE) % values
    version = data.get("version") if isinstance(data, dict) else None
    if isinstance(version, int) and not isinstance(version, bool):
        text = f"{text} {VERSION % {'version': version}}"
    return text
