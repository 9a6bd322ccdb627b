"""The links of a page and the text that may date them (hand-made pages)."""

from __future__ import annotations

from newsarchive.links import CONTEXT_MAX_CHARS, html_links
from newsarchive.normalize.dates import parse_datetime

BASE = "https://icma.az/news/1-bir"
FILLER = "Prezident bu gün Bakıda xarici qonaqlarla görüşüb və əməkdaşlığın perspektivlərini müzakirə edib. "


def links(html: str) -> dict[str, str | None]:
    """Each link's date text, its runs of spaces made one."""
    return {link.url: link.date_text and " ".join(link.date_text.split()) for link in html_links(html, BASE)}


def test_a_list_item_dates_its_link() -> None:
    html = ('<ul><li><a href="/news/2-iki">Bakıda yeni park açılıb</a>'
            '<div class="meta">21 Yanvar 2026 13:23 <i>see</i>49</div></li></ul>')
    date_text = links(html)["https://icma.az/news/2-iki"]
    assert date_text == "21 Yanvar 2026 13:23 see 49"
    assert parse_datetime(date_text) is not None


def test_a_link_in_an_article_body_takes_no_date_from_the_body() -> None:
    # the body mentions another day; the link in it was not listed on that day
    body = (FILLER * 3 + "23 Oktyabr 2025 tarixində imzalanan saziş barədə "
            '<a href="/news/3-uc">əvvəlki xəbərimizdə</a> yazmışdıq. ' + FILLER * 2)
    html = f'<div class="content"><p>{body}</p></div>'
    assert len(body) > CONTEXT_MAX_CHARS
    assert links(html)["https://icma.az/news/3-uc"] is None


def test_a_menu_of_headlines_dates_none_of_them() -> None:
    headlines = [f"Xəbər başlığı nömrə {i}: nazirlik yeni qərar verib" for i in range(19)]
    headlines.insert(7, "Yanvarın 5-də Bakıda keçiriləcək konfrans")
    menu = "".join(f'<a href="/news/{i + 10}-x">{h}</a>' for i, h in enumerate(headlines))
    found = links(f'<div class="menu">{menu}</div>')
    assert len(found) == 20
    assert set(found.values()) == {None}


def test_the_limit_is_the_containers_joined_text() -> None:
    def card(chars: int) -> str:
        text = "x" * (chars - len("Başlıq") - 1)  # joined: "Başlıq" + " " + text
        return f'<div><a href="/news/4-dord">Başlıq</a><span>{text}</span></div>'

    assert links(card(CONTEXT_MAX_CHARS))["https://icma.az/news/4-dord"] == "x" * (CONTEXT_MAX_CHARS - 7)
    assert links(card(CONTEXT_MAX_CHARS + 1))["https://icma.az/news/4-dord"] is None


def test_links_sharing_a_card_each_lose_only_their_own_text() -> None:
    html = ('<article><a href="/news/5-bes">Birinci</a> <a href="/news/6-alti">İkinci</a>'
            '<time>Bu gün, 19:25</time></article>')
    found = links(html)
    assert found["https://icma.az/news/5-bes"] == "İkinci Bu gün, 19:25"
    assert found["https://icma.az/news/6-alti"] == "Birinci Bu gün, 19:25"


def flat_list(items: list[tuple[str, str]], wrap: str = "{}") -> str:
    """A most-read list without an element per item: headline link, date, views, next headline ..."""
    links = [f'<a href="/news/{20 + i}-x">{title}</a>' for i, (title, _) in enumerate(items)]
    return "".join(f"{wrap.format(link)}<span>{when}</span> {i + 40}"
                   for i, (link, (_, when)) in enumerate(zip(links, items, strict=True)))


ITEMS = [(f"Xəbər başlığı nömrə {i}: nazirlik yeni qərar verib", f"{21 - i} Yanvar 2026 13:{10 + i}")
         for i in range(12)]


def test_a_list_without_an_element_per_item_dates_each_link_by_the_text_after_it() -> None:
    for wrap in ("{}", "<h3>{}</h3>"):
        html = f'<div class="most-read">{flat_list(ITEMS, wrap)}</div>'
        found = links(html)
        assert len(html) > CONTEXT_MAX_CHARS
        assert [found[f"https://icma.az/news/{20 + i}-x"] for i in range(12)] == \
            [f"{21 - i} Yanvar 2026 13:{10 + i} {i + 40}" for i in range(12)], wrap
        assert parse_datetime(found["https://icma.az/news/25-x"]) is not None


def test_prose_after_a_link_is_no_date() -> None:
    # the link's sentence goes on past a date: longer than an item's date and count
    body = ('<a href="/news/3-uc">Əvvəlki xəbərimizdə</a> yazmışdıq ki, saziş 23 Oktyabr 2025 tarixində '
            "imzalanıb və qüvvəyə minib. " + FILLER * 4)
    assert links(f'<div class="content"><p>{body}</p></div>')["https://icma.az/news/3-uc"] is None
