"""Measure words from a maintained lexicon: the entries tagged ``q`` in jieba's dictionary.

Units are an open class (颗, 发, 艘, 标准箱, 人次 …); a hand list in the rules always lags the
documents. At set-up, ``python -m pipeline.targets.lexicon SDIST`` takes ``jieba/dict.txt`` from the
``jieba==0.42.1`` source distribution on PyPI (the Makefile downloads it with pip
``--require-hashes``), checks the sdist's and the dictionary's sha256, and writes the
measure words to ``models/lexicon/measure_words.tsv`` with their source and hashes in a
header. The target rules (``pipeline.targets.Rules``) add them to their unit list; the
built spaCy pipeline carries the merged list, so nothing is read from jieba at run time.

Entries whose measure-word sense is rare in policy prose and whose other senses are common
there (些, 种种, 公元, 系列, 级, 代, 番 …) and time words (天, 分钟 …: per-case time limits are
rules, addendum D22) are left out by ``EXCLUDED``; the list and the reason are here, not
in the rules.
"""

from __future__ import annotations

import hashlib
import re
import sys
import tarfile
from pathlib import Path

from pipeline.settings import get_settings

JIEBA_SDIST = "jieba-0.42.1.tar.gz"
JIEBA_SDIST_SHA256 = "055ca12f62674fafed09427f176506079bc135638a14e23e25be909131928db2"
DICT_MEMBER = "jieba-0.42.1/jieba/dict.txt"
DICT_SHA256 = "7197c3211ddd98962b036cdf40324d1ea2bfaa12bd028e68faa70111a88e12a8"
LEXICON_FILE = "measure_words.tsv"

# Not units in policy targets, although jieba tags them q: quantity words without a count
# (些, 种种), era and order words (公元, 代, 级, 番: 翻番 has its own rule), words whose
# measure sense is rare here (道, 段, 句, 章, 曲, 堂, 帐, 盾, 腔, 尊, 顿), and time words
# (a number of days or minutes is a time limit, a rule with a number: addendum D22).
EXCLUDED = frozenset(
    "些 种种 公元 系列 级 代 番 道 段 句 章 曲 堂 帐 盾 腔 尊 顿 口 股 封 圈 帖 幕 "
    "天 分钟 秒 秒钟 小时 钟头 周 星期 礼拜 年 月 日 号 时 刻 旬 季 宿 夜 晚 岁 辈 世 "
    "下 遍 回 趟 阵 场次 "
    # from numeral compounds: parts of numbers and approximations (点 一点五, 成 九成, 分
    # 三分之一 or a score, 半, 折, 零, 多, 余, 左右, 等), words whose measure sense is rare
    # in policy text, and more time words
    "点 分 成 半 折 零 多 余 左右 等 出 儿 子 着 美 色 重 下子 开 方 方面 打 手 身 脸 眼 头 "
    "文 通 路 线 维 目 品 味 声 响 刀 拳 脚 记 样 派 溜 抹 撇 汪 端 胎 峰 尾 局 席 帮 伙 会 "
    "任 乡 届 辈子 周岁 周年 季度 日份 月份 个月 点钟 点半 歌 首歌 步曲 部曲 遭 把手 把刀 "
    "档子 分号 分尺 分点 人份 兆 亿 元 美元 对半 大部 大类 大块 小块 大片 小片 "
    "出头 半儿 行 车 步 招 站 班 载 角 纸 服 担 把 本 对 双".split()
)
_NUMERALS = "一二两三四五六七八九十几数百千万"

def lexicon_path(models_dir: Path | None = None) -> Path:
    """Where the provisioned measure words live: ``models/lexicon/measure_words.tsv``."""
    return (models_dir or get_settings().models_dir) / "lexicon" / LEXICON_FILE


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_NUMERAL = re.compile("[0-9一二三四五六七八九十百千万亿两零〇]")
_PREFIX = re.compile("^(?:平方|立方|千|毫|微|厘|分|公|吨|英|兆|海)+")


def measure_words_from_dict(text: str) -> list[str]:
    """The measure words of a jieba dictionary (``word freq tag`` lines), cleaned: the
    words tagged ``q``, and the words that follow at least two numerals in the dictionary's
    numeral compounds (``一颗``/``两颗`` → 颗, ``一斤``/``三斤`` → 斤: jieba tags 颗 itself ``m``).

    jieba's ``q`` tag also sits on idioms and segmentation debris (``一壸千金``,
    ``掏耳朵``, ``个里``). Kept: words of one or two characters without a numeral that are
    not reduplicated (``阵阵``) or a word + locative 里 (``组里``: "in the group"; 公里, 英里,
    海里 stay), and longer words that are a
    metric prefix + a kept word (``平方公里``, ``立方米``, ``千瓦时``). Minus EXCLUDED.
    """
    tagged = set()
    after_numeral: dict[str, set[str]] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue
        word, tag = parts[0], parts[2]
        if tag == "q" and word not in EXCLUDED:
            tagged.add(word)
        # ``一颗``, ``两颗``, ``三颗`` (tag m/mq): 颗 follows numerals, so it counts things.
        if tag in ("m", "mq", "q") and len(word) >= 2 and word[0] in _NUMERALS \
                and not any(c in _NUMERALS for c in word[1:]) and word[1] not in "余多大小亿":
            after_numeral.setdefault(word[1:], set()).add(word[0])
    tagged |= {w for w, nums in after_numeral.items() if len(nums) >= 2 and len(w) <= 3 and w not in EXCLUDED}
    short = {w for w in tagged if len(w) <= 2 and not _NUMERAL.search(w)
             and not (len(w) == 2 and w[0] == w[1])  # 朵朵, 阵阵: reduplication, "every"
             and not (len(w) == 2 and w[1] == "里" and w[0] not in "公英海市")}  # 组里: locative
    long = set()
    for w in tagged - short:
        m = _PREFIX.match(w)
        if len(w) > 2 and m and not _NUMERAL.search(w) and any(w.endswith(u) and len(u) < len(w) for u in short | {"米", "克", "升", "瓦", "时"}):
            long.add(w)
    return sorted(short | long)


def provision(sdist: Path, dest: Path | None = None) -> Path:
    """Verify the jieba sdist and its dictionary, write the measure words; returns the file."""
    data = sdist.read_bytes()
    if _sha256(data) != JIEBA_SDIST_SHA256:
        raise SystemExit(f"{sdist}: sha256 {_sha256(data)} != expected {JIEBA_SDIST_SHA256}; refusing it")
    with tarfile.open(sdist) as tf:
        member = tf.extractfile(DICT_MEMBER)
        if member is None:
            raise SystemExit(f"{sdist}: no {DICT_MEMBER}")
        raw = member.read()
    if _sha256(raw) != DICT_SHA256:
        raise SystemExit(f"{sdist}: {DICT_MEMBER} does not match its recorded sha256")
    words = measure_words_from_dict(raw.decode("utf-8"))
    dest = dest or lexicon_path()
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".tmp")
    tmp.write_text(
        f"# measure words (tag q) of {DICT_MEMBER} from {JIEBA_SDIST} (sha256 {JIEBA_SDIST_SHA256});\n"
        f"# dict.txt sha256 {DICT_SHA256}; {len(words)} words after pipeline.targets.lexicon.EXCLUDED\n"
        + "\n".join(words) + "\n",
        encoding="utf-8",
    )
    tmp.replace(dest)
    return dest


def load_measure_words(path: Path | None = None) -> list[str]:
    """The provisioned measure words, or [] when they were not provisioned."""
    path = path or lexicon_path()
    if not path.is_file():
        return []
    return [w for w in path.read_text(encoding="utf-8").splitlines() if w and not w.startswith("#")]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(f"usage: python -m pipeline.targets.lexicon PATH/{JIEBA_SDIST}", file=sys.stderr)
        return 2
    print(f"wrote {provision(Path(argv[0]))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
