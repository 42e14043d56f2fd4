"""Draw synthetic fronts of resident ID cards for the OCR tests and benchmark.

Every name, address and number here is made up. The numbers have real region
codes and birth dates and, except for the cards marked ``check_valid: false``,
a correct GB 11643 check character. The PNGs and labels.json are committed,
so tests never need the font. Rerun this script only to change the set:

    .venv/bin/python tests/data/id_cards/generate.py

It needs Noto Sans CJK (Debian package fonts-noto-cjk) and Pillow.
"""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from lendapp.domain.kyc import check_character

OUTPUT_DIR = Path(__file__).resolve().parent
FONT_PATH = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
# Index of the Simplified Chinese face inside the collection (JP, KR, SC, TC, HK).
FONT_INDEX_SC = 2
SIZE = (640, 404)
ADDRESS_LINE_CHARS = 11
SEED = 20261204


@dataclasses.dataclass(frozen=True)
class Card:
    """The printed fields of one synthetic card and how to degrade its picture."""

    file: str
    name: str
    sex: str
    ethnicity: str
    birth: tuple[int, int, int]
    address: str
    body: str
    wrong_check: bool = False
    variant: str = "clean"

    @property
    def id_number(self) -> str:
        """Return the 18-character number, with a deliberately wrong check character when ``wrong_check``."""
        right = check_character(self.body)
        if not self.wrong_check:
            return self.body + right
        return self.body + ("0" if right != "0" else "1")


CARDS = [
    Card("card_01.png", "张伟明", "男", "汉", (1990, 3, 7), "北京市东城区和平里东街18号院3号楼2单元501室", "11010119900307103"),
    Card("card_02.png", "李秀英", "女", "汉", (1995, 11, 20), "四川省成都市武侯区科华北路66号", "51010719951120342", variant="noise"),
    Card("card_03.png", "王建国", "男", "汉", (1988, 6, 17), "江苏省昆山市玉山镇前进西路210号", "32058319880617251", variant="rotate"),
    Card("card_04.png", "刘芳", "女", "回", (1960, 1, 1), "浙江省杭州市西湖区文三路98号4幢1单元302室", "33010619600101002", variant="blur"),
    Card("card_05.png", "陈晓东", "男", "汉", (1985, 9, 12), "广东省深圳市南山区科技园南区高新南七道9号", "44030519850912481", variant="dim"),
    Card("card_06.png", "杨丽娟", "女", "满", (1992, 4, 28), "湖北省武汉市武昌区中南路77号", "42010619920428562", variant="noise"),
    Card("card_07.png", "黄海涛", "男", "汉", (1979, 12, 3), "山东省青岛市市南区香港中路36号2单元1202户", "37020219791203031", variant="rotate"),
    Card("card_08.png", "周婷", "女", "壮", (2000, 7, 15), "陕西省西安市雁塔区小寨东路126号", "61011320000715154", variant="clean"),
    Card("card_09.png", "吴国华", "男", "汉", (1970, 2, 9), "上海市浦东新区张杨路500号", "31011519700209217", variant="blur"),
    Card("card_10.png", "徐静怡", "女", "汉", (1998, 10, 1), "重庆市渝中区解放碑民权路28号", "50010319981001408", variant="dim"),
    Card("card_11.png", "孙立新", "男", "汉", (1990, 3, 7), "北京市东城区东四北大街107号", "11010119900307103", wrong_check=True),
    Card("card_12.png", "马玉兰", "女", "回", (1983, 5, 30), "辽宁省沈阳市和平区南京南街19号", "21010219830530222", wrong_check=True, variant="noise"),
]


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_PATH), size, index=FONT_INDEX_SC)


def _background() -> Image.Image:
    image = Image.new("RGB", SIZE, (236, 240, 238))
    draw = ImageDraw.Draw(image)
    # Faint wavy guilloche lines, like the security print of a real card.
    for offset in range(0, SIZE[1], 14):
        points = [(x, offset + 4 * ((x // 40) % 2)) for x in range(0, SIZE[0] + 40, 40)]
        draw.line(points, fill=(220, 228, 232), width=1)
    draw.rounded_rectangle((2, 2, SIZE[0] - 3, SIZE[1] - 3), radius=18, outline=(190, 200, 205), width=2)
    # Photo area with a plain silhouette.
    draw.rectangle((440, 60, 600, 260), fill=(214, 222, 228))
    draw.ellipse((485, 90, 555, 170), fill=(176, 186, 194))
    draw.pieslice((455, 170, 585, 300), 180, 360, fill=(176, 186, 194))
    return image


def _draw_card(card: Card) -> Image.Image:
    image = _background()
    draw = ImageDraw.Draw(image)
    label, value, number_font = _font(20), _font(24), _font(28)
    label_color, value_color = (70, 110, 150), (20, 20, 20)

    draw.text((40, 48), "姓 名", font=label, fill=label_color)
    draw.text((110, 44), card.name, font=value, fill=value_color)
    draw.text((40, 98), "性 别", font=label, fill=label_color)
    draw.text((110, 94), card.sex, font=value, fill=value_color)
    draw.text((190, 98), "民 族", font=label, fill=label_color)
    draw.text((260, 94), card.ethnicity, font=value, fill=value_color)
    year, month, day = card.birth
    draw.text((40, 148), "出 生", font=label, fill=label_color)
    draw.text((110, 144), f"{year} 年 {month} 月 {day} 日", font=value, fill=value_color)
    draw.text((40, 198), "住 址", font=label, fill=label_color)
    for index in range(0, len(card.address), ADDRESS_LINE_CHARS):
        line = card.address[index:index + ADDRESS_LINE_CHARS]
        draw.text((110, 194 + 34 * (index // ADDRESS_LINE_CHARS)), line, font=value, fill=value_color)
    draw.text((40, 330), "公民身份号码", font=label, fill=label_color)
    draw.text((180, 324), card.id_number, font=number_font, fill=value_color)
    return image


def _degrade(image: Image.Image, variant: str, rng: random.Random) -> Image.Image:
    if variant == "rotate":
        angle = rng.choice((-1, 1)) * rng.uniform(2.0, 4.0)
        return image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=(120, 120, 120))
    if variant == "blur":
        return image.filter(ImageFilter.GaussianBlur(radius=1.2))
    if variant == "dim":
        return image.point(lambda value: int(value * 0.72))
    if variant == "noise":
        noisy = image.copy()
        pixels = noisy.load()
        for _ in range(SIZE[0] * SIZE[1] // 25):
            x, y = rng.randrange(SIZE[0]), rng.randrange(SIZE[1])
            shade = rng.randrange(90, 200)
            pixels[x, y] = (shade, shade, shade)
        return noisy
    return image


def main() -> None:
    """Write the PNGs and labels.json next to this script."""
    rng = random.Random(SEED)
    labels = []
    for card in CARDS:
        image = _degrade(_draw_card(card), card.variant, rng)
        # A 64-colour palette keeps each file well under 60 KB.
        image.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(OUTPUT_DIR / card.file, optimize=True)
        year, month, day = card.birth
        labels.append({
            "file": card.file,
            "name": card.name,
            "sex": card.sex,
            "ethnicity": card.ethnicity,
            "birth_date": f"{year:04d}-{month:02d}-{day:02d}",
            "address": card.address,
            "id_number": card.id_number,
            "check_valid": not card.wrong_check,
            "variant": card.variant,
        })
    about = "Synthetic ID card fronts drawn by generate.py; no field belongs to a real person."
    document = {"about": about, "cards": labels}
    (OUTPUT_DIR / "labels.json").write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
