"""Every block and element type of Block Kit, built with slack_sdk (Salesbot's own and those it does not use
yet), for the text and HTML renderers' tests."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    ConversationSelectElement,
    DatePickerElement,
    DateTimePickerElement,
    DividerBlock,
    HeaderBlock,
    ImageBlock,
    ImageElement,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    OverflowMenuElement,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    RichTextBlock,
    RichTextSectionElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
    TimePickerElement,
    UserSelectElement,
)

HOSTILE = '<img src=x onerror="window.__pwned=1"> & <script>window.__pwned=2</script>'


def options(*labels: str) -> list[Option]:
    return [Option(value=label.lower(), label=label) for label in labels]


def every_block() -> list[dict[str, Any]]:
    """One of each; the CRM-looking text is hostile (escaped for mrkdwn as Salesbot's builders do)."""
    escaped = HOSTILE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    blocks = [
        HeaderBlock(text="Deal review"),
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*Bold* _italic_ ~gone~ `code` <https://example.com/d?a=1&amp;b=2|the deal> {escaped}"
            ),
            accessory=ButtonElement(text="Join", action_id="join", url="https://meet.example/1"),
        ),
        SectionBlock(
            fields=[MarkdownTextObject(text="*Stage*\nProposal"), PlainTextObject(text="Amount: $1,200")],
            accessory=OverflowMenuElement(action_id="more", options=options("Edit", "Delete")),
        ),
        SectionBlock(
            text=PlainTextObject(text="With an image"),
            accessory=ImageElement(image_url="https://example.com/a.png", alt_text="a chart"),
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(text="Updated _today_"),
                ImageElement(image_url="https://example.com/i.png", alt_text="icon"),
            ]
        ),
        DividerBlock(),
        ActionsBlock(
            elements=[
                ButtonElement(text="Complete", action_id="complete", style="primary", value="t1"),
                ButtonElement(text="Delete", action_id="delete", style="danger", value="t1"),
                StaticSelectElement(
                    placeholder="Snooze",
                    action_id="snooze",
                    options=options("1 hour", "Tomorrow"),
                    initial_option=options("Tomorrow")[0],
                ),
                StaticMultiSelectElement(
                    placeholder="Owners", action_id="owners", options=options("Ann", "Bo")
                ),
                OverflowMenuElement(action_id="overflow", options=options("Share", "Copy")),
                DatePickerElement(action_id="date", initial_date="2026-11-23"),
                TimePickerElement(action_id="time", initial_time="09:30"),
                DateTimePickerElement(action_id="datetime", initial_date_time=1795000000),
                UserSelectElement(placeholder="View as", action_id="as"),
                ConversationSelectElement(placeholder="Share to", action_id="share"),
                CheckboxesElement(action_id="days", options=options("Mon", "Tue")),
                RadioButtonsElement(action_id="when", options=options("Now", "Later")),
            ]
        ),
        InputBlock(
            label="Notes",
            element=PlainTextInputElement(action_id="notes", multiline=True, placeholder="What happened?"),
            hint="Shown to the deal's owner",
            optional=True,
        ),
        InputBlock(label="Amount", element=NumberInputElement(action_id="amount", is_decimal_allowed=False)),
        ImageBlock(image_url="https://example.com/pipeline.png", alt_text="pipeline chart", title="Pipeline"),
        RichTextBlock(elements=[RichTextSectionElement(elements=[{"type": "text", "text": "Rich text"}])]),
    ]
    return [block.to_dict() for block in blocks]
