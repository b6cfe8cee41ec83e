"""Draws the town's floors, walls and furniture into one sheet (town.png), in one calm, warm palette.

The sheet is 8 x 8 cells of 32 x 32 pixels. What lies where is listed in CELLS below and, for the
client, in game/src/town_look.rs (`FLOOR_CELLS`, `WALL_CELLS`, `prop_cell`): keep the two in step.
Made for this project; CC0. Needs PyPI's pillow.

    python3 assets/tiles/make_tiles.py
"""
import pathlib
import random
from PIL import Image, ImageDraw

CELL = 32
HERE = pathlib.Path(__file__).parent
OUTLINE = (92, 72, 58)

# name: (col, row, width, height) in cells
CELLS = {
    "hall-floor-0": (0, 0, 1, 1), "hall-floor-1": (1, 0, 1, 1),
    "free-floor-0": (2, 0, 1, 1), "free-floor-1": (3, 0, 1, 1),
    "booth-floor-0": (4, 0, 1, 1), "booth-floor-1": (5, 0, 1, 1),
    "entrance-floor-0": (6, 0, 1, 1), "entrance-floor-1": (7, 0, 1, 1),
    "gallery-floor-0": (0, 1, 1, 1), "gallery-floor-1": (1, 1, 1, 1),
    "quiet-floor-0": (2, 1, 1, 1), "quiet-floor-1": (3, 1, 1, 1),
    "stage-0": (4, 1, 1, 1), "stage-1": (5, 1, 1, 1),
    "plain-floor-0": (6, 1, 1, 1), "plain-floor-1": (7, 1, 1, 1),
    "wall-top": (0, 2, 1, 1), "wall-face": (1, 2, 1, 1), "wall-window": (2, 2, 1, 1), "doormat": (3, 2, 1, 1),
    "sofa": (0, 3, 2, 1), "bookshelf": (2, 3, 2, 1), "table": (4, 3, 2, 1), "counter": (6, 3, 2, 1),
    "low-table": (0, 4, 1, 1), "plant": (1, 4, 1, 1), "cushion": (2, 4, 1, 1), "chair": (3, 4, 1, 1),
    "small-table": (4, 4, 1, 1), "board": (5, 4, 1, 1), "chair-down": (6, 4, 1, 1), "lamp": (7, 4, 1, 1),
    "screen": (0, 5, 4, 1), "bench": (4, 5, 2, 1), "piano": (6, 5, 2, 1),
    "rug": (0, 6, 3, 2),
    "shadow": (3, 6, 1, 1),
    "grass-0": (4, 2, 1, 1), "grass-1": (5, 2, 1, 1), "stepping-stones": (6, 2, 1, 1),
    "tree": (4, 6, 2, 2), "flower-bed": (6, 6, 2, 1),
}


def box(name):
    col, row, width, height = CELLS[name]
    return col * CELL, row * CELL, width * CELL, height * CELL


def shade(color, amount):
    return tuple(max(0, min(255, c + amount)) for c in color)


def noise(draw, x, y, w, h, color, rng, spread=6, count=40):
    for _ in range(count):
        px, py = x + rng.randrange(w), y + rng.randrange(h)
        draw.point((px, py), fill=shade(color, rng.randint(-spread, spread)))


def planks(draw, x, y, base, seam, rng, plank_height=8, variant=0):
    draw.rectangle([x, y, x + CELL - 1, y + CELL - 1], fill=base)
    for i, top in enumerate(range(0, CELL, plank_height)):
        tone = shade(base, rng.randint(-7, 7))
        draw.rectangle([x, y + top, x + CELL - 1, y + top + plank_height - 2], fill=tone)
        draw.line([x, y + top + plank_height - 1, x + CELL - 1, y + top + plank_height - 1], fill=seam)
        joint = (i * 13 + variant * 7) % CELL
        draw.line([x + joint, y + top, x + joint, y + top + plank_height - 2], fill=seam)
        for _ in range(3):
            gx = x + rng.randrange(CELL)
            gy = y + top + rng.randrange(plank_height - 2)
            draw.line([gx, gy, min(x + CELL - 1, gx + rng.randint(3, 8)), gy], fill=shade(tone, -10))


def carpet(draw, x, y, base, rng):
    draw.rectangle([x, y, x + CELL - 1, y + CELL - 1], fill=base)
    noise(draw, x, y, CELL, CELL, base, rng, spread=9, count=120)


def stone(draw, x, y, base, grout, rng, size=16):
    draw.rectangle([x, y, x + CELL - 1, y + CELL - 1], fill=grout)
    for ty in range(0, CELL, size):
        for tx in range(0, CELL, size):
            tone = shade(base, rng.randint(-6, 6))
            draw.rectangle([x + tx + 1, y + ty + 1, x + tx + size - 1, y + ty + size - 1], fill=tone)
            noise(draw, x + tx + 1, y + ty + 1, size - 2, size - 2, tone, rng, spread=5, count=10)


def tatami(draw, x, y, base, rng):
    draw.rectangle([x, y, x + CELL - 1, y + CELL - 1], fill=base)
    for ty in range(0, CELL, 2):
        draw.line([x, y + ty, x + CELL - 1, y + ty], fill=shade(base, -5 if ty % 4 else 3))


def grass(draw, x, y, base, rng, flowers=0):
    draw.rectangle([x, y, x + CELL - 1, y + CELL - 1], fill=base)
    noise(draw, x, y, CELL, CELL, base, rng, spread=10, count=90)
    for _ in range(10):
        bx, by = x + rng.randrange(2, CELL - 2), y + rng.randrange(3, CELL - 1)
        draw.line([bx, by, bx + rng.choice((-1, 0, 1)), by - 2], fill=shade(base, -24))
    for _ in range(flowers):
        fx, fy = x + rng.randrange(3, CELL - 3), y + rng.randrange(3, CELL - 3)
        draw.point((fx, fy), fill=rng.choice([(250, 244, 226), (246, 206, 120), (236, 170, 180)]))


def floors(draw):
    rng = random.Random(7)
    for v in range(2):
        planks(draw, *box(f"hall-floor-{v}")[:2], (214, 170, 118), (170, 126, 84), rng, variant=v)
        planks(draw, *box(f"free-floor-{v}")[:2], (234, 216, 184), (220, 200, 164), rng, plank_height=16, variant=v)
        carpet(draw, *box(f"booth-floor-{v}")[:2], (200, 188, 212), rng)
        stone(draw, *box(f"entrance-floor-{v}")[:2], (232, 222, 200), (206, 194, 170), rng)
        stone(draw, *box(f"gallery-floor-{v}")[:2], (222, 226, 226), (200, 204, 204), rng, size=32)
        tatami(draw, *box(f"quiet-floor-{v}")[:2], (206, 210, 160), rng)
        planks(draw, *box(f"stage-{v}")[:2], (170, 110, 70), (120, 76, 46), rng, variant=v)
        carpet(draw, *box(f"plain-floor-{v}")[:2], (226, 220, 206), rng)
        grass(draw, *box(f"grass-{v}")[:2], (150, 186, 118), rng, flowers=2 * v)


def walls(draw):
    top, face, base = (104, 88, 76), (236, 224, 204), (168, 132, 100)
    x, y, _, _ = box("wall-top")
    draw.rectangle([x, y, x + CELL - 1, y + CELL - 1], fill=top)
    draw.rectangle([x, y, x + CELL - 1, y + 1], fill=shade(top, 14))
    # A wall with floor below shows its face: a thin top, plaster, and a wooden skirting.
    for name in ("wall-face", "wall-window"):
        x, y, _, _ = box(name)
        draw.rectangle([x, y, x + CELL - 1, y + 7], fill=top)
        draw.rectangle([x, y + 8, x + CELL - 1, y + CELL - 1], fill=face)
        draw.rectangle([x, y + 26, x + CELL - 1, y + CELL - 1], fill=base)
        draw.line([x, y + 8, x + CELL - 1, y + 8], fill=shade(face, -30))
    x, y, _, _ = box("wall-window")
    draw.rectangle([x + 6, y + 11, x + 25, y + 23], fill=(170, 206, 222), outline=(140, 110, 84))
    draw.line([x + 15, y + 11, x + 15, y + 23], fill=(140, 110, 84))
    draw.line([x + 8, y + 13, x + 12, y + 13], fill=(230, 244, 248))
    x, y, _, _ = box("doormat")
    draw.rectangle([x, y, x + CELL - 1, y + CELL - 1], fill=(0, 0, 0, 0))
    draw.rounded_rectangle([x + 3, y + 8, x + 28, y + 24], radius=3, fill=(150, 104, 80), outline=(120, 80, 60))
    for ly in range(11, 23, 3):
        draw.line([x + 6, y + ly, x + 25, y + ly], fill=(166, 120, 92))


def props(draw):
    x, y, w, h = box("sofa")
    draw.rounded_rectangle([x + 2, y + 4, x + w - 3, y + h - 3], radius=6, fill=(122, 156, 132), outline=OUTLINE)
    draw.rounded_rectangle([x + 6, y + 12, x + w // 2 - 1, y + h - 7], radius=3, fill=(146, 180, 152))
    draw.rounded_rectangle([x + w // 2 + 1, y + 12, x + w - 7, y + h - 7], radius=3, fill=(146, 180, 152))
    draw.rectangle([x + 3, y + 5, x + w - 4, y + 10], fill=(108, 140, 118))

    x, y, w, h = box("bookshelf")
    draw.rectangle([x + 1, y + 2, x + w - 2, y + h - 3], fill=(150, 104, 70), outline=OUTLINE)
    rng = random.Random(3)
    spines = [(196, 96, 86), (90, 130, 170), (226, 190, 110), (120, 160, 110), (170, 120, 170), (236, 230, 214)]
    for shelf_y in (y + 5, y + 17):
        bx = x + 4
        while bx < x + w - 6:
            width = rng.randint(2, 4)
            height = rng.randint(7, 10)
            draw.rectangle([bx, shelf_y + 10 - height, bx + width - 1, shelf_y + 10], fill=rng.choice(spines))
            bx += width + 1
        draw.line([x + 2, shelf_y + 11, x + w - 3, shelf_y + 11], fill=(120, 80, 52))

    for name, color in (("table", (196, 150, 104)), ("counter", (176, 128, 88))):
        x, y, w, h = box(name)
        draw.rounded_rectangle([x + 2, y + 4, x + w - 3, y + h - 5], radius=4, fill=color, outline=OUTLINE)
        draw.line([x + 6, y + 8, x + w - 7, y + 8], fill=shade(color, 22))
    x, y, w, h = box("counter")
    draw.rectangle([x + 8, y + 12, x + 20, y + 20], fill=(248, 244, 234), outline=(170, 160, 140))
    draw.ellipse([x + 44, y + 10, x + 54, y + 20], fill=(120, 170, 120), outline=OUTLINE)

    x, y, _, _ = box("low-table")
    draw.ellipse([x + 5, y + 8, x + 26, y + 24], fill=(182, 134, 92), outline=OUTLINE)
    draw.ellipse([x + 13, y + 12, x + 19, y + 17], fill=(246, 242, 232), outline=(170, 160, 140))

    x, y, _, _ = box("plant")
    draw.ellipse([x + 4, y + 2, x + 27, y + 22], fill=(102, 150, 98), outline=(70, 110, 70))
    for lx, ly in ((8, 6), (16, 4), (19, 11), (10, 13)):
        draw.ellipse([x + lx, y + ly, x + lx + 6, y + ly + 6], fill=(132, 182, 118))
    draw.rounded_rectangle([x + 10, y + 20, x + 21, y + 29], radius=2, fill=(196, 118, 84), outline=OUTLINE)

    x, y, _, _ = box("cushion")
    draw.rounded_rectangle([x + 6, y + 7, x + 25, y + 25], radius=6, fill=(234, 170, 124), outline=OUTLINE)
    draw.line([x + 10, y + 16, x + 21, y + 16], fill=(214, 146, 104))

    for name, back_at_top in (("chair", False), ("chair-down", True)):
        x, y, _, _ = box(name)
        draw.rounded_rectangle([x + 8, y + 9, x + 23, y + 23], radius=3, fill=(196, 150, 104), outline=OUTLINE)
        back_y = y + 6 if back_at_top else y + 21
        draw.rounded_rectangle([x + 7, back_y, x + 24, back_y + 5], radius=2, fill=(150, 104, 70), outline=OUTLINE)

    x, y, _, _ = box("small-table")
    draw.ellipse([x + 4, y + 4, x + 27, y + 27], fill=(190, 142, 98), outline=OUTLINE)
    draw.ellipse([x + 9, y + 9, x + 15, y + 15], fill=(244, 240, 230), outline=(170, 160, 140))
    draw.ellipse([x + 17, y + 15, x + 23, y + 21], fill=(180, 210, 190), outline=(120, 150, 130))

    x, y, _, _ = box("board")
    draw.rectangle([x + 6, y + 22, x + 8, y + 31], fill=(120, 84, 56))
    draw.rectangle([x + 23, y + 22, x + 25, y + 31], fill=(120, 84, 56))
    draw.rounded_rectangle([x + 1, y + 2, x + 30, y + 24], radius=2, fill=(150, 104, 70), outline=OUTLINE)
    draw.rectangle([x + 4, y + 5, x + 27, y + 21], fill=(250, 246, 232))
    for ly in (8, 12, 16):
        draw.line([x + 7, y + ly, x + 24, y + ly], fill=(170, 160, 140))

    x, y, _, _ = box("lamp")
    draw.ellipse([x + 9, y + 22, x + 22, y + 29], fill=(110, 90, 76), outline=OUTLINE)
    draw.line([x + 15, y + 12, x + 15, y + 24], fill=(110, 90, 76), width=2)
    draw.polygon([(x + 8, y + 14), (x + 23, y + 14), (x + 19, y + 3), (x + 12, y + 3)], fill=(250, 226, 160), outline=OUTLINE)

    x, y, w, h = box("screen")
    draw.rectangle([x + 4, y + 3, x + w - 5, y + h - 5], fill=(56, 60, 66), outline=(40, 40, 44))
    draw.rectangle([x + 7, y + 6, x + w - 8, y + h - 8], fill=(120, 158, 186))
    draw.polygon([(x + w // 2 - 5, y + 11), (x + w // 2 - 5, y + 21), (x + w // 2 + 5, y + 16)], fill=(244, 248, 250))

    x, y, w, h = box("bench")
    draw.rounded_rectangle([x + 2, y + 9, x + w - 3, y + 22], radius=3, fill=(190, 146, 102), outline=OUTLINE)
    for lx in range(x + 8, x + w - 4, 8):
        draw.line([lx, y + 10, lx, y + 21], fill=(170, 126, 86))

    x, y, w, h = box("piano")
    draw.rounded_rectangle([x + 2, y + 2, x + w - 3, y + h - 3], radius=3, fill=(52, 44, 42), outline=(30, 26, 24))
    draw.rectangle([x + 6, y + 18, x + w - 7, y + 26], fill=(248, 246, 240))
    for kx in range(x + 8, x + w - 8, 5):
        draw.rectangle([kx, y + 18, kx + 2, y + 22], fill=(40, 36, 34))

    x, y, _, _ = box("stepping-stones")
    draw.rectangle([x, y, x + CELL - 1, y + CELL - 1], fill=(0, 0, 0, 0))
    for sx, sy, sw, sh in ((3, 4, 12, 9), (17, 14, 12, 10), (5, 21, 11, 8)):
        draw.ellipse([x + sx, y + sy + 1, x + sx + sw, y + sy + sh + 1], fill=(120, 140, 96))
        draw.ellipse([x + sx, y + sy, x + sx + sw, y + sy + sh], fill=(206, 200, 186), outline=(160, 150, 134))

    x, y, w, h = box("tree")
    draw.ellipse([x + 10, y + 44, x + w - 11, y + h - 4], fill=(96, 126, 80))
    draw.rounded_rectangle([x + 27, y + 34, x + 36, y + h - 8], radius=2, fill=(132, 96, 66), outline=OUTLINE)
    draw.ellipse([x + 4, y + 2, x + w - 5, y + 44], fill=(96, 146, 90), outline=(66, 104, 64))
    rng = random.Random(11)
    for _ in range(14):
        lx, ly = x + rng.randrange(10, w - 18), y + rng.randrange(6, 34)
        draw.ellipse([lx, ly, lx + 9, ly + 8], fill=rng.choice([(124, 176, 108), (112, 164, 98), (140, 188, 120)]))

    x, y, w, h = box("flower-bed")
    draw.rounded_rectangle([x + 2, y + 6, x + w - 3, y + h - 3], radius=4, fill=(150, 112, 84), outline=OUTLINE)
    draw.rounded_rectangle([x + 5, y + 9, x + w - 6, y + h - 7], radius=3, fill=(120, 90, 66))
    rng = random.Random(5)
    for fx in range(x + 9, x + w - 8, 7):
        fy = y + 12 + rng.randrange(0, 8)
        draw.line([fx, fy + 3, fx, fy + 9], fill=(96, 146, 90), width=2)
        color = rng.choice([(240, 150, 160), (250, 214, 110), (244, 240, 230), (190, 160, 220)])
        draw.ellipse([fx - 3, fy - 3, fx + 3, fy + 3], fill=color, outline=shade(color, -40))

    x, y, w, h = box("rug")
    draw.rounded_rectangle([x + 2, y + 2, x + w - 3, y + h - 3], radius=8, fill=(214, 150, 120))
    draw.rounded_rectangle([x + 7, y + 7, x + w - 8, y + h - 8], radius=6, outline=(240, 206, 170), width=2)
    draw.rounded_rectangle([x + 14, y + 14, x + w - 15, y + h - 15], radius=4, fill=(226, 176, 140))


def shadow(sheet):
    """A soft oval shadow for under an avatar's feet: darkest in the middle, fading out."""
    x, y, _, _ = box("shadow")
    for py in range(CELL):
        for px in range(CELL):
            dx, dy = (px - 15.5) / 13.0, (py - 15.5) / 6.0
            d = dx * dx + dy * dy
            if d < 1.0:
                sheet.putpixel((x + px, y + py), (40, 30, 20, int(70 * (1.0 - d))))


def main():
    sheet = Image.new("RGBA", (8 * CELL, 8 * CELL), (0, 0, 0, 0))
    draw = ImageDraw.Draw(sheet)
    floors(draw)
    walls(draw)
    props(draw)
    shadow(sheet)
    sheet.save(HERE / "town.png", optimize=True)


if __name__ == "__main__":
    main()
