"""Markdown to safe HTML, and to plain text, for the host's own pages and for the plugin adapter.

Besides standard Markdown (fenced code, tables), one small extension: a pronunciation hint written right after a
Chinese character, `重[chóng]新`, becomes `<ruby>重<rp>(</rp><rt>chóng</rt><rp>)</rp></ruby>新`. Readers see the
pinyin above the character; the read-aloud plugin can use it to pick the right reading of a polyphonic character.
"""

import html
import re
import xml.etree.ElementTree as etree

import markdown
import nh3
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li", "strong", "em", "b", "i",
    "code", "pre", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "ruby", "rt", "rp", "del", "sup", "sub",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
    "code": {"class"},  # fenced code keeps its `language-xxx` class
}

_PINYIN_LETTERS = "a-zA-ZüÜāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
# One CJK character, then [pinyin] (tone marks or a tone digit), not followed by "(" (that would be a link).
RUBY_PATTERN = rf"([\u3400-\u4dbf\u4e00-\u9fff])\[([{_PINYIN_LETTERS}]{{1,8}}[1-5]?)\](?!\()"


class _RubyProcessor(InlineProcessor):
    def handleMatch(self, m, data):  # noqa: N802 (Markdown's API)
        ruby = etree.Element("ruby")
        ruby.text = m.group(1)
        for tag, text in (("rp", "("), ("rt", m.group(2)), ("rp", ")")):
            etree.SubElement(ruby, tag).text = text
        return ruby, m.start(0), m.end(0)


class PinyinRubyExtension(Extension):
    def extendMarkdown(self, md):  # noqa: N802 (Markdown's API)
        # After code spans (190) and escapes (180), before references (170) and links (160).
        md.inlinePatterns.register(_RubyProcessor(RUBY_PATTERN, md), "pinyin_ruby", 175)


def markdown_to_html(text: str) -> str:
    raw = markdown.markdown(
        text or "",
        extensions=["fenced_code", "tables", "sane_lists", PinyinRubyExtension()],
        output_format="html",
    )
    return nh3.clean(raw, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, link_rel="noopener nofollow")


_BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote|pre|tr|div)>|<br\s*/?>|<hr\s*/?>", re.IGNORECASE)
# Code blocks and images are not prose; inline `code` keeps its words (it is part of a sentence).
_SKIPPED = re.compile(r"<pre\b[^>]*>.*?</pre>|<img\b[^>]*>", re.IGNORECASE | re.DOTALL)
# Pronunciation hints: the reader reads the character, not its pinyin.
_RUBY_NOTES = re.compile(r"<(rt|rp)\b[^>]*>.*?</\1>", re.IGNORECASE | re.DOTALL)


def html_to_plain_text(body_html: str) -> str:
    """Readable prose only: code blocks, images and ruby annotations are dropped, blocks become lines."""
    text = _RUBY_NOTES.sub("", body_html)
    text = _SKIPPED.sub("\n", text)
    text = _BLOCK_END.sub("\n", text)
    text = nh3.clean(text, tags=set())
    text = html.unescape(text)
    lines = (re.sub(r"[ \t\u3000]+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def markdown_to_plain_text(text: str) -> str:
    return html_to_plain_text(markdown_to_html(text))


def excerpt(text: str, length: int = 120) -> str:
    """The first `length` characters of the article's prose (headings skipped), for lists and meta tags."""
    html_body = markdown_to_html(text)
    html_body = re.sub(r"<h[1-6]\b[^>]*>.*?</h[1-6]>", " ", html_body, flags=re.IGNORECASE | re.DOTALL)
    plain = " ".join(html_to_plain_text(html_body).split("\n"))
    if len(plain) <= length:
        return plain
    return plain[:length].rstrip(" ，,、；;：:") + "…"
