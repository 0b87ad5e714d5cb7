"""`kb serve`: the HTTP API over the real model and index, through FastAPI's TestClient and a real uvicorn server."""

from __future__ import annotations

import contextlib
import http.client
import json
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from essay_kb import KnowledgeBase
from essay_kb.cli import _parser, main
from essay_kb.server import create_app, make_server
from essay_kb.store import current_generation
from sockets import listening_addresses, request

ROOT = Path(__file__).resolve().parents[1]
SEED_ID = "xinchangtai-jiceng-dangzuzhi-jianshe.txt"
QUESTION = "如何提升基层党员干部的素质？"
LOAD_SECONDS = 30  # the load test asks for this long, then stops by itself
CLIENTS = 16


@pytest.fixture(scope="module")
def client(seed_kb: KnowledgeBase) -> TestClient:
    return TestClient(create_app(seed_kb))


def with_token(kb: KnowledgeBase, token: str) -> KnowledgeBase:
    return KnowledgeBase(replace(kb.config, token=token), kb.embedder)


def add_demo_essays(kb: KnowledgeBase, *names: str) -> list[str]:
    """Demo essays copied into the corpus under new names (not indexed yet); returns their ids."""
    for name in names:
        shutil.copy(ROOT / "corpus" / "demo" / name, kb.config.corpus / f"new-{name}")
    return [f"new-{name}" for name in names]


def finished_rebuild(client: TestClient, timeout: float = 120) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get("/rebuild").json()
        if status["finished"]:
            return status
        time.sleep(0.1)
    raise AssertionError(f"the rebuild did not finish in {timeout} s")


def test_ask_returns_the_hits_of_kb_ask_and_the_generation_that_answered(client: TestClient,
                                                                           seed_kb: KnowledgeBase) -> None:
    got = client.get("/ask", params={"q": QUESTION, "k": 3})
    assert got.status_code == 200
    body = got.json()
    assert body["generation"] == current_generation(seed_kb.config.index).name
    assert body["hits"] == [h.as_dict() for h in seed_kb.ask(QUESTION, 3)]
    assert "党员干部素质" in body["hits"][0]["section"].replace("提升", "")


def test_ask_takes_every_option_of_kb_ask(client: TestClient, seed_kb: KnowledgeBase) -> None:
    got = client.get("/ask", params=[("q", "基层党组织建设"), ("k", 2), ("mode", "lexical"), ("kind", "reference"),
                                     ("kind", "body"), ("essay", SEED_ID), ("context", 1)]).json()
    assert len(got["hits"]) == 2
    assert {h["type"] for h in got["hits"]} <= {"reference", "body"} and {h["essay"] for h in got["hits"]} == {SEED_ID}
    assert all(h["scores"]["dense"] is None for h in got["hits"])  # lexical only
    section = got["hits"][0]["section"]
    narrowed = client.get("/ask", params={"q": QUESTION, "section": section, "k": 10}).json()["hits"]
    assert narrowed and all(h["section"].startswith(section) for h in narrowed)
    # The seed's sections are one paragraph each, so what context adds is checked against the library's answer.
    with_context = client.get("/ask", params={"q": QUESTION, "context": 2, "mode": "dense"}).json()["hits"]
    assert with_context == [h.as_dict() for h in seed_kb.ask(QUESTION, mode="dense", context=2)]


@pytest.mark.parametrize(("params", "says"), [
    ({"q": " "}, "The question is empty"),
    ({"q": QUESTION, "mode": "fuzzy"}, "choose one of hybrid, dense, lexical"),
    ({"q": QUESTION, "kind": "poem"}, "choose from title, abstract"),
    ({"q": QUESTION, "k": 0}, "k: "),
    ({"q": QUESTION, "essay": "nope.txt"}, "No essay 'nope.txt'"),
    ({}, "q: Field required"),
])
def test_a_bad_question_or_option_is_a_400_saying_what_is_wrong(client: TestClient, params: dict, says: str) -> None:  # type: ignore[type-arg]
    got = client.get("/ask", params=params)
    assert got.status_code == 400
    assert says in got.json()["error"]


def test_show_is_the_json_of_kb_show(client: TestClient, seed_kb: KnowledgeBase,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", SEED_ID, "--json", "--corpus", str(seed_kb.config.corpus),
                 "--index", str(seed_kb.config.index)]) == 0
    printed = json.loads(capsys.readouterr().out)
    got = client.get(f"/essays/{SEED_ID}")
    assert got.status_code == 200 and got.json() == printed


def test_essays_lists_the_corpus_with_each_essays_state(client: TestClient) -> None:
    (card,) = client.get("/essays").json()
    assert card["id"] == SEED_ID and card["state"] == "indexed" and card["passages"] > 10
    assert card["title"] == "新常态下加强基层党组织建设的策略研究"


@pytest.mark.parametrize("url", ["/essays/nope.txt", "/related/nope.txt", "/related//etc/passwd",
                                 f"/compare?a={SEED_ID}&b=/etc/passwd", "/rebuild"])
def test_what_names_nothing_is_a_404_and_no_file_outside_the_index_is_read(client: TestClient, url: str) -> None:
    got = client.get(url)
    assert got.status_code == 404
    assert got.json()["error"] and "root:" not in got.text


def test_compare_and_related_answer_as_the_cli_does(client: TestClient, seed_kb: KnowledgeBase) -> None:
    same = client.get("/compare", params={"a": SEED_ID, "b": SEED_ID}).json()
    assert same["overlap"] == {"a_in_b": 1.0, "b_in_a": 1.0}
    assert same == seed_kb.compare(SEED_ID, SEED_ID).as_dict()
    assert client.get(f"/related/{SEED_ID}", params={"k": 3}).json() == []  # the only essay has no other
    assert client.get(f"/related/{SEED_ID}", params={"k": 0}).status_code == 400


def test_status_shows_the_index_and_corpus_changes_but_never_the_token(kb_copy: KnowledgeBase) -> None:
    add_demo_essays(kb_copy, "jingji-xinchangtai.txt")
    status = TestClient(create_app(with_token(kb_copy, "s3cret-token"))).get("/status").json()
    assert status["index"]["generation"] == current_generation(kb_copy.config.index).name
    assert status["corpus"]["added"] == ["new-jingji-xinchangtai.txt"] and status["rebuild"] is None
    assert status["config"]["token"] == "(set)" and "s3cret-token" not in json.dumps(status)


def test_rebuild_needs_the_token_when_one_is_set_and_reads_stay_open(kb_copy: KnowledgeBase) -> None:
    client = TestClient(create_app(with_token(kb_copy, "s3cret-token")))
    assert client.post("/rebuild").status_code == 401
    refused = client.post("/rebuild", headers={"Authorization": "Bearer wrong"})
    assert refused.status_code == 401 and "Bearer" in refused.json()["error"]
    assert refused.headers["www-authenticate"] == "Bearer"
    assert client.get("/ask", params={"q": QUESTION}).status_code == 200
    assert client.post("/rebuild", headers={"Authorization": "Bearer s3cret-token"}).status_code == 202
    assert finished_rebuild(client)["error"] is None


def test_rebuild_runs_in_the_background_and_a_second_one_meanwhile_is_a_409(kb_copy: KnowledgeBase) -> None:
    (new,) = add_demo_essays(kb_copy, "ganbu-jiaoyu-peixun.txt")
    before = current_generation(kb_copy.config.index).name
    client = TestClient(create_app(kb_copy))
    started = client.post("/rebuild")
    assert started.status_code == 202 and not started.json()["finished"]
    again = client.post("/rebuild")
    assert again.status_code == 409
    assert started.json()["job"] in again.json()["error"] and again.json()["running"]["job"] == started.json()["job"]
    done = finished_rebuild(client)
    assert done["error"] is None and done["result"]["embedded"] > 0 and done["job"] == started.json()["job"]
    answer = client.get("/ask", params={"q": "干部教育培训", "essay": new}).json()
    assert answer["generation"] == done["result"]["generation"] != before
    assert answer["hits"][0]["essay"] == new


@contextlib.contextmanager
def live_server(kb: KnowledgeBase, *argv: str) -> Iterator[int]:
    """A real uvicorn server for `kb`, bound as `kb serve ARGV --port 0` would bind it; yields its port."""
    args = _parser().parse_args(["serve", *argv, "--port", "0"])
    server = make_server(kb, args.host, args.port)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(30)




def test_the_server_listens_only_on_this_machine_by_default(seed_kb: KnowledgeBase) -> None:
    with live_server(seed_kb) as port:
        # Checked on the listening socket: bound to 127.0.0.1, no other machine can reach it.
        assert listening_addresses(port) == {"0100007F"}
        status, body = request(port, "GET", "/ask?q=%E5%9F%BA%E5%B1%82")  # 基层
        assert status == 200 and body["hits"]


def ask_until(port: int, stop: float, seen: list[str], errors: list[str]) -> None:
    """One client: ask over and over until `stop`, noting each answer's generation (in order) or its failure."""
    path = "/ask?q=" + quote(QUESTION) + "&k=3"
    while time.monotonic() < stop:
        try:
            status, body = request(port, "GET", path)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
            continue
        if status != 200 or not body.get("hits"):
            errors.append(f"{status}: {body}")
        else:
            seen.append(body["generation"])




@pytest.mark.slow
def test_searches_keep_answering_from_complete_generations_during_a_rebuild(kb_copy: KnowledgeBase) -> None:
    old = current_generation(kb_copy.config.index).name
    add_demo_essays(kb_copy, "nongcun-jiceng-dangjian.txt", "chengshi-laji-fenlei.txt")
    with live_server(kb_copy) as port:
        stop = time.monotonic() + LOAD_SECONDS
        seen: list[list[str]] = [[] for _ in range(CLIENTS)]
        errors: list[str] = []
        clients = [threading.Thread(target=ask_until, args=(port, stop, seen[i], errors)) for i in range(CLIENTS)]
        for t in clients:
            t.start()
        time.sleep(1)
        status, started = request(port, "POST", "/rebuild")
        assert status == 202
        while time.monotonic() < stop:
            _, progress = request(port, "GET", "/rebuild")
            if progress["finished"]:
                break
            time.sleep(0.2)
        for t in clients:
            t.join(LOAD_SECONDS + 60)
        _, progress = request(port, "GET", "/rebuild")
    new = current_generation(kb_copy.config.index).name
    assert progress["finished"] and progress["error"] is None and progress["result"]["generation"] == new != old
    assert errors == []
    answers = [g for client in seen for g in client]
    assert len(answers) > CLIENTS and set(answers) == {old, new}  # both complete generations, nothing else
    # One client's next question starts after its last answer: once answered from the new generation, never
    # again from the old one.
    for client in seen:
        assert old not in client[client.index(new):] if new in client else True
