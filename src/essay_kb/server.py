"""`kb serve`: the KnowledgeBase as an HTTP JSON API (FastAPI), with rebuilds run in a background thread.

One KnowledgeBase serves every request, so the model loads once. Searches keep answering while a rebuild runs:
they read the generation that is current when they start, and move to the new one once the build has published
it whole (KnowledgeBase.index is safe across threads). Errors the user can act on (EssayKBError) come back as
{"error": message} with 400, 404 or 409; anything else is a bug and stays a 500 with its traceback in the log.
"""

from __future__ import annotations

import hmac
import itertools
import logging
import threading
import time
from dataclasses import asdict, dataclass, replace
from typing import Annotated, Any

import uvicorn
from fastapi import FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from essay_kb.chunker import CHUNK_KINDS
from essay_kb.confidence import answered
from essay_kb.errors import EssayKBError, EssayNotFound, IndexBusy, IndexMissing
from essay_kb.indexer import BUILD_STAGES, BuildReport
from essay_kb.kb import KnowledgeBase
from essay_kb.search import MODES, SearchFilter

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"  # this machine only; another interface is a deliberate --host
DEFAULT_PORT = 8321


@dataclass(frozen=True)
class RebuildStatus:
    """One rebuild started through the API, as GET /rebuild shows it."""

    job: str
    started: float  # time.time()
    stage: str = "starting"  # a BUILD_STAGES key while it runs
    stage_text: str = "checking the index"
    done: int = 0
    total: int = 0
    finished: bool = False
    error: str | None = None
    result: dict[str, Any] | None = None  # what the build did, once finished without error

    def describe(self) -> str:
        """The running build in words, for the 409 a second POST gets."""
        since = time.strftime("%H:%M:%S", time.localtime(self.started))
        return f"rebuild {self.job}, started {since}, now {self.stage_text} ({self.done}/{self.total})"


def _build_result(kb: KnowledgeBase, report: BuildReport) -> dict[str, Any]:
    return {"up_to_date": report.up_to_date, "essays": report.essays, "passages": report.chunks,
            "embedded": report.embedded, "reused": report.reused, "seconds": round(report.seconds, 3),
            "problems": list(report.problems), "notes": list(report.notes),
            "generation": (kb.info().get("index") or {}).get("generation")}


class Rebuilds:
    """At most one build at a time through this server, run in a worker thread, with its progress.

    Builds by other processes (`kb index`) are kept out by the index's own build lock; this one answers a second
    POST at once, naming the build it would wait for.
    """

    def __init__(self, kb: KnowledgeBase) -> None:
        self._kb = kb
        self._lock = threading.Lock()
        self._status: RebuildStatus | None = None
        self._thread: threading.Thread | None = None
        self._ids = itertools.count(1)

    @property
    def status(self) -> RebuildStatus | None:
        return self._status

    def start(self, full: bool = False) -> RebuildStatus:
        with self._lock:
            if self._status is not None and not self._status.finished:
                raise IndexBusy(f"A rebuild is already running: {self._status.describe()}. GET /rebuild shows its "
                                "progress; searches keep answering meanwhile.")
            self._status = RebuildStatus(job=f"{next(self._ids)}-{int(time.time())}", started=time.time())
            self._thread = threading.Thread(target=self._run, args=(full,), name="kb-rebuild", daemon=True)
            self._thread.start()
            return self._status

    def wait(self, timeout: float | None = None) -> RebuildStatus | None:
        """The last rebuild's status once it has finished (or after `timeout` seconds)."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self._status

    def _update(self, **changes: Any) -> None:
        with self._lock:
            assert self._status is not None
            self._status = replace(self._status, **changes)

    def _progress(self, stage: str, done: int, total: int) -> None:
        self._update(stage=stage, stage_text=BUILD_STAGES.get(stage, stage), done=done, total=total)

    def _run(self, full: bool) -> None:
        try:
            report = self._kb.build(self._progress, rebuild=full)
        except EssayKBError as exc:
            self._update(finished=True, error=str(exc))
        except Exception as exc:  # a bug: logged with its traceback, and shown rather than lost with the thread
            log.exception("rebuild failed")
            self._update(finished=True, error=f"{type(exc).__name__}: {exc}")
        else:
            self._update(finished=True, stage="done", stage_text="done", result=_build_result(self._kb, report))


def _status_code(exc: EssayKBError) -> int:
    if isinstance(exc, EssayNotFound | IndexMissing):
        return 404
    if isinstance(exc, IndexBusy):
        return 409
    return 400


def _indexed(kb: KnowledgeBase, *ids: str) -> None:
    """Over HTTP an essay is named by its indexed id only: the library also takes a file path, which would let
    any client have the server read (and compare, so print) any file it can open."""
    known = kb.index().chunks.titles()
    unknown = [i for i in ids if i not in known]
    if unknown:
        more = ", …" if len(known) > 5 else ""
        raise EssayNotFound(f"No indexed essay {', '.join(map(repr, unknown))}; GET /essays lists them "
                            f"({', '.join(sorted(known)[:5])}{more}).")


def _card(card: Any) -> dict[str, Any]:
    e = card.essay
    return {"id": e.id, "title": e.title, "state": card.state, "passages": card.passages,
            "author": e.meta.author, "source": e.meta.source, "url": e.meta.url, "keywords": list(e.meta.keywords)}


def create_app(kb: KnowledgeBase) -> FastAPI:
    """The API over one KnowledgeBase; its `token` setting, when set, guards POST /rebuild."""
    app = FastAPI(title="essay-kb", summary="Search a knowledge base of Chinese essays.",
                  description="Reads are open; POST /rebuild needs `Authorization: Bearer <token>` when the server "
                              "has a token. Errors come back as {\"error\": message}.")
    rebuilds = Rebuilds(kb)
    app.state.kb = kb
    app.state.rebuilds = rebuilds

    @app.exception_handler(EssayKBError)
    def essay_kb_error(_request: Request, exc: EssayKBError) -> JSONResponse:
        body: dict[str, Any] = {"error": str(exc)}
        running = rebuilds.status
        if isinstance(exc, IndexBusy) and running is not None and not running.finished:
            body["running"] = asdict(running)
        return JSONResponse(body, status_code=_status_code(exc))

    @app.exception_handler(RequestValidationError)
    def bad_parameter(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # The same {"error": ...} shape as every other refusal, naming the parameter.
        problems = [f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in exc.errors()]
        return JSONResponse({"error": "; ".join(problems)}, status_code=400)

    @app.get("/ask", summary="The passages that best answer a question (as `kb ask --json`)")
    def ask(
        q: Annotated[str, Query(description="the question")],
        k: Annotated[int | None, Query(ge=1, description="number of passages (default: the top_k setting)")] = None,
        mode: Annotated[str, Query(description=f"retriever: {', '.join(MODES)}")] = "hybrid",
        kind: Annotated[list[str], Query(description=f"only these chunk types: {', '.join(CHUNK_KINDS)}")] = [],  # noqa: B006
        essay: Annotated[list[str], Query(description="only these essays (ids)")] = [],  # noqa: B006
        section: Annotated[str | None, Query(description="only passages whose section path starts so")] = None,
        context: Annotated[int, Query(ge=0, description="paragraphs of context around each hit")] = 0,
    ) -> dict[str, Any]:
        wrong = [x for x in kind if x not in CHUNK_KINDS]
        if wrong:
            raise EssayKBError(f"Unknown chunk type {', '.join(map(repr, wrong))}; choose from "
                               f"{', '.join(CHUNK_KINDS)}.")
        flt = SearchFilter(essays=tuple(essay), kinds=tuple(kind), section=section)
        found = kb.answer(q, k, mode=mode, flt=flt, context=context)
        return {"question": q, "generation": found.generation, "answered": answered([h.confidence for h in found.hits]),
                "hits": [h.as_dict() for h in found.hits]}

    @app.get("/related/{essay:path}", summary="The other essays ranked by relatedness (as `kb related --json`)")
    def related(essay: str, k: Annotated[int, Query(ge=1)] = 5) -> list[dict[str, Any]]:
        _indexed(kb, essay)
        return [r.as_dict() for r in kb.related(essay, k)]

    @app.get("/compare", summary="Two essays' paragraphs aligned both ways (as `kb compare --json`)")
    def compare(a: str, b: str) -> dict[str, Any]:
        _indexed(kb, a, b)
        return kb.compare(a, b).as_dict()

    @app.get("/essays", summary="Every essay of the corpus and whether the index holds it as it is now")
    def essays() -> list[dict[str, Any]]:
        return [_card(card) for card in kb.library()]

    @app.get("/essays/{essay:path}", summary="How one essay was read (as `kb show --json`)")
    def show(essay: str) -> dict[str, Any]:
        return kb.essay_report(essay).as_dict()

    @app.get("/status", summary="Corpus changes since the last build, the index, the settings (as `kb info`)")
    def status() -> dict[str, Any]:
        current = rebuilds.status
        return {**kb.info(), "rebuild": None if current is None else asdict(current)}

    @app.post("/rebuild", status_code=202, summary="Start bringing the index up to date, in the background")
    def rebuild(
        full: Annotated[bool, Query(description="read every essay again (as `kb index --rebuild`)")] = False,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Any:
        if kb.config.token and not _token_matches(authorization, kb.config.token):
            return JSONResponse({"error": "POST /rebuild needs the header `Authorization: Bearer <token>` with the "
                                          "server's token (the token setting, --token or ESSAY_KB_TOKEN)."},
                                status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return asdict(rebuilds.start(full))

    @app.get("/rebuild", summary="The progress of the last rebuild started here")
    def rebuild_status() -> dict[str, Any]:
        current = rebuilds.status
        if current is None:
            raise EssayNotFound("No rebuild was started since the server started; POST /rebuild starts one.")
        return asdict(current)

    return app


def _token_matches(authorization: str | None, token: str) -> bool:
    scheme, _, given = (authorization or "").partition(" ")
    # Constant-time, so the time a refusal takes says nothing about how much of a guess was right.
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def make_server(kb: KnowledgeBase, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> uvicorn.Server:
    """A uvicorn server for the API (port 0: a free one, read from `server.servers` once started)."""
    return uvicorn.Server(uvicorn.Config(create_app(kb), host=host, port=port, log_level="info"))


def serve(kb: KnowledgeBase, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Load the model, then answer on host:port until interrupted."""
    kb.embedder.prepare_queries()  # the model loads once, before the first request rather than during it
    make_server(kb, host, port).run()
