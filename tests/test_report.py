"""The report as a reader gets it: built from a run of a fixture paper on both backends, parsed as HTML.

tests/fixtures/report_papers/zz_report has claims that hold, fail with a figure, fail without one, fail
with a figure that is never drawn, and one that runs only in the full profile.
"""
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from claimbench.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "report_papers"
SEEDS = 3


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """Run zz_report (fast profile, 3 seeds) on both backends and build the report; return the out folder."""
    import papers

    work = tmp_path_factory.mktemp("report")
    shutil.copy(FIXTURES / "params.yaml", work / "params.yaml")
    out = work / "reports"
    args = ["--params", str(work / "params.yaml"), "--out", str(out)]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(papers, "__path__", [*papers.__path__, str(FIXTURES)])
        assert main([*args, "run", "zz_report", "--profile", "fast", "--backend", "all"]) == 0
        assert main([*args, "report", "--profile", "fast"]) == 0
    return out


@pytest.fixture(scope="module")
def soup(report):
    return BeautifulSoup((report / "index.html").read_text(), "html.parser")


def _cards(soup, status=None):
    cards = soup.select("article.card")
    return [c for c in cards if status is None or f"s-{status}" in c["class"]]


def test_every_fail_card_has_a_figure_or_says_why_not(soup):
    fails = _cards(soup, "FAIL")
    assert {c["id"].rsplit("-", 1)[1] for c in fails} == {"fails_with_figure", "fails_without_figure",
                                                            "fails_figure_missing"}
    images = {i["id"] for i in soup.select("svg.defs image")}
    for card in fails:
        figures = card.select("svg.fig use")
        reasons = [p.get_text(" ", strip=True) for p in card.select("p.nofig")]
        assert figures or reasons, f"{card['id']}: neither a figure nor a reason"
        assert all(u["href"].lstrip("#") in images for u in figures), "a figure refers to no embedded image"
        assert all(len(r) > len("No figure: .") for r in reasons), reasons
    by_name = {c["id"].rsplit("-", 1)[1]: c for c in fails}
    assert len(by_name["fails_with_figure"].select("svg.fig use")) == 2  # torch's and jax's own figure
    assert "names no figure" in by_name["fails_without_figure"].select_one("p.nofig").get_text()
    assert "no 'never_drawn' figure" in by_name["fails_figure_missing"].select_one("p.nofig").get_text()


def test_cards_show_every_seed_of_both_backends_with_marks(soup, report):
    card = soup.find("article", id="zz_report-fast-fails_with_figure")
    header = [th.get_text(" ", strip=True) for th in card.select("table.vals tr")[0].find_all("th")]
    assert header[1].startswith("torch") and header[2].startswith("jax") and header[3] == "|Δ|"
    rows = {tr.th.get_text(strip=True): [td.get_text(" ", strip=True) for td in tr.find_all("td")]
            for tr in card.select("table.vals tr")[1:]}
    for backend, col in (("torch", 0), ("jax", 1)):
        verdicts = json.loads((report / "runs" / "zz_report" / backend / "fast" / "verdicts.json").read_text())
        per_seed = next(v["per_seed"] for v in verdicts if v["claim_id"].endswith(".fails_with_figure"))
        assert len(per_seed) == SEEDS
        for seed, value in enumerate(per_seed):
            mark, shown = rows[f"seed {seed}"][col].split()
            assert mark == "✗" and float(shown) == pytest.approx(value, rel=1e-5)  # x < 1 never reaches 2
    assert rows["seeds that hold"][0].startswith("0 of 3") and "2 of 3 needed" in rows["seeds that hold"][0]
    assert any(k.startswith("margin") for k in rows)
    holds = soup.find("article", id="zz_report-fast-holds")
    assert len(holds.select("td.ok")) == 2 * SEEDS  # every seed of both backends holds (x < 1)


def test_no_external_url_and_each_figure_embedded_once(report):
    html = (report / "index.html").read_text()
    page = BeautifulSoup(html, "html.parser")
    for tag in page.find_all(True):
        for attr in ("href", "src", "xlink:href", "action", "data"):
            value = tag.get(attr, "")
            assert not re.match(r"\s*(https?:)?//", value), f"<{tag.name} {attr}={value[:60]}>"
    assert not page.select("script[src], link[rel=stylesheet], iframe")
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html)
    uris = [i["href"] for i in page.select("svg.defs image")]
    assert uris and len(uris) == len(set(uris)) and all(html.count(u) == 1 for u in uris)  # embedded once
    refs = [u["href"] for u in page.select("svg.fig use")]
    assert len(refs) == 2 * 2  # two claims name the drawn figure, each shows it for both backends


def test_overview_order_matrix_and_source_kinds(soup):
    items = [li["class"][0] for li in soup.select("ul.nplist li")]
    assert items == ["np-FAIL"] * 3 + ["np-SKIP"], "not-passing list: FAIL (and ERROR) before SKIP"
    cards = [c["id"].rsplit("-", 1)[1] for c in _cards(soup)]
    assert cards[:3] == ["fails_with_figure", "fails_without_figure", "fails_figure_missing"]  # claims.py order
    assert cards[3:] == ["holds", "full_only"]  # then PASS, then SKIP
    rows = soup.select(".matrix a.mrow")
    assert [r["href"] for r in rows] == [f"#{c['id']}" for c in _cards(soup)]
    assert all(len(r.select(".cell")) == 2 for r in rows)
    assert soup.select_one("#zz_report-fast-holds p.source.paper .tag").get_text() == "From the paper"
    assert soup.select_one("#zz_report-fast-fails_without_figure p.source.derived .tag").get_text() == "Derived by us"
    prov = [td.get_text(strip=True) for td in soup.select("details.prov tr")[1].find_all("td")]
    assert prov[:3] == ["zz_report", "jax", "fast"] or prov[:3] == ["zz_report", "torch", "fast"]


def test_summary_markdown_has_the_matrix_and_not_passing_list(report):
    md = (report / "summary.md").read_text()
    np_section = md.split("## Not passing")[1].split("## Status matrix")[0]
    lines = [x for x in np_section.splitlines() if x.startswith("- ")]
    assert [("FAIL" in x, "SKIP" in x) for x in lines] == [(True, False)] * 3 + [(False, True)]
    matrix = md.split("## Status matrix")[1].split("## Counts per run")[0]
    assert "| paper | profile | claim | torch | jax | expected |" in matrix
    assert matrix.index("fails_with_figure") < matrix.index("| holds |") < matrix.index("full_only")


CLICK_FAIL = ('<script>(function () { var s = document.getElementById("f-status"); s.value = "FAIL";'
              ' s.dispatchEvent(new Event("change", {bubbles: true})); })();</script>')


def test_filter_shows_only_fail_cards_in_chromium(report, tmp_path):
    """Choose FAIL in the status filter (a click script), then read the DOM Chromium dumps."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("needs Debian's chromium (apt-get install chromium); .ci/run installs it")
    page = tmp_path / "clicked.html"
    page.write_text((report / "index.html").read_text().replace("</body>", CLICK_FAIL + "</body>"))
    dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    cards = BeautifulSoup(dom, "html.parser").select("article.card")
    assert len(cards) == 5, "the dumped DOM has every card"
    shown = [c["id"] for c in cards if not c.has_attr("hidden")]
    assert shown and all("FAIL" in c["data-statuses"] for c in cards if not c.has_attr("hidden"))
    assert all("FAIL" not in c["data-statuses"] for c in cards if c.has_attr("hidden"))
    assert len(shown) == 3
    assert "3 of 5 claims shown" in BeautifulSoup(dom, "html.parser").select_one("#f-count").get_text()


def test_strip_places_seeds_against_the_accepted_range():
    from claimbench.claims import AtMost, Between
    from claimbench.report.strip import make_strip

    s = make_strip(Between(0.85, 1.2), {"torch": [1.0, 0.5], "jax": [1.0, None]})
    assert not s["log"] and 0 < s["zone_left"] < s["zone_left"] + s["zone_width"] < 100
    torch, jax = s["lanes"]
    assert [d["ok"] for d in torch["dots"]] == [True, False] and len(jax["dots"]) == 1
    assert torch["dots"][1]["pos"] < s["zone_left"] < torch["dots"][0]["pos"]
    log = make_strip(AtMost(1e-8), {"torch": [3e-16]})
    assert log["log"] and log["zone_left"] == 0.0 and log["lanes"][0]["dots"][0]["ok"]
    assert make_strip(AtMost(1.0), {"torch": [None]}) is None


def test_terminal_table_uses_the_report_order(report, monkeypatch):
    import papers
    from claimbench.report.build import collect, terminal_table

    monkeypatch.setattr(papers, "__path__", [*papers.__path__, str(FIXTURES)])
    lines = terminal_table(collect(report, "fast")).splitlines()[1:]
    names = [line.split()[2] for line in lines]
    assert names == ["fails_with_figure", "fails_without_figure", "fails_figure_missing", "holds", "full_only"]


def test_a_broken_run_is_listed_first(report, monkeypatch):
    """A row with status BROKEN (an unreadable result file) renders before every FAIL, in both outputs."""
    import pandas as pd

    import papers
    from claimbench.report.build import collect, html_page, summary_markdown

    monkeypatch.setattr(papers, "__path__", [*papers.__path__, str(FIXTURES)])
    df = collect(report, "fast")
    broken = {c: None for c in df.columns} | {"paper": "zz_report", "claim": None, "backend": "torch",
                                              "profile": "fast", "status": "BROKEN",
                                              "message": "verdicts.json: not valid JSON"}
    df = pd.concat([df, pd.DataFrame([broken])], ignore_index=True)
    md = summary_markdown(df).split("## Not passing")[1]
    assert md.index("BROKEN") < md.index("FAIL") and "not valid JSON" in md
    page = BeautifulSoup(html_page(df, report, "fast"), "html.parser")
    first = page.select_one(".np ul.nplist li")
    assert "BROKEN" in first.get_text() and "not valid JSON" in first.get_text()


def test_index_links_the_performance_page_once_there_is_a_benchmark_result(report, tmp_path, monkeypatch):
    """No link without benchmark results; with a comparison on disk, index.html links performance.html."""
    import papers
    from claimbench.report.build import build

    monkeypatch.setattr(papers, "__path__", [*papers.__path__, str(FIXTURES)])
    out = shutil.copytree(report, tmp_path / "reports")
    assert 'href="performance.html"' not in (out / "index.html").read_text()
    row = {"name": "benchmarks/bench_x.py::test_step", "group": "x", "base_median_ms": 1.0, "head_median_ms": 1.4,
           "ratio": 1.4, "ci_low": 1.3, "ci_high": 1.5, "verdict": "slower"}
    side = {"rev": "main", "commit": "abc1234"}
    (out / "bench" / "compare").mkdir(parents=True)
    (out / "bench" / "compare" / "latest.json").write_text(json.dumps({
        "benchmarks": [row], "base": side, "head": side, "created": "2026-11-30 18:00", "order": "A B, B A",
        "options": {"rounds": 6, "warmup": 1, "timer": "cpu", "normalize": True, "threshold": 1.1},
        "only_base": [], "only_head": []}))
    build(out, "fast")
    link = BeautifulSoup((out / "index.html").read_text(), "html.parser").select_one('a[href="performance.html"]')
    assert link is not None and (out / "performance.html").exists()
    perf = BeautifulSoup((out / "performance.html").read_text(), "html.parser")
    assert "bench_x.py::test_step" in perf.get_text() and perf.select_one("span.b.slower").get_text() == "slower"
