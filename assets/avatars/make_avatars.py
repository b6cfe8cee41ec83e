"""Draws the six avatar looks of ibasho as sprite sheets (avatar-0.png ... avatar-5.png).

Each sheet is 3 columns (walk frames: step left, stand, step right) by 4 rows (facing down,
left, right, up) of 32x32 pixel frames. Made for this project; CC0. Needs PyPI's pillow.

    python3 assets/avatars/make_avatars.py
"""
import pathlib
from PIL import Image, ImageDraw

FRAME = 32
HERE = pathlib.Path(__file__).parent
# (hair, shirt, trousers, skin, hair style)
LOOKS = [
    ((60, 40, 30), (90, 150, 110), (60, 70, 90), (245, 215, 185), "short"),
    ((20, 20, 30), (230, 140, 120), (80, 70, 60), (240, 205, 170), "long"),
    ((150, 90, 40), (110, 140, 210), (50, 50, 60), (230, 190, 150), "bun"),
    ((200, 200, 205), (200, 170, 80), (90, 80, 70), (245, 220, 195), "short"),
    ((90, 50, 110), (240, 200, 210), (70, 90, 110), (225, 180, 140), "long"),
    ((40, 60, 40), (120, 110, 170), (60, 60, 60), (250, 225, 200), "cap"),
]
DIRECTIONS = ["down", "left", "right", "up"]
OUTLINE = (40, 35, 35)


def draw_frame(draw, ox, oy, look, direction, step):
    hair, shirt, trousers, skin, style = look
    # legs: alternate for the walk cycle (step -1, 0, 1)
    left_leg = 2 if step == -1 else 0
    right_leg = 2 if step == 1 else 0
    draw.rectangle([ox + 12, oy + 24, ox + 15, oy + 29 - left_leg], fill=trousers, outline=OUTLINE)
    draw.rectangle([ox + 17, oy + 24, ox + 20, oy + 29 - right_leg], fill=trousers, outline=OUTLINE)
    # body and arms
    draw.rounded_rectangle([ox + 10, oy + 16, ox + 22, oy + 26], radius=3, fill=shirt, outline=OUTLINE)
    swing = step * 1
    if direction in ("down", "up"):
        draw.rectangle([ox + 7, oy + 17 + swing, ox + 9, oy + 23 + swing], fill=skin, outline=OUTLINE)
        draw.rectangle([ox + 23, oy + 17 - swing, ox + 25, oy + 23 - swing], fill=skin, outline=OUTLINE)
    else:
        draw.rectangle([ox + 15 + swing, oy + 17, ox + 17 + swing, oy + 23], fill=skin, outline=OUTLINE)
    # head
    draw.ellipse([ox + 8, oy + 3, ox + 24, oy + 18], fill=skin, outline=OUTLINE)
    if style == "long":
        draw.rectangle([ox + 8, oy + 8, ox + 24, oy + 19], fill=hair) if direction == "up" else None
        draw.rectangle([ox + 7, oy + 8, ox + 9, oy + 19], fill=hair)
        draw.rectangle([ox + 23, oy + 8, ox + 25, oy + 19], fill=hair)
    draw.chord([ox + 8, oy + 2, ox + 24, oy + 16], 180, 360, fill=hair, outline=OUTLINE)
    if style == "bun":
        draw.ellipse([ox + 13, oy + 0, ox + 19, oy + 5], fill=hair, outline=OUTLINE)
    if style == "cap":
        draw.chord([ox + 7, oy + 1, ox + 25, oy + 14], 180, 360, fill=(200, 70, 60), outline=OUTLINE)
        if direction != "up":
            visor = {"down": (10, 22), "left": (4, 14), "right": (18, 28)}[direction]
            draw.rectangle([ox + visor[0], oy + 8, ox + visor[1], oy + 9], fill=(170, 50, 45))
    if direction == "up":
        draw.ellipse([ox + 8, oy + 3, ox + 24, oy + 17], fill=hair, outline=OUTLINE)
        return
    eyes = {"down": [12, 19], "left": [11], "right": [20]}[direction]
    for x in eyes:
        draw.rectangle([ox + x, oy + 11, ox + x + 1, oy + 12], fill=OUTLINE)
    if direction == "down":
        draw.line([ox + 15, oy + 15, ox + 17, oy + 15], fill=(200, 110, 100))


def main():
    for index, look in enumerate(LOOKS):
        sheet = Image.new("RGBA", (FRAME * 3, FRAME * 4), (0, 0, 0, 0))
        draw = ImageDraw.Draw(sheet)
        for row, direction in enumerate(DIRECTIONS):
            for column, step in enumerate((-1, 0, 1)):
                draw_frame(draw, column * FRAME, row * FRAME, look, direction, step)
        sheet.save(HERE / f"avatar-{index}.png")
    print(f"{len(LOOKS)} avatar sheets written")


if __name__ == "__main__":
    main()
