"""Makes the two cuts of BIZ UDPGothic (OFL) the client and the server's pages use:

- BIZUDPGothic-ui.ttf: what the interface itself writes, awaited before the town opens: ASCII,
  Latin-1, punctuation, kana, full-width forms, and every other character in the project's
  sources (the game, the server's pages and messages, the map, the page around the game);
  `game/tests/ui_font.rs` fails when a source gains a character this cut lacks.
- BIZUDPGothic-ibasho.ttf: what people may type (names, chat, programme titles): the above and
  the JIS X 0208 level 1 and 2 kanji, loaded after the town is open.

Needs Debian's fonts-morisawa-bizud-gothic and PyPI's fonttools. From the project root:

    python3 assets/fonts/make_font.py
"""
import pathlib
from fontTools import subset

SOURCE = "/usr/share/fonts/truetype/bizud-gothic/BIZUDPGothic-Regular.ttf"
FONTS = pathlib.Path(__file__).parent
ROOT = FONTS.parent.parent
UI_TARGET = FONTS / "BIZUDPGothic-ui.ttf"
FULL_TARGET = FONTS / "BIZUDPGothic-ibasho.ttf"

RANGES = [
    (0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2190, 0x21FF), (0x2200, 0x22FF),
    (0x2460, 0x24FF), (0x2500, 0x257F), (0x25A0, 0x25FF), (0x2600, 0x26FF), (0x3000, 0x303F),
    (0x3040, 0x309F), (0x30A0, 0x30FF), (0x31F0, 0x31FF), (0xFF00, 0xFFEF),
]

# Where the interface's own text lives (kept in step with game/tests/ui_font.rs).
SOURCES = [("game/src", "*.rs"), ("server/src", "*.rs"), ("protocol/src", "*.rs"),
           ("assets/maps", "*.ron"), ("assets/locales", "*.ron"), (".", "index.html")]


def jis_kanji():
    """Kanji of JIS X 0208 levels 1 and 2: those EUC-JP writes in exactly two bytes."""
    for code in range(0x4E00, 0xA000):
        try:
            if len(chr(code).encode("euc_jp")) == 2:
                yield code
        except UnicodeEncodeError:
            pass


def source_characters():
    """Every character past ASCII that the interface's sources write."""
    found = set()
    for folder, pattern in SOURCES:
        for path in (ROOT / folder).rglob(pattern) if folder != "." else [ROOT / pattern]:
            found.update(ord(c) for c in path.read_text(encoding="utf-8") if ord(c) > 0x7E)
    return found


def cut(codepoints, target):
    options = subset.Options()
    options.layout_features = ["kern", "palt", "liga", "ccmp", "locl"]
    options.hinting = False
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = subset.load_font(SOURCE, options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints))
    subsetter.subset(font)
    subset.save_font(font, str(target), options)
    print(f"{target.name}: {len(codepoints)} code points asked, {target.stat().st_size} bytes")


def main():
    basic = {c for start, end in RANGES for c in range(start, end + 1)}
    ui = basic | source_characters()
    cut(ui, UI_TARGET)
    cut(ui | set(jis_kanji()), FULL_TARGET)


if __name__ == "__main__":
    main()
