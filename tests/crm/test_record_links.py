"""Record links: ``org.record_urls`` and ``org.unfurl`` import and export; URLs made from the templates and
read back, HubSpot record URLs (new and old forms) read as the record they name; other URLs name none."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from crm.db import session_scope
from crm.importer.export import iter_dataset
from crm.importer.load import import_dataset
from crm.importer.validate import DatasetInvalid
from crm.models import Org
from crm.record_links import RecordLinks, check_template, record_for_url, record_url, template_domains

EXAMPLE = Path(__file__).parent.parent / "data" / "spec_example.json"
TEMPLATES = {
    "deal": "https://crm.example.com/deals/{id}",
    "contact": "https://crm.example.com/people/{id}?tab=about",
}


def with_org(tmp_path: Path, **org: Any) -> Path:
    data = json.loads(EXAMPLE.read_text())
    data["org"].update(org)
    path = tmp_path / "dataset.json"
    path.write_text(json.dumps(data))
    return path


def test_record_urls_and_unfurl_import_and_export_unchanged(engine: Engine, tmp_path: Path) -> None:
    import_dataset(engine, with_org(tmp_path, record_urls=TEMPLATES, unfurl="preview_only"))
    with session_scope(engine) as session:
        org = dict(iter_dataset(session))["org"]
    assert org["record_urls"] == TEMPLATES
    assert org["unfurl"] == "preview_only"


def test_unfurl_defaults_to_when_all_may_view(engine: Engine) -> None:
    import_dataset(engine, EXAMPLE)
    with session_scope(engine) as session:
        org = session.get(Org, 1)
        assert org is not None and org.unfurl == "when_all_may_view" and org.record_urls is None


@pytest.mark.parametrize(
    ("org", "path"),
    [
        ({"unfurl": "always"}, "org.unfurl"),
        ({"record_urls": {"deal": "https://crm.example.com/deals"}}, "org.record_urls.deal"),
        ({"record_urls": {"deal": "javascript:alert({id})"}}, "org.record_urls.deal"),
        ({"record_urls": {"deal": "https://x.test/{id}/{name}"}}, "org.record_urls.deal"),
        ({"record_urls": {"lead": "https://x.test/{id}"}}, "org.record_urls.lead"),
    ],
)
def test_bad_record_settings_are_refused_with_their_path(
    engine: Engine, tmp_path: Path, org: dict[str, Any], path: str
) -> None:
    with pytest.raises(DatasetInvalid) as raised:
        import_dataset(engine, with_org(tmp_path, **org))
    assert [e.split(":")[0] for e in raised.value.errors] == [path]


def test_urls_are_made_from_the_templates_and_read_back(engine: Engine, tmp_path: Path) -> None:
    import_dataset(engine, with_org(tmp_path, record_urls=TEMPLATES))
    with session_scope(engine) as session:
        links = RecordLinks.load(session)
        assert record_url(links, "deal", "d1") == "https://crm.example.com/deals/d1"
        assert links.url("contact", "c1") == "https://crm.example.com/people/c1?tab=about"
        assert links.url("company", "co1") is None  # no template for companies
        assert record_for_url(session, "https://crm.example.com/deals/d1") == ("deal", "d1")
        assert record_for_url(session, "https://crm.example.com/people/c1?tab=about") == ("contact", "c1")
        assert record_for_url(session, "https://crm.example.com/deals/d404") is None  # deleted or unknown
        assert record_for_url(session, "https://crm.example.com/deals/d1/edit") is None
        assert record_for_url(session, "https://other.example.com/deals/d1") is None
    assert template_domains(TEMPLATES) == {"crm.example.com"}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://app.hubspot.com/contacts/4711/record/0-3/d1", ("deal", "d1")),
        ("https://app.hubspot.com/contacts/4711/deal/d1/", ("deal", "d1")),
        ("https://app.hubspot.com/contacts/4711/record/0-1/c1?foo=1", ("contact", "c1")),
        ("https://app.hubspot.com/contacts/4711/contact/c1", ("contact", "c1")),
        ("https://app.hubspot.com/contacts/4711/record/0-2/co1", ("company", "co1")),
        ("https://app.hubspot.com/contacts/4711/company/co1", ("company", "co1")),
        ("https://app.hubspot.com/contacts/4711/record/0-3/d999", None),
        ("https://app.hubspot.com/contacts/4711/record/0-5/d1", None),
        ("https://app.hubspot.com.evil.test/contacts/4711/record/0-3/d1", None),
        ("ftp://app.hubspot.com/contacts/4711/record/0-3/d1", None),
    ],
)
def test_hubspot_record_urls_name_their_record(engine: Engine, url: str, expected: Any) -> None:
    import_dataset(engine, EXAMPLE)
    with session_scope(engine) as session:
        assert record_for_url(session, url) == expected


def test_a_template_needs_one_id_and_an_http_url() -> None:
    assert check_template("https://crm.example.com/d/{id}") == "https://crm.example.com/d/{id}"
    for bad in ("https://crm.example.com/d/", "https://x/{id}/{id}", "mailto:{id}", "https://x/{id}|y"):
        with pytest.raises(ValueError):
            check_template(bad)


def test_synced_records_link_to_hubspot_and_hubspot_links_name_them(engine: Engine, tmp_path: Path) -> None:
    from crm.models import HubSpotPortal, HubSpotRecord

    import_dataset(engine, with_org(tmp_path, record_urls=TEMPLATES))
    with session_scope(engine) as session:
        session.add(HubSpotPortal(portal_id="4711", ui_domain="app-eu1.hubspot.com"))
        session.add(HubSpotRecord(object_type="deals", hubspot_id="9001", salesbot_id="d1"))
    with session_scope(engine) as session:
        links = RecordLinks.load(session)
        assert links.url("deal", "d1") == "https://app-eu1.hubspot.com/contacts/4711/record/0-3/9001"
        # A record HubSpot does not have keeps the org's template.
        assert links.url("contact", "c1") == "https://crm.example.com/people/c1?tab=about"
        assert record_for_url(session, "https://app.hubspot.com/contacts/4711/record/0-3/9001") == (
            "deal",
            "d1",
        )
        assert record_for_url(session, "https://app.hubspot.com/contacts/4711/deal/9001") == ("deal", "d1")
        # With a portal connected, only its HubSpot ids name records: not Salesbot's ids, not another portal.
        assert record_for_url(session, "https://app.hubspot.com/contacts/4711/record/0-3/d1") is None
        assert record_for_url(session, "https://app.hubspot.com/contacts/9999/record/0-3/9001") is None
