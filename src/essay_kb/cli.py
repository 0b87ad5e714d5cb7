"""`kb`: parse arguments, call KnowledgeBase, print. No retrieval logic lives here."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from essay_kb.changes import Changes
from essay_kb.chunker import CHUNK_KINDS, Chunk
from essay_kb.confidence import NO_GOOD_ANSWER, answered
from essay_kb.config import SETTINGS, load_config
from essay_kb.errors import EssayKBError
from essay_kb.evaluate import read_questions
from essay_kb.indexer import BUILD_STAGES, BuildReport
from essay_kb.kb import KnowledgeBase
from essay_kb.search import MODES, Hit, SearchFilter
from essay_kb.store import current_manifest

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


SHOWN_NAMES = 10  # per kind of change; a first build of a big corpus would otherwise print every file


def _build(kb: KnowledgeBase, rebuild: bool = False, wait: float = 0) -> BuildReport:
    # The model loads only once the build holds the lock and finds work (the "load" stage), so a busy lock or
    # an up-to-date index answers at once.
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task("waiting for the build lock" if wait else "checking the index", total=None)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=BUILD_STAGES.get(stage, stage), completed=done,
                       total=None if stage == "load" else total)

        report = kb.build(progress, rebuild=rebuild, wait=wait)
    for problem in report.problems:
        err.print(f"[yellow]skipped:[/] {escape(problem)}", soft_wrap=True)
    for note in report.notes:
        err.print(f"[yellow]note:[/] {escape(note)}", soft_wrap=True)
    if report.up_to_date:
        out.print("index is up to date; nothing to do (use --rebuild to read every essay again)")
        return report
    speed = f", {report.passages_per_second:.1f} passages/s" if report.embedded else ""
    out.print(f"indexed {report.essays} essays, {report.chunks} passages in {report.seconds:.1f} s: "
              f"{report.embedded} embedded{speed}, {report.reused} reused → {kb.config.index}")
    return report


def _names(ids: Sequence[str]) -> str:
    more = f" … and {len(ids) - SHOWN_NAMES} more" if len(ids) > SHOWN_NAMES else ""
    return ", ".join(ids[:SHOWN_NAMES]) + more


def print_changes(changes: Changes) -> None:
    for label, ids in (("added", changes.added), ("changed", changes.changed), ("removed", changes.removed)):
        if ids:
            out.print(f"  {label}: {_names(ids)}", markup=False)
    for old, new in changes.renamed[:SHOWN_NAMES]:
        out.print(f"  renamed: {old} → {new} (its passages are not embedded again)", markup=False)
    for essay_id, names in changes.aliases.items():
        out.print(f"  same file under several names, indexed once as {essay_id}: {', '.join(names)}", markup=False)
    for skipped in changes.skipped:
        err.print(f"[yellow]skipped:[/] {escape(skipped.problem)}")


def cmd_index(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    changes = kb.status()
    out.print(f"corpus {kb.config.corpus}: {changes.summary()}", markup=False)
    print_changes(changes)
    if changes.store_changed:
        out.print(f"the vector store changes to {kb.config.vector_store}: vectors are copied into it, none embedded")
    if changes.outdated:
        out.print("the index was built with other settings (model, chunker, max_chars or tokenizer): "
                  "every essay is read again")
    # Even when the corpus is unchanged the build runs: it verifies the index and repairs a damaged one, and
    # returns without loading the model when there is nothing to do.
    _build(kb, rebuild=args.rebuild, wait=-1 if args.wait is None else args.wait)
    return 0


def cmd_check(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    problems = kb.check()
    for problem in problems:
        out.print(f"problem: {problem}", markup=False)
    if problems:
        return 1
    manifest = current_manifest(kb.config.index)
    assert manifest is not None  # a missing index is a problem above
    out.print(f"index OK: {len(manifest.essays)} essays, {manifest.chunks} passages, {len(manifest.files)} files "
              f"checked, model {manifest.model.fingerprint}, up to date with {kb.config.corpus}", markup=False)
    return 0


def _passage(hit: Hit) -> Text:
    """The passage with its best sentence in bold and the matched terms underlined."""
    text = Text(hit.chunk.text)
    if hit.highlight:
        text.stylize("bold", *hit.highlight.sentence)
        for start, end in hit.highlight.term_spans:
            text.stylize("underline yellow", start, end)
    return text


def _explain(hit: Hit) -> str:
    dense = "—" if hit.dense_rank is None else f"cosine {hit.dense_score:.3f} (rank {hit.dense_rank})"
    lexical = "—" if hit.lexical_rank is None else f"BM25 {hit.lexical_score:.2f} (rank {hit.lexical_rank})"
    terms = "、".join(hit.matched_phrases) or "none"
    sure = "" if hit.confidence is None else f"; confidence {hit.confidence:.3f}"
    return f"   why: dense {dense}; lexical {lexical}; fused {hit.score:.3f}{sure}; matched terms: {terms}"


def cmd_ask(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    flt = SearchFilter(essays=tuple(args.essay or ()), kinds=tuple(args.kind or ()), section=args.section)
    hits = kb.ask(args.question, args.k, mode=args.mode, flt=flt, context=args.context)
    if args.json:
        _print_json([h.as_dict() for h in hits])
        return 0
    if not hits:
        out.print("no passage matches; try other words, another --mode, or fewer filters")
    elif answered([h.confidence for h in hits]) is False:
        out.print(NO_GOOD_ANSWER, style="yellow", markup=False)
    for hit in hits:
        out.print(Text.assemble((f"{hit.rank}. ", "bold"), (hit.citation, "cyan"),
                                (f"  {hit.chunk.kind} · {hit.shown_score}", "dim")))
        if args.explain:
            out.print(_explain(hit), style="dim", markup=False)
        for before in hit.before:
            out.print(before.text, style="dim", markup=False)
        out.print(_passage(hit))
        for after in hit.after:
            out.print(after.text, style="dim", markup=False)
        for place in hit.duplicates:
            out.print(f"   also in: {place.title} › {place.section}", style="dim", markup=False)
        out.print()
    return 0


def cmd_add(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    added = kb.add([Path(f) for f in args.files])
    out.print(f"added {len(added)} essay(s) to {kb.config.corpus}: {', '.join(added)}")
    _build(kb, wait=-1 if args.wait is None else args.wait)
    return 0


def cmd_eval(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    report = kb.evaluate(read_questions(Path(args.questions)), mode=args.mode)
    if args.json:
        _print_json(report.as_dict())
        return 0
    table = Table(title=f"{report.questions} questions")
    table.add_column("level")
    for metric in report.passage:
        table.add_column(metric, justify="right")
    for level, scores in (("passage", report.passage), ("essay", report.essay)):
        table.add_row(level, *(f"{v:.3f}" for v in scores.values()))
    out.print(table)
    return 0


def _place(chunk: Chunk) -> str:
    """Where a passage stands, for people: its section and paragraph, or its role when it has no section."""
    where = chunk.section_path or {"abstract": "abstract", "conclusion": "conclusion"}.get(chunk.kind, "before the "
                                                                                                    "first section")
    return f"{where} ¶{chunk.paragraph}" if chunk.paragraph else where


def cmd_compare(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    comparison = kb.compare(args.a, args.b)
    if args.json:
        _print_json(comparison.as_dict())
        return 0
    data = comparison.as_dict()
    out.print(Text.assemble("A ", (comparison.a.essay.title, "bold"), "  ↔  B ", (comparison.b.essay.title, "bold")))
    out.print(f"A's text also in B: {comparison.overlap_a:.0%} · B's text also in A: {comparison.overlap_b:.0%} · "
              f"A's text reworded from B: {comparison.reworded_a:.0%} · shared references: "
              f"{len(comparison.shared_references)}", markup=False)
    out.print("A's paragraphs: " + " · ".join(f"{n} {label}" for label, n in data["labels"].items()), markup=False)
    for pair in comparison.a_to_b:
        partner = (f"  ⟷  B {_place(pair.b)} (characters alike {pair.chars:.0%}, meaning {pair.cosine:.3f})"
                   if pair.b is not None else "  (nothing close in B)")
        out.print(f"  {pair.label:<14} A {_place(pair.a)}{partner}", markup=False)
    if comparison.shared:
        out.print("Text both hold (runs of 30 or more characters):")
        for span in comparison.shared:
            text = span.text if len(span.text) <= 60 else span.text[:57] + "…"
            out.print(f"  “{text}”  A {_place(span.a)} · B {_place(span.b)}", markup=False)
    return 0


def cmd_related(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    ranked = kb.related(args.essay, args.k)
    if args.json:
        _print_json([r.as_dict() for r in ranked])
        return 0
    if not ranked:
        out.print("No other indexed essay has body text to compare with.")
        return 0
    out.print("closeness: how much nearer this essay's paragraphs come than to a typical essay of the corpus "
              "(0 typical, 2 or more close, a copy far more)", style="dim")
    for i, r in enumerate(ranked, start=1):
        out.print(Text.assemble((f"{i}. ", "bold"), (r.title or r.essay_id, "cyan"), f"  {r.essay_id}"))
        evidence = [f"closeness {r.score:.1f}", f"close paragraphs {r.close_share:.0%}",
                    f"shared text {r.shared_text:.0%}"]
        if r.shared_keywords:
            evidence.append("shared keywords " + "、".join(r.shared_keywords))
        if r.shared_references:
            evidence.append(f"shared references {r.shared_references}")
        out.print("   " + " · ".join(evidence), markup=False)
    return 0


def cmd_refs(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    refs = kb.references(args.essay)
    if args.json:
        _print_json([{**ref.__dict__, "authors": list(ref.authors), "cites_essay": cited} for ref, cited in refs])
        return 0
    for ref, cited in refs:
        if not ref.parsed:
            out.print(f"[{ref.number}] (not parsed) {ref.raw}", markup=False)
            continue
        where = f"{ref.venue or ''} {ref.year or ''}" + (f"({ref.issue})" if ref.issue else "")
        out.print(f"[{ref.number}] {'、'.join(ref.authors)}《{ref.title}》[{ref.type_code}] {where.strip()}"
                  + (f" {ref.pages}" if ref.pages else "") + (f"  → in corpus: {cited}" if cited else ""),
                  markup=False)
    return 0


def cmd_show(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    report = kb.essay_report(args.essay)
    if args.json:
        _print_json(report.as_dict())
        return 0
    one_line: dict[str, Any] = {} if args.full else {"no_wrap": True, "overflow": "ellipsis"}
    out.print(Text(report.essay.title, style="bold"), Text(f"  ({report.essay.id}: {report.note})", style="dim"))
    for _, label, value in report.fields():
        out.print(Text.assemble((f"  {label}  ", "cyan"), value), **one_line)
    out.print(Text(f"dropped ({len(report.essay.dropped)} lines)", style="bold"))
    for line, reason in report.essay.dropped:
        out.print(Text.assemble(f"  {line}", (f"  ← {reason}", "dim")))
    out.print(Text(f"passages ({len(report.passages)})", style="bold"))
    for c in report.passages:
        where = c.section_path or "(front)"
        text = c.text if args.full else c.text.replace("\n", " ")[:60] + ("…" if len(c.text) > 60 else "")
        out.print(Text.assemble((f"  {c.kind:<10} ", "cyan"), where, f" › ¶{c.paragraph}" if c.paragraph else "",
                                (f"  [{c.start}–{c.end}]  ", "dim"), text), **one_line)
    return 0


def cmd_info(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    info = kb.info()
    if args.json:
        _print_json(info)
        return 0
    for section, values in info.items():
        out.print(f"[bold]{section}[/]")
        if values is None:
            out.print(f"  none — build it with `kb index --index {kb.config.index}`", markup=False)
            continue
        for key, value in values.items():
            out.print(f"  {key}: {value}", markup=False)
    return 0


def cmd_serve(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    from essay_kb.server import serve  # FastAPI and uvicorn load for this command only

    if not kb.config.token and args.host not in ("127.0.0.1", "localhost", "::1"):
        err.print(f"[yellow]note:[/] listening on {escape(args.host)} without a token: anyone who can reach it can "
                  "start rebuilds (set one with --token or ESSAY_KB_TOKEN)")
    out.print(f"serving {kb.config.index} on http://{args.host}:{args.port} (API docs at /docs); Ctrl+C stops",
              markup=False)
    serve(kb, args.host, args.port)
    return 0


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    for setting in SETTINGS:
        if setting.flag:
            common.add_argument(setting.option, help=f"{setting.help} (default: {setting.default})")
    parser = argparse.ArgumentParser(prog="kb", description="Search a knowledge base of Chinese essays.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("index", parents=[common], help="build or update the index of the corpus")
    p.add_argument("--rebuild", action="store_true",
                   help="read and chunk every essay again (vectors of unchanged text still come from the cache)")
    p.add_argument("--wait", type=float, nargs="?", const=None, default=0, metavar="SECONDS",
                   help="when another build is running, wait for it (for SECONDS, or as long as it takes) instead "
                        "of stopping with who holds the lock")
    p.set_defaults(run=cmd_index)
    p = sub.add_parser("check", parents=[common], help="verify the index: files, checksums, counts, model, corpus")
    p.set_defaults(run=cmd_check)
    p = sub.add_parser("ask", parents=[common], help="find the passages that answer a question")
    p.add_argument("question")
    p.add_argument("-k", type=int, default=None, help="number of passages (default: 5)")
    p.add_argument("--json", action="store_true", help="print the hits as JSON (with highlight spans)")
    p.add_argument("--mode", choices=MODES, default="hybrid", help="retriever (default: hybrid)")
    p.add_argument("--explain", action="store_true", help="show the dense, BM25 and fused scores of each hit")
    p.add_argument("--context", type=int, default=0, metavar="N", help="show N paragraphs around each hit")
    p.add_argument("--essay", action="append", metavar="ID", help="only this essay (repeatable)")
    p.add_argument("--kind", action="append", choices=CHUNK_KINDS, help="only this chunk type (repeatable)")
    p.add_argument("--section", help="only passages whose section path starts with this")
    p.set_defaults(run=cmd_ask)
    p = sub.add_parser("add", parents=[common], help="copy essays into the corpus and index them")
    p.add_argument("files", nargs="+")
    p.add_argument("--wait", type=float, nargs="?", const=None, default=0, metavar="SECONDS",
                   help="when another build is running, wait for it before indexing")
    p.set_defaults(run=cmd_add)
    p = sub.add_parser("eval", parents=[common], help="measure retrieval on a JSONL question set")
    p.add_argument("questions")
    p.add_argument("--json", action="store_true")
    p.add_argument("--mode", choices=MODES, default="hybrid", help="retriever (default: hybrid)")
    p.set_defaults(run=cmd_eval)
    p = sub.add_parser("compare", parents=[common], help="align two essays' paragraphs (ids or file paths)")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--json", action="store_true", help="aligned pairs with labels and scores, and the overlap")
    p.set_defaults(run=cmd_compare)
    p = sub.add_parser("related", parents=[common], help="rank the other essays by relatedness to one")
    p.add_argument("essay", help="an indexed essay id or a file path")
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_related)
    p = sub.add_parser("refs", parents=[common], help="an essay's references, parsed, with the essays they cite")
    p.add_argument("essay", help="an indexed essay id or a file path")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_refs)
    p = sub.add_parser("show", parents=[common], help="how one essay was read: title, metadata, dropped lines, "
                                                       "passages with types, sections and offsets")
    p.add_argument("essay", help="an essay id (its file in the corpus)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--full", action="store_true", help="print each passage whole, not cut to one line")
    p.set_defaults(run=cmd_show)
    p = sub.add_parser("info", parents=[common], help="model, index and corpus status")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_info)
    p = sub.add_parser("serve", parents=[common], help="answer over HTTP: a JSON API (docs at /docs)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8321, help="port (default: 8321)")
    p.add_argument("--token", help="require `Authorization: Bearer TOKEN` for POST /rebuild (or ESSAY_KB_TOKEN)")
    p.set_defaults(run=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    run: Callable[[KnowledgeBase, argparse.Namespace], int] = args.run
    try:
        # Flags of every command, and the settings only some commands take (serve's --token).
        config = load_config({s.name: getattr(args, s.name, None) for s in SETTINGS})
        return run(KnowledgeBase(config), args)
    except EssayKBError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return 1
    except KeyboardInterrupt:
        err.print("interrupted; the previous index is unchanged")
        return 130


if __name__ == "__main__":
    sys.exit(main())
