"""Block Kit drawn as a self-contained HTML page, laid out the way Slack lays it out.

Sections with their accessory on the right and fields in two columns, headers, context lines with their
images, dividers, buttons in Slack's primary and danger colours (URL buttons are links), selects and overflow
menus with their choices listed, inputs with label, placeholder and hint, images, rich text and mrkdwn
(bold, italic, strike, code, links). The page is one file (inline CSS, no script); only images named by the
payload load from their URLs. Every text is HTML-escaped after mrkdwn is read, and a Content-Security-Policy
forbids scripts, so a contact named ``<img src=x onerror=...>`` is drawn as that text and runs nothing.
Each block is a ``div`` with ``data-block`` (its index) and ``data-type``, for tests and for reading.
"""

from __future__ import annotations

from html import escape
from typing import Any

from bot.render.mrkdwn import Run, clean, parse
from bot.render.text import chosen_values, options_of

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:"
CSS = """
body{margin:0;background:#f8f8f8;font:15px/1.46668 -apple-system,'Segoe UI','Helvetica Neue',Arial,sans-serif;
color:#1d1c1d}
.surface{max-width:760px;margin:24px auto;background:#fff;border:1px solid #ddd;border-radius:8px;
padding:16px 20px}
.surface-title{font-weight:900;font-size:18px;border-bottom:1px solid #eee;padding-bottom:10px;
margin-bottom:8px}
.meta{color:#616061;font-size:13px;margin-bottom:12px}
.block{margin:6px 0}
.header{font-size:18px;font-weight:900;margin-top:12px}
.section{display:flex;gap:12px;align-items:flex-start}
.section>.body{flex:1;white-space:pre-wrap;word-wrap:break-word}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:4px 16px;margin-top:4px;white-space:pre-wrap}
.context{display:flex;gap:8px;align-items:center;color:#616061;font-size:13px;white-space:pre-wrap}
.context img{width:16px;height:16px;border-radius:3px}
.divider{border:0;border-top:1px solid #ddd;margin:12px 0}
.actions{display:flex;flex-wrap:wrap;gap:8px}
.button{display:inline-block;border:1px solid #bbb;border-radius:4px;padding:3px 12px;font-weight:700;
font-size:14px;background:#fff;color:#1d1c1d;text-decoration:none;white-space:nowrap}
.button.primary{background:#007a5a;border-color:#007a5a;color:#fff}
.button.danger{background:#e01e5a;border-color:#e01e5a;color:#fff}
.select{display:inline-block;border:1px solid #bbb;border-radius:4px;padding:3px 10px;font-size:14px}
.select .choices{display:block;color:#616061;font-size:12px}
.select .chosen{font-weight:700;color:#1d1c1d}
.input label{font-weight:700;display:block}
.input .field{border:1px solid #bbb;border-radius:4px;padding:6px 8px;color:#868686;margin:4px 0}
.input .hint{color:#616061;font-size:13px}
.image img{max-width:100%;border-radius:4px}
.accessory-image{width:72px;height:72px;border-radius:4px;object-fit:cover}
code{font-family:Monaco,Menlo,monospace;font-size:12px;background:#f6f6f6;border:1px solid #ddd;
border-radius:3px;padding:1px 3px;color:#e01e5a}
a{color:#1264a3;text-decoration:none}
.modal-buttons{display:flex;justify-content:flex-end;gap:8px;margin-top:16px}
.unknown{color:#e01e5a;font-family:monospace}
"""


def _safe_href(url: Any) -> str | None:
    text = str(url or "").strip()
    return text if text.lower().startswith(("https://", "http://", "slack://", "mailto:")) else None


def _runs(runs: list[Run]) -> str:
    out = []
    for run in runs:
        piece = escape(run.text)
        if run.code:
            piece = f"<code>{piece}</code>"
        for flag, tag in (("bold", "b"), ("italic", "i"), ("strike", "s")):
            if getattr(run, flag):
                piece = f"<{tag}>{piece}</{tag}>"
        href = _safe_href(run.url)
        if href:
            piece = f'<a href="{escape(href)}">{piece}</a>'
        out.append(piece)
    return "".join(out)


def text_html(obj: Any) -> str:
    if not isinstance(obj, dict):
        return escape(clean(str(obj or "")))
    raw = str(obj.get("text", ""))
    return _runs(parse(raw)) if obj.get("type") == "mrkdwn" else escape(clean(raw))


def _img(element: dict[str, Any], css: str = "") -> str:
    src = _safe_href(element.get("image_url"))
    alt = escape(clean(str(element.get("alt_text", ""))))
    if not src:
        return f"<span>[{alt}]</span>"
    return f'<img class="{css}" src="{escape(src)}" alt="{alt}">'


def element_html(element: dict[str, Any]) -> str:
    kind = str(element.get("type", "?"))
    if kind in ("button", "workflow_button"):
        style = escape(str(element.get("style") or ""))
        label = text_html(element.get("text"))
        href = _safe_href(element.get("url"))
        if href:
            return f'<a class="button {style}" href="{escape(href)}">{label} ↗</a>'
        return f'<span class="button {style}">{label}</span>'
    if kind == "image":
        return _img(element)
    if kind in ("mrkdwn", "plain_text"):
        return f"<span>{text_html(element)}</span>"
    if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input", "rich_text_input"):
        value = element.get("initial_value")
        shown = escape(clean(str(value))) if value is not None else text_html(element.get("placeholder"))
        return f'<div class="field">{shown or "&nbsp;"}</div>'
    options = options_of(element)
    if options or kind.endswith("select") or kind.endswith("picker") or kind == "overflow":
        chosen = chosen_values(element)
        names = {"overflow": "⋯", "checkboxes": "☐", "radio_buttons": "◯"}
        title = names.get(kind) or text_html(element.get("placeholder")) or escape(kind.replace("_", " "))
        initial = next(
            (
                element[k]
                for k in ("initial_date", "initial_time", "initial_date_time", "initial_user")
                if k in element
            ),
            None,
        )
        if initial is not None:
            title = escape(str(initial))
        items = " · ".join(
            f'<span class="{"chosen" if str(o.get("value")) in chosen else ""}">'
            f"{text_html(o.get('text'))}</span>"
            for o in options
        )
        arrow = "" if kind in names else " ▾"
        listed = f'<span class="choices">{items}</span>' if items else ""
        return f'<span class="select" data-element="{escape(kind)}">{title}{arrow}{listed}</span>'
    return f'<span class="unknown">[{escape(kind)}]</span>'


def _rich(element: dict[str, Any]) -> str:
    parts = []
    for item in element.get("elements") or []:
        if "elements" in item:
            parts.append(_rich(item))
        else:
            parts.append(escape(clean(str(item.get("text") or item.get("url") or item.get("name") or ""))))
    return "".join(parts)


def block_html(block: dict[str, Any]) -> str:
    kind = str(block.get("type"))
    if kind == "header":
        inner = text_html(block.get("text"))
    elif kind == "divider":
        inner = '<hr class="divider">'
    elif kind == "section":
        body = f'<div class="body">{text_html(block["text"])}</div>' if block.get("text") else ""
        fields = "".join(f"<div>{text_html(f)}</div>" for f in block.get("fields") or [])
        if fields:
            body = f'<div class="body">{body}<div class="fields">{fields}</div></div>'
        accessory = block.get("accessory")
        side = ""
        if accessory:
            side = (
                _img(accessory, "accessory-image")
                if accessory.get("type") == "image"
                else element_html(accessory)
            )
        inner = body + (f'<div class="accessory">{side}</div>' if side else "")
    elif kind in ("context", "actions"):
        inner = "".join(element_html(e) for e in block.get("elements") or [])
    elif kind == "input":
        optional = " <span class='hint'>(optional)</span>" if block.get("optional") else ""
        hint = f'<div class="hint">{text_html(block["hint"])}</div>' if block.get("hint") else ""
        inner = f"<label>{text_html(block.get('label'))}{optional}</label>"
        inner += element_html(block.get("element") or {}) + hint
    elif kind == "image":
        title = f"<div>{text_html(block['title'])}</div>" if block.get("title") else ""
        inner = title + _img(block)
    elif kind == "rich_text":
        inner = _rich(block)
    elif kind == "markdown":
        inner = _runs(parse(str(block.get("text", ""))))
    else:
        inner = f'<span class="unknown">[{escape(kind)} block]</span>'
    return inner


def render_page(
    title: str, blocks: list[dict[str, Any]], *, meta: str = "", view: dict[str, Any] | None = None
) -> str:
    """The whole page: ``title`` above the surface, ``meta`` (what and for whom) under it, then the blocks."""
    drawn = []
    for i, block in enumerate(blocks):
        kind = escape(str(block.get("type")))
        drawn.append(
            f'<div class="block {kind}" data-block="{i}" data-type="{kind}">{block_html(block)}</div>'
        )
    head = ""
    tail = ""
    if view is not None:
        if view.get("title"):
            head = f'<div class="surface-title">{text_html(view["title"])}</div>'
        buttons = [
            f'<span class="button {"primary" if key == "submit" else ""}">{text_html(view[key])}</span>'
            for key in ("close", "submit")
            if view.get(key)
        ]
        if buttons:
            tail = f'<div class="modal-buttons">{"".join(buttons)}</div>'
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f'<main class="surface">{head}<div class="meta">{escape(meta)}</div>{"".join(drawn)}{tail}</main>'
        "</body></html>\n"
    )
