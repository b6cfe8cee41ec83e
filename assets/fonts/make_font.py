"""Makes assets/fonts/BIZUDPGothic-ibasho.ttf: BIZ UDPGothic (OFL) cut down to what Japanese UI
text needs: ASCII, Latin-1, punctuation, kana, full-width forms, and the JIS X 0208 level 1 and 2
kanji. Needs Debian's fonts-morisawa-bizud-gothic and PyPI's fonttools.

    python3 assets/fonts/make_font.py
"""
import pathlib
from fontTools import subset

SOURCE = "/usr/share/fonts/truetype/bizud-gothic/BIZUDPGothic-Regular.ttf"
TARGET = pathlib.Path(__file__).with_name("BIZUDPGothic-ibasho.ttf")

RANGES = [
    (0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2190, 0x21FF), (0x2200, 0x22FF),
    (0x2460, 0x24FF), (0x2500, 0x257F), (0x25A0, 0x25FF), (0x2600, 0x26FF), (0x3000, 0x303F),
    (0x3040, 0x309F), (0x30A0, 0x30FF), (0x31F0, 0x31FF), (0xFF00, 0xFFEF),
]


def jis_kanji():
    """Kanji of JIS X 0208 levels 1 and 2: those EUC-JP writes in exactly two bytes."""
    for code in range(0x4E00, 0xA000):
        try:
            if len(chr(code).encode("euc_jp")) == 2:
                yield code
        except UnicodeEncodeError:
            pass


def main():
    codepoints = {c for start, end in RANGES for c in range(start, end + 1)}
    codepoints.update(jis_kanji())
    options = subset.Options()
    options.layout_features = ["kern", "palt", "liga", "ccmp", "locl"]
    options.hinting = False
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = subset.load_font(SOURCE, options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints))
    subsetter.subset(font)
    subset.save_font(font, str(TARGET), options)
    print(f"{TARGET.name}: {len(codepoints)} code points, {TARGET.stat().st_size} bytes")


if __name__ == "__main__":
    main()
