"""Benchmark: from a `link_shared` event to the `chat.unfurl` call, for a link to a deal posted in a
channel of 200 members.

A CRM in a temporary SQLite file: 200 reps of one team with `team` access (`--teams 200`: each in a team of
its own with `all` access, so each member's check is a query of its own, the worst case), Salesbot's bot
user in the channel too, one deal with 60 activities. The
real Bolt app (`bot.app.build_app`) gets signed events through `App.dispatch` (signature check included)
and talks to the local fake Slack Web API over HTTP; the time measured runs from dispatch to the moment the
worker has sent `chat.unfurl` (what Slack would show). Two cases:
- cold: the channel's members are forgotten before each event (as after `member_joined_channel`), so each
  unfurl lists them again (`conversations.info`, `conversations.members`) and maps and checks all 200;
- warm: members cached (the TTL is a minute), the 200 permission checks still run every time.
Prints median, p95 and p99 per case. Target: p99 under 1 s.

Usage: python bench/unfurl.py [--members 200] [--events 100]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from bench.common import NOW, percentile
from bot.app import build_app
from bot.runtime import Services
from crm.config import Settings
from crm.db import make_engine, upgrade
from crm.models import Team
from tests.bot.app.conftest import SECRET, SlackRequests
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_channels import Channel
from tests.rules.world import World, ago

URL = "https://crm.example.com/deals/d1"


def build(path: Path, members: int, teams: int) -> list[str]:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    world = World(engine)
    world.session.add_all([Team(id=f"t{i}", name=f"Team {i}") for i in range(1, teams + 1)])
    # One team: `team` access. Several: `all` access, so everyone still may view, but each team is a group
    # of its own in the audience check (crm/queries/audience.py): up to one query per member.
    level = "team" if teams == 1 else "all"
    slack_ids = []
    for i in range(1, members + 1):
        uid = f"u{i}"
        user = world.users.get(uid) or world.user(uid, f"rep{i}@acme.test")
        user.team_id, user.slack_user_id = f"t{1 + i % teams}", f"UREP{i:04d}"
        user.access_deals = user.access_activities = user.access_contacts = level
        slack_ids.append(user.slack_user_id)
    world.org.record_urls = {"deal": "https://crm.example.com/deals/{id}"}
    world.contact("c1", owner="u1")
    deal = world.deal("d1", owner="u1", contacts=["c1"])
    deal.amount, deal.next_steps = Decimal(120000), "Send the security questionnaire"
    for i in range(60):
        world.note(f"n{i}", owner=f"u{1 + i % members}", created=ago(days=1 + i), deals=["d1"])
    world.commit()
    world.close()
    engine.dispose()
    return slack_ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--teams", type=int, default=1, help="spread the members over this many teams")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        slack_ids = build(Path(tmp) / "bench.db", args.members, args.teams)
        slack = FakeSlack(check_block_kit=False).start()
        slack.channels["CBIG"] = Channel(members=[*slack_ids, "UBOT"])
        settings = Settings(slack_bot_token=slack.token, slack_api_url=slack.url, slack_signing_secret=SECRET)
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        services = Services(engine=engine, settings=settings, clock=lambda: NOW)
        requests = SlackRequests(build_app(services), services, slack)
        print(
            f"channel of {args.members} members (+ the bot) in {args.teams} team(s), "
            f"{args.events} events per case"
        )
        seq = 0
        for case in ("warm-up", "cold", "warm"):
            times = []
            for _ in range(args.events if case != "warm-up" else 5):
                seq += 1
                if case == "cold":
                    services.channels.forget("CBIG")
                event = {
                    "type": "link_shared",
                    "channel": "CBIG",
                    "user": slack_ids[0],
                    "message_ts": f"1700000000.{seq:06d}",
                    "links": [{"domain": "crm.example.com", "url": URL}],
                }
                sent = len(slack.unfurls)
                start = time.perf_counter()
                requests.event(event, event_id=f"Ev{seq}")  # signed, dispatched, and waited for
                times.append(time.perf_counter() - start)
                assert len(slack.unfurls) == sent + 1, "no chat.unfurl was sent"
                assert "card.minimal" not in json.dumps(slack.unfurls[-1]), "expected the full card"
            if case == "warm-up":
                continue
            ms = [t * 1000 for t in times]
            print(
                f"{case:5s}: median {percentile(ms, 0.5):6.1f} ms  p95 {percentile(ms, 0.95):6.1f} ms  "
                f"p99 {percentile(ms, 0.99):6.1f} ms  max {max(ms):6.1f} ms"
            )
        services.shutdown()
        slack.stop()
        engine.dispose()


if __name__ == "__main__":
    main()
