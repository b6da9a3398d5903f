"""Activity text made small enough for a prompt: quoted replies and signatures removed, then cut; and a
token estimate that needs no downloaded vocabulary.

Why not a library: the well-kept reply parsers we tried (mail-parser-reply) cost about half a millisecond
per email, which alone would spend the 50 ms budget of a 100-activity context; the cases that matter in CRM
email bodies (``>`` quoting, "On ... wrote:", Outlook's "-----Original Message-----" and "From:" headers,
the ``-- `` signature delimiter) are a few line patterns. Tokenisers such as tiktoken download their
vocabularies at run time, which Salesbot may not do; a byte count over three over-estimates English and
code (about four bytes per token) so the budget holds.
"""

from __future__ import annotations

import math
import re

BYTES_PER_TOKEN = 3
CUT_MARK = " [...]"

# A line at which the rest of an email is an earlier message or a signature.
_CUT_LINE = re.compile(
    r"""^\s*(?:
        on\s.{0,200}\swrote:\s*$                      # Gmail / Apple Mail
      | -{2,}\s*original\s+message\s*-{2,}            # Outlook
      | _{5,}\s*$                                     # Outlook's rule before the header block
      | from:\s.+$                                    # a forwarded / quoted header block
      | --\s*$                                        # RFC 3676 signature delimiter
      | sent\s+from\s+my\s.+$                         # mobile footers
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_WRITE_SPLIT = re.compile(
    r"^\s*on\s.{0,200}$", re.IGNORECASE
)  # "On Tue, ... Ana <a@b>" wrapped before wrote:
_BLANKS = re.compile(r"\n{3,}")
_SPACES = re.compile(r"[ \t\f\v\r]+")


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text.encode("utf-8")) / BYTES_PER_TOKEN)


def strip_reply(body: str) -> str:
    """The new part of an email: everything before the first quoted line, reply header or signature."""
    lines = body.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        if line.lstrip().startswith(">"):
            break
        if _CUT_LINE.match(line):
            break
        if (
            _WRITE_SPLIT.match(line)
            and i + 1 < len(lines)
            and lines[i + 1].strip().lower().endswith("wrote:")
        ):
            break
        kept.append(line)
    return "\n".join(kept)


def tidy(text: str) -> str:
    """Runs of spaces and blank lines collapsed; a prompt pays for every one of them."""
    # The regular expressions cost ~30 ns a character even when nothing matches; substring tests cost ~1.
    if "  " in text or any(c in text for c in "\t\f\v\r"):
        text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    if "\n\n\n" in text:
        text = _BLANKS.sub("\n\n", text)
    return text.strip()


def cut(text: str, max_chars: int) -> str:
    """``text`` cut to ``max_chars`` at a word boundary when one is near, with a marker saying so."""
    if len(text) <= max_chars:
        return text
    if max_chars <= 0:
        return ""
    head = text[:max_chars]
    space = head.rfind(" ")
    if space > max_chars * 0.8:
        head = head[:space]
    return head.rstrip() + CUT_MARK


def clean_body(body: str, *, email: bool, max_chars: int) -> str:
    """``body`` as a prompt or a modal shows it: an email's quoted replies and signature removed, spaces
    collapsed, cut to ``max_chars``."""
    if email:
        body = strip_reply(body)
    # tidy() reads every character: a pasted transcript needs no more than a few times what is kept.
    window = body[: max_chars * 4]
    text = cut(tidy(window), max_chars)
    if len(window) < len(body) and not text.endswith(CUT_MARK):
        text = text.rstrip() + CUT_MARK
    return text
