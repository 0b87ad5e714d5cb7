"""references: the seed essay's real 参考文献 entries, and the same work written differently."""

from __future__ import annotations

from pathlib import Path

import pytest

from essay_kb.normalize import text_fingerprint
from essay_kb.references import (
    Reference,
    entry_fingerprint,
    parse_reference,
    reference_key,
    same_work,
    shared_references,
    title_matches,
)

SEED = Path(__file__).resolve().parents[1] / "corpus" / "xinchangtai-jiceng-dangzuzhi-jianshe.txt"


@pytest.fixture(scope="module")
def seed_references() -> dict[int, Reference]:
    """The seed essay's entries: the lines starting with "[" after 参考文献, keyed by their label."""
    tail = SEED.read_text(encoding="utf-8").split("参考文献", 1)[1]
    entries = [line.strip() for line in tail.splitlines() if line.strip().startswith("[")]
    refs = [parse_reference(entry) for entry in entries]
    return {ref.number: ref for ref in refs if ref.number is not None}


def test_seed_essay_has_five_parsed_journal_references(seed_references: dict[int, Reference]) -> None:
    assert sorted(seed_references) == [1, 2, 3, 4, 5]
    assert all(ref.parsed and ref.type_code == "J" for ref in seed_references.values())


def test_single_author_entry_with_joined_pages(seed_references: dict[int, Reference]) -> None:
    ref = seed_references[1]
    assert ref.authors == ("兰亢亢",)
    assert ref.title == "依托红色社团推进高校基层党组织建设和大学生思想政治教育"
    assert (ref.type_code, ref.venue, ref.year) == ("J", "佳木斯职业学院学报", 2018)
    assert (ref.volume, ref.issue, ref.pages) == (None, "07", "177+179")
    assert ref.raw.startswith("兰亢亢.") and ref.raw.endswith("177+179.")


def test_entry_with_volume_and_issue(seed_references: dict[int, Reference]) -> None:
    ref = seed_references[4]
    assert ref.authors == ("赵璐",)
    assert ref.title == "农村基层服务型党组织建设面临的问题及应对策略"
    assert (ref.type_code, ref.venue, ref.year) == ("J", "中共云南省委党校学报", 2015)
    assert (ref.volume, ref.issue, ref.pages) == ("16", "06", "104-107")


def test_three_authors_and_venue_with_parentheses(seed_references: dict[int, Reference]) -> None:
    ref = seed_references[5]
    assert ref.authors == ("高国明", "李华中", "霍清清")
    assert ref.title == "基于创新型基层党组织建设的研究生就业服务体系构建策略研究"
    assert (ref.type_code, ref.venue, ref.year) == ("J", "党史博采(理论)", 2014)
    assert (ref.issue, ref.pages) == ("12", "38-39+58")


def test_full_width_punctuation_reads_like_half_width(seed_references: dict[int, Reference]) -> None:
    ref = parse_reference(
        "［４］赵璐．农村基层服务型党组织建设面临的问题及应对策略［Ｊ］．中共云南省委党校学报，２０１５，１６（０６）：１０４－１０７．"
    )
    assert ref.number == 4
    assert ref.raw.startswith("赵璐．")  # raw keeps the entry as written
    assert (ref.title, ref.venue, ref.year, ref.volume, ref.issue, ref.pages) == (
        "农村基层服务型党组织建设面临的问题及应对策略",
        "中共云南省委党校学报",
        2015,
        "16",
        "06",
        "104-107",
    )
    assert same_work(ref, seed_references[4])


def test_truncated_author_list_is_the_same_work(seed_references: dict[int, Reference]) -> None:
    short = parse_reference("马正英,等.浅谈加强基层党组织建设与社会治理创新融合发展的策略[J].法制博览,2018(07):32-33.")
    assert short.authors == ("马正英",)
    assert seed_references[2].authors == ("马正英", "孙晓红", "刘翠莲")
    assert same_work(short, seed_references[2])


def test_spaces_and_traditional_characters_are_the_same_work(seed_references: dict[int, Reference]) -> None:
    spaced = parse_reference(
        "1. 兰亢亢. 依托红色社团推进高校基层党组织建设和大学生思想政治教育 [J]. 佳木斯职业学院学报, 2018(07): 177+179."
    )
    traditional = parse_reference(
        "[1]蘭亢亢.依託紅色社團推進高校基層黨組織建設和大學生思想政治教育[J].佳木斯職業學院學報,2018(07):177+179."
    )
    assert spaced.number == 1 and spaced.venue == "佳木斯职业学院学报"
    assert reference_key(traditional) == reference_key(seed_references[1])
    assert same_work(spaced, seed_references[1])
    assert same_work(traditional, seed_references[1])


def test_near_title_needs_a_shared_year_or_author(seed_references: dict[int, Reference]) -> None:
    # One character dropped from the title: close enough only because the year and author agree.
    typo = parse_reference(
        "赵璐.农村基层服务型党组织建设面临问题及应对策略[J].中共云南省委党校学报,2015,16(06):104-107."
    )
    assert same_work(typo, seed_references[4])
    stranger = parse_reference("钱七.农村基层服务型党组织建设面临问题及应对策略[J].某某学报,2009(01):1-2.")
    assert not same_work(stranger, seed_references[4])


def test_two_works_by_the_same_author_differ(seed_references: dict[int, Reference]) -> None:
    other = parse_reference(
        "[9]赵璐.城市社区服务型党组织建设面临的问题及应对策略[J].中共云南省委党校学报,2015,16(03):88-90."
    )
    assert other.authors == seed_references[4].authors and other.year == seed_references[4].year
    assert not same_work(other, seed_references[4])


def test_unparseable_entry_keeps_its_raw_text() -> None:
    ref = parse_reference("[7] 转载注明来源:某网站 无法识别的一行")
    assert not ref.parsed
    assert ref.number == 7
    assert ref.raw == "转载注明来源:某网站 无法识别的一行"
    assert (ref.title, ref.type_code, ref.authors) == (None, None, ())
    assert same_work(ref, parse_reference("转载注明来源: 某网站无法识别的一行"))


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            "Smith J, Doe A, et al. Deep learning for text[J]. Journal of AI, 2019, 12(3): 45-67.",
            (("Smith J", "Doe A"), "Deep learning for text", "J", "Journal of AI", 2019, "12", "3", "45-67"),
        ),
        (
            "[2]李四.中国共产党基层组织建设史[M].北京:人民出版社,2017:12-15.",
            (("李四",), "中国共产党基层组织建设史", "M", "人民出版社", 2017, None, None, "12-15"),
        ),
        (
            "[3]张三.论新时代基层党建[N].人民日报,2019-05-06(07).",
            (("张三",), "论新时代基层党建", "N", "人民日报", 2019, None, None, "07"),
        ),
        (
            "[4]王五.高校基层党组织建设研究[D].北京:北京大学,2015.",
            (("王五",), "高校基层党组织建设研究", "D", "北京大学", 2015, None, None, None),
        ),
        (
            "[5]习近平.在全国高校思想政治工作会议上的讲话[EB/OL].(2016-12-08)[2020-03-01]."
            "http://www.xinhuanet.com/politics/2016-12/08/c_1120082577.htm",
            (("习近平",), "在全国高校思想政治工作会议上的讲话", "EB/OL", None, 2016, None, None, None),
        ),
        (
            "[6]张三.党建新探[EB/OL].新华网,2019-05-06.[引用日期2020-01-01].http://x.cn/2021/a",
            (("张三",), "党建新探", "EB/OL", "新华网", 2019, None, None, None),
        ),
    ],
)
def test_other_reference_types(entry: str, expected: tuple[object, ...]) -> None:
    ref = parse_reference(entry)
    assert ref.parsed
    assert (ref.authors, ref.title, ref.type_code, ref.venue, ref.year, ref.volume, ref.issue, ref.pages) == expected


def test_shared_references_pairs_each_work_once(seed_references: dict[int, Reference]) -> None:
    ours = list(seed_references.values())
    theirs = [
        parse_reference(
            "［１］赵璐．农村基层服务型党组织建设面临的问题及应对策略［Ｊ］．中共云南省委党校学报，２０１５，１６（０６）：１０４－１０７．"
        ),
        parse_reference("[2]李四.中国共产党基层组织建设史[M].北京:人民出版社,2017."),
        parse_reference("[3]马正英等.浅谈加强基层党组织建设与社会治理创新融合发展的策略[J].法制博览,2018(7):32-33."),
    ]
    pairs = shared_references(ours, theirs)
    assert [(a.number, b.number) for a, b in pairs] == [(2, 3), (4, 1)]


def test_title_matches_an_essay_title(seed_references: dict[int, Reference]) -> None:
    assert title_matches(seed_references[3], "建设“三型”高校基层党组织实践策略研究——以对外汉语教学工作为例")
    assert title_matches(seed_references[3], "建设三型高校基层党组织实践策略研究:以对外汉语教学工作为例")
    assert not title_matches(seed_references[3], "新常态下基层党组织建设")
    assert not title_matches(seed_references[3], "")


def test_one_entry_numbered_differently_in_two_essays_has_one_fingerprint() -> None:
    corpus = SEED.parent
    lines = [line.strip() for path in (SEED, corpus / "demo" / "nongcun-jiceng-dangjian.txt")
             for line in path.read_text(encoding="utf-8").splitlines() if "赵璐" in line]
    assert [line[:3] for line in lines] == ["[4]", "[2]"]
    assert entry_fingerprint(lines[0]) == entry_fingerprint(lines[1]) == entry_fingerprint("［7］" + lines[1][3:])
    assert entry_fingerprint(lines[0]) != entry_fingerprint("[4]周文静.数字化背景下基层党建工作创新路径探析[J].")
    # Text that is not labelled keeps its ordinary fingerprint.
    assert entry_fingerprint(lines[0][3:]) == text_fingerprint(lines[0][3:])
