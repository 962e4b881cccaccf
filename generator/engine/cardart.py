"""Draw one social card: a menu's title, curator and counts beside up to four covers or tiles.

A pure function of what it is given (the card's text, the cached cover variants, the theme's
fonts), so the same menu always gives the same bytes. The fonts are the theme's own
(templates/fonts/, DejaVu Sans under the Bitstream Vera license): no font of the machine
decides a card.
"""

from __future__ import annotations

import colorsys
import functools
import zlib
from pathlib import Path
from typing import Any

WIDTH, HEIGHT = 1200, 630
MARGIN = 64
TEXT_WIDTH = 600  # the text column; the art fills the rest
ART_LEFT, ART_TOP, ART_RIGHT, ART_BOTTOM = 704, 48, WIDTH - MARGIN, HEIGHT - 48
GAP = 16
BACKGROUND = (29, 26, 23)
INK, MUTED, ACCENT = (250, 246, 238), (205, 192, 170), (214, 120, 64)
FONT_REGULAR, FONT_BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"
JPEG_QUALITY = 85


def draw_card(card: dict[str, Any], art: list[str | None], fonts: str, out: str) -> None:
    """Write the card described by `card` (title, curator, courses, items, site, tiles) to
    `out` as a JPEG. `art` holds, per entry of `card["art"]`, the cover file to show, or None
    for a typographic tile drawn from the entry's title and type."""
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(im)
    _text(draw, card, Path(fonts))
    for (x, y, w, h), entry, path in zip(_slots(len(art)), card["art"], art, strict=True):
        if path is not None:
            _paste_cover(im, path, (x, y, w, h))
        else:
            _tile(draw, entry, (x, y, w, h), Path(fonts))
    # Baseline JPEG, without Huffman optimisation: a third of the time to encode, for a few
    # per cent of size on a picture fetched once per shared link.
    im.save(out, "JPEG", quality=JPEG_QUALITY)


@functools.lru_cache(maxsize=64)
def _font(fonts: Path, name: str, size: int) -> Any:
    """A font at one size, loaded once per process (a render worker draws many cards)."""
    from PIL import ImageFont

    return ImageFont.truetype(str(fonts / name), size)


def _text(draw: Any, card: dict[str, Any], fonts: Path) -> None:
    """The site's name, the title (as large as fits in three lines), the curator, the counts."""
    small = _font(fonts, FONT_REGULAR, 28)
    draw.rectangle((MARGIN, MARGIN, MARGIN + 56, MARGIN + 6), fill=ACCENT)
    draw.text((MARGIN, MARGIN + 24), _fit(draw, card["site"], small, TEXT_WIDTH), font=small, fill=MUTED)
    title_font, lines = _title_lines(draw, card["title"], fonts)
    y = MARGIN + 96
    line_height = round(title_font.size * 1.18)
    for line in lines:
        draw.text((MARGIN, y), line, font=title_font, fill=INK)
        y += line_height
    by = _font(fonts, FONT_REGULAR, 34)
    byline = _fit(draw, f"A menu by {card['curator']}", by, TEXT_WIDTH)
    draw.text((MARGIN, y + 20), byline, font=by, fill=MUTED)
    counts = f"{count(card['courses'], 'course')} · {count(card['items'], 'item')}"
    draw.text((MARGIN, HEIGHT - MARGIN - 34), counts, font=_font(fonts, FONT_BOLD, 30), fill=INK)


def count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _title_lines(draw: Any, title: str, fonts: Path) -> tuple[Any, list[str]]:
    """The largest title size whose words wrap into three lines; at the smallest, the third
    line ends with an ellipsis."""
    for size in (72, 64, 56, 50, 44):
        font = _font(fonts, FONT_BOLD, size)
        lines = _wrap(draw, title, font)
        if len(lines) <= 3:
            return font, lines
    lines = _wrap(draw, title, font)
    return font, lines[:2] + [_fit(draw, " ".join(lines[2:]), font, TEXT_WIDTH)]


def _wrap(draw: Any, text: str, font: Any) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= TEXT_WIDTH:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(_fit(draw, word, font, TEXT_WIDTH))
    return lines or [""]


def _fit(draw: Any, text: str, font: Any, width: int) -> str:
    """`text`, cut with an ellipsis where it would pass `width`."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _slots(n: int) -> list[tuple[int, int, int, int]]:
    """Where `n` pictures go (x, y, width, height): one large, or a two-by-two grid, each at a
    cover's 2:3 shape, centred in the art area."""
    area_w, area_h = ART_RIGHT - ART_LEFT, ART_BOTTOM - ART_TOP
    if n == 0:
        return []
    if n == 1:
        h = area_h
        w = h * 2 // 3
        return [(ART_LEFT + (area_w - w) // 2, ART_TOP, w, h)]
    h = (area_h - GAP) // 2
    w = h * 2 // 3
    left = ART_LEFT + (area_w - 2 * w - GAP) // 2
    return [(left + (i % 2) * (w + GAP), ART_TOP + (i // 2) * (h + GAP), w, h) for i in range(n)]


def _paste_cover(im: Any, path: str, box: tuple[int, int, int, int]) -> None:
    from PIL import Image, ImageOps

    x, y, w, h = box
    with Image.open(path) as cover:
        fitted = ImageOps.fit(cover.convert("RGB"), (w, h), Image.Resampling.LANCZOS)
    im.paste(fitted, (x, y))


def _tile(draw: Any, entry: list[str], box: tuple[int, int, int, int], fonts: Path) -> None:
    """The typographic tile an item without a cover shows on its page, as on the site."""
    from generator.site.filters import initials

    _kind, title, media_type = entry
    x, y, w, h = box
    hue = zlib.crc32(title.encode("utf-8")) % 360  # as the theme's `hue` filter
    r, g, b = colorsys.hls_to_rgb(hue / 360, 0.38, 0.42)
    draw.rectangle((x, y, x + w - 1, y + h - 1), fill=(round(r * 255), round(g * 255), round(b * 255)))
    letters = _font(fonts, FONT_BOLD, max(24, w // 3))
    draw.text((x + w // 2, y + h // 2), initials(title), font=letters, fill=INK, anchor="mm")
    label = _font(fonts, FONT_REGULAR, max(14, w // 10))
    draw.text((x + w // 2, y + h - h // 10), media_type, font=label, fill=INK, anchor="mm")
