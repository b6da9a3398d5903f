"""``manifest.yaml`` creates the Slack app in one paste: it is valid against Slack's own manifest schema and
asks for exactly what the code uses."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from bot.app import BOT_SCOPES
from bot.blocks.log_to_crm import SHORTCUT
from bot.listeners.commands import COMMAND
from bot.listeners.events import EVENTS
from bot.server import EVENTS_PATH
from crm.record_links import HUBSPOT_HOST, template_domains

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "tests" / "data" / "slack-app-manifest.schema.json"  # Slack's, MIT licensed


def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yaml").read_text())


def test_manifest_is_valid_against_slacks_schema() -> None:
    errors = list(jsonschema.Draft7Validator(json.loads(SCHEMA.read_text())).iter_errors(manifest()))
    assert errors == []


def test_a_broken_manifest_is_caught_by_the_schema() -> None:
    broken = manifest()
    broken["features"]["slash_commands"][0]["command"] = "sales"  # no leading slash
    broken["display_information"].pop("name")
    errors = list(jsonschema.Draft7Validator(json.loads(SCHEMA.read_text())).iter_errors(broken))
    assert len(errors) >= 2


def test_manifest_matches_what_the_app_serves() -> None:
    m = manifest()
    assert sorted(m["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)
    [command] = m["features"]["slash_commands"]
    assert command["command"] == COMMAND and command["url"].endswith(EVENTS_PATH)
    assert m["settings"]["event_subscriptions"]["request_url"].endswith(EVENTS_PATH)
    assert m["settings"]["interactivity"]["request_url"].endswith(EVENTS_PATH)
    assert m["oauth_config"]["redirect_urls"][0].endswith("/slack/oauth_redirect")
    assert m["features"]["app_home"]["home_tab_enabled"] is True
    assert "app_home_opened" in m["settings"]["event_subscriptions"]["bot_events"]


def test_manifest_lists_the_channel_features_the_code_serves() -> None:
    m = manifest()
    bot_events = set(m["settings"]["event_subscriptions"]["bot_events"])
    assert set(EVENTS) <= bot_events
    assert bot_events - set(EVENTS) == {"app_uninstalled", "tokens_revoked"}  # Bolt's revocation listeners
    assert [(s["type"], s["callback_id"]) for s in m["features"]["shortcuts"]] == [("message", SHORTCUT)]
    assert m["settings"]["interactivity"]["message_menu_options_url"].endswith(EVENTS_PATH)
    domains = m["features"]["unfurl_domains"]
    assert HUBSPOT_HOST in domains
    # The other domain is the placeholder of the org's record_urls host, like salesbot.example.com.
    assert set(domains) - {HUBSPOT_HOST} == template_domains({"deal": "https://crm.example.com/deals/{id}"})
    assert {"links:read", "links:write", "channels:read", "groups:read"} <= set(BOT_SCOPES)
