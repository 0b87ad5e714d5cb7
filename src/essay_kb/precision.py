"""What `precision = auto` means on this machine: bf16 only where a short measurement shows it clearly faster.

CPU flags alone do not say: with AMX bf16 embeds ~3x faster than fp32, with AVX512-BF16 and no AMX it was measured
1.30x slower. So on a CPU with any native bf16 flag the embedder times both precisions once (a few small batches)
and the choice is kept on disk per CPU model, bf16 flags, torch version and model, so later runs read it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from importlib import metadata
from pathlib import Path

log = logging.getLogger(__name__)

CPUINFO = Path("/proc/cpuinfo")
# x86 names (AMX tiles and AVX512 dot products) and the Arm feature name; any of them makes bf16 worth timing.
BF16_FLAGS = frozenset({"amx_bf16", "avx512_bf16", "bf16"})
MIN_SPEEDUP = 1.15  # below this, bf16's small rounding is not worth it and timing noise could pick it wrongly
DECISION_VERSION = 1  # bump when the measurement changes, so old decisions are measured anew

# Fixed passages to time, made of our own sentences: 2 batches of 16 passages of ~200 characters, about what an
# essay paragraph is. The text only needs realistic Chinese token counts, not meaning.
_SENTENCES = (
    "新常态下，基层党组织是党在社会基层组织中的战斗堡垒，是党的全部工作和战斗力的基础。",
    "加强基层党组织建设，关键在于选好配强带头人，让党员干部在服务群众中发挥先锋模范作用。",
    "经济发展进入新阶段，城乡社区治理面临许多新情况、新问题，需要创新工作方式和方法。",
    "一些地方存在组织生活不规范、党员教育管理松散等问题，必须以制度建设加以解决。",
    "数字化平台让党务公开和民主议事更加便捷，也对基层干部的能力提出了更高的要求。",
    "乡村振兴离不开坚强有力的村级组织，要把人才、资金和资源更多地引向基层一线。",
    "只有坚持问题导向，把责任落实到每一个支部、每一名党员，基层治理才能取得实效。",
    "这篇论文结合调研数据，分析了基层党组织在新常态下的作用、困难与改进路径。",
)
PROBE_BATCHES = tuple(
    tuple("".join(_SENTENCES[(b * 16 + i + k) % len(_SENTENCES)] for k in range(5)) for i in range(16))
    for b in range(2)
)


@dataclass(frozen=True)
class CpuFacts:
    """The CPU as far as bf16 is concerned."""

    model_name: str
    bf16_flags: tuple[str, ...]  # sorted; empty when the CPU has no native bf16 arithmetic

    @property
    def native_bf16(self) -> bool:
        return bool(self.bf16_flags)


def parse_cpuinfo(text: str) -> CpuFacts:
    """Read the model name and bf16 flags from the text of /proc/cpuinfo (x86 "flags", Arm "Features")."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields.setdefault(name.strip(), value.strip())
    flags = set((fields.get("flags") or fields.get("Features") or "").split())
    arm_model = " ".join(f"{k} {fields[k]}" for k in ("CPU implementer", "CPU part") if k in fields)
    model = fields.get("model name") or arm_model or "unknown"
    return CpuFacts(model, tuple(sorted(flags & BF16_FLAGS)))


def this_cpu(cpuinfo: Path = CPUINFO) -> CpuFacts:
    """This machine's CPU; an unreadable cpuinfo (macOS, Windows) counts as no native bf16, so fp32."""
    try:
        return parse_cpuinfo(cpuinfo.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return CpuFacts("unknown", ())


@dataclass(frozen=True)
class Timings:
    """Seconds per probe batch, paired: fp32[i] and bf16[i] ran one right after the other."""

    fp32: tuple[float, ...]
    bf16: tuple[float, ...]


def choose_precision(timings: Timings, min_speedup: float = MIN_SPEEDUP) -> tuple[str, float]:
    """The precision these timings favour and bf16's speedup over fp32 (the median of the paired ratios).

    Pairs rather than two medians because a shared machine drifts: a busy second slows both of a pair alike.
    bf16 must be clearly faster; a tie goes to fp32, which rounds nothing.
    """
    if not timings.fp32 or len(timings.fp32) != len(timings.bf16):
        raise ValueError("timings need the same number (at least one) of fp32 and bf16 batches")
    speedup = statistics.median(f / b for f, b in zip(timings.fp32, timings.bf16, strict=True))
    return ("bf16" if speedup >= min_speedup else "fp32"), speedup


def describe_speedup(speedup: float) -> str:
    if speedup >= 1:
        return f"bf16 {speedup:.2f}x faster"
    return f"bf16 {1 / speedup:.2f}x slower"


@dataclass(frozen=True)
class DecisionKey:
    """What a measured choice holds for: another CPU, torch or model is measured anew."""

    cpu_model: str
    bf16_flags: tuple[str, ...]
    torch_version: str
    model_fingerprint: str

    @classmethod
    def for_model(cls, model_fingerprint: str, cpu: CpuFacts | None = None) -> DecisionKey:
        cpu = cpu or this_cpu()
        # The installed version, read without importing torch (seconds) so `kb info` stays quick.
        return cls(cpu.model_name, cpu.bf16_flags, metadata.version("torch"), model_fingerprint)

    def file_name(self) -> str:
        digest = hashlib.sha256(json.dumps(dataclasses.astuple(self)).encode()).hexdigest()[:16]
        return f"auto-{digest}.json"


@dataclass(frozen=True)
class PrecisionChoice:
    """The precision an embedder runs in and why (what `kb info` shows)."""

    precision: str  # "fp32" or "bf16"
    reason: str
    source: str  # "setting", "flags", "measured" or "cached"
    speedup: float | None = None


def default_cache_dir() -> Path:
    """Beside the converted bundled model, in the user's cache folder."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("essay-kb")) / "precision"


def settled_choice(precision: str, key: Callable[[], DecisionKey], cache_dir: Path | None = None,
                   cpu: CpuFacts | None = None) -> PrecisionChoice | None:
    """The choice when no measurement is needed (a fixed setting, no native bf16, a cached decision), else None.

    `key` is called only when a cache lookup is needed, because fingerprinting a model reads its files.
    """
    cpu = cpu or this_cpu()
    if precision != "auto":
        slow = " (this CPU has no native bf16: slower than fp32)" if precision == "bf16" and not cpu.native_bf16 else ""
        return PrecisionChoice(precision, f"set by the precision setting{slow}", "setting")
    if not cpu.native_bf16:
        return PrecisionChoice("fp32", "no native bf16 (the CPU has neither AMX nor AVX512-BF16)", "flags")
    return _read_decision(key(), cache_dir or default_cache_dir())


def resolve_auto(key: DecisionKey, measure: Callable[[], Timings], cache_dir: Path | None = None) -> PrecisionChoice:
    """The cached choice for this key, or measure now, choose, and cache the choice for the next run."""
    cache_dir = cache_dir or default_cache_dir()
    if not any(key.bf16_flags):
        return PrecisionChoice("fp32", "no native bf16 (the CPU has neither AMX nor AVX512-BF16)", "flags")
    cached = _read_decision(key, cache_dir)
    if cached is not None:
        return cached
    timings = measure()
    precision, speedup = choose_precision(timings)
    needed = "" if precision == "bf16" else f", below the {MIN_SPEEDUP:.2f}x needed"
    choice = PrecisionChoice(precision, f"measured: {describe_speedup(speedup)}{needed}", "measured", speedup)
    _write_decision(key, cache_dir, precision, speedup, timings)
    log.info("precision auto on %s: %s", key.cpu_model, choice.reason)
    return choice


def _read_decision(key: DecisionKey, cache_dir: Path) -> PrecisionChoice | None:
    """A decision file for exactly this key, or None (missing, unreadable or damaged files are measured anew)."""
    path = cache_dir / key.file_name()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        stored = DecisionKey(data["cpu_model"], tuple(data["bf16_flags"]), data["torch_version"],
                             data["model_fingerprint"])
        precision, speedup, day = data["precision"], float(data["speedup"]), str(data["date"])
        if stored != key or data["version"] != DECISION_VERSION or precision not in ("fp32", "bf16"):
            return None
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring the unreadable precision decision %s (%s); measuring again", path, exc)
        return None
    return PrecisionChoice(precision, f"cached from {day}: {describe_speedup(speedup)}", "cached", speedup)


def _write_decision(key: DecisionKey, cache_dir: Path, precision: str, speedup: float, timings: Timings) -> None:
    """Write atomically (a reader never sees half a file); a read-only cache only costs a measurement next time."""
    record = {**dataclasses.asdict(key), "version": DECISION_VERSION, "precision": precision,
              "speedup": round(speedup, 3), "date": date.today().isoformat(),
              "timings": {"fp32": list(timings.fp32), "bf16": list(timings.bf16)}}
    tmp: str | None = None
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".auto-", suffix=".tmp", dir=cache_dir)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(record, fh, indent=2, ensure_ascii=False)
        os.replace(tmp, cache_dir / key.file_name())
    except OSError as exc:
        log.warning("could not cache the precision decision in %s (%s)", cache_dir, exc)
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)

