"""Word banks and sentence makers for the mirror's generated articles.

Real Azerbaijani (and Russian) words with their real letters, combined by
simple templates. The prose is not literature, but it has what the extractors
and normalisers meet on the live sites: ə ı ğ ş ç ö ü İ, quotes, digits,
abbreviations, long and short paragraphs.
"""

from __future__ import annotations

import random

AZ_SUBJECTS = (
    "Prezident İlham Əliyev", "Milli Məclisin deputatı", "Nazirlər Kabineti", "Xarici İşlər Nazirliyi",
    "Bakı şəhər İcra Hakimiyyəti", "Dövlət Statistika Komitəsi", "Mərkəzi Bank", "Təhsil Nazirliyi",
    "Səhiyyə Nazirliyi", "Fövqəladə Hallar Nazirliyi", "Azərbaycan Respublikası", "Qazaxıstan tərəfi",
    "Türkiyə nümayəndə heyəti", "ekspertlər", "iqtisadçılar", "sakinlər", "Gəncə bələdiyyəsi",
    "Sumqayıt şəhər rəhbərliyi", "“Qarabağ” futbol klubu", "SOCAR", "Dövlət Gömrük Komitəsi",
    "Əmək və Əhalinin Sosial Müdafiəsi Nazirliyi", "Ekologiya və Təbii Sərvətlər Nazirliyi",
)
AZ_VERBS = (
    "bəyan edib", "qeyd edib", "açıqlama yayıb", "məlumat verib", "vurğulayıb", "bildirib",
    "yeni qərar qəbul edib", "hesabat təqdim edib", "toplantı keçirib", "müraciət edib",
)
AZ_OBJECTS = (
    "ikitərəfli münasibətlərin inkişafı", "iqtisadi əməkdaşlığın genişləndirilməsi",
    "nəqliyyat-logistika dəhlizlərinin gücləndirilməsi", "sosial müavinətlərin artırılması",
    "regionda sabitliyin təmin olunması", "yeni məktəblərin tikintisi", "su təchizatının yaxşılaşdırılması",
    "Zəngəzur dəhlizi layihəsi", "Orta Dəhliz marşrutu", "kənd təsərrüfatına dəstək proqramı",
    "turizm mövsümünün nəticələri", "neft hasilatının həcmi", "qeyri-neft ixracının artımı",
    "yol infrastrukturunun yenilənməsi", "gənclər siyasəti", "rəqəmsal xidmətlərin tətbiqi",
    "enerji təhlükəsizliyi", "mədəni irsin qorunması", "idman yarışlarının təşkili",
)
AZ_PLACES = (
    "Bakıda", "Gəncədə", "Sumqayıtda", "Şuşada", "Lənkəranda", "Naxçıvanda", "Şəkidə", "Qubada",
    "Mingəçevirdə", "Ağdamda", "Füzulidə", "Astanada", "Ankarada", "Tbilisidə",
)
AZ_TAILS = (
    "bu barədə ətraflı məlumat veriləcək", "işlər ilin sonunadək başa çatdırılacaq",
    "layihənin dəyəri 12,5 milyon manat təşkil edir", "tədbirdə 300-dən çox qonaq iştirak edib",
    "müvafiq tapşırıqlar verilib", "proses ictimaiyyətin diqqət mərkəzindədir",
    "növbəti görüş gələn ay keçiriləcək", "qərar 1 yanvardan qüvvəyə minəcək",
    "göstərici ötən illə müqayisədə 8,3 faiz artıb", "sakinlər nəticədən razı qaldıqlarını deyiblər",
)
AZ_TITLE_HEADS = (
    "{place} {obj} müzakirə olunub", "{subj}: {obj} prioritetdir", "{obj} ilə bağlı yeni addım",
    "{subj} {obj} barədə {verb}", "{place} mühüm görüş: {obj}", "{obj} — rəqəmlər nə deyir?",
    "{subj} {place} səfərdədir", "Türk dünyasında güc birliyi: {obj}",
)
AZ_AUTHORS = (
    "Əli Hüseynov", "Günay Məmmədova", "Rəşad Əliyev", "Leyla Quliyeva", "Tural Həsənov",
    "Nigar İsmayılova", "Elçin Səfərov", "Aytən Cəfərova", "Orxan Bağırov", "Şəbnəm Rzayeva",
)
AZ_QUOTES = (
    "“Birlikdə güclüyük, birlikdə yüksəlirik!”", "“Bu, ölkəmiz üçün tarixi addımdır”",
    "“Qarşıda daha böyük hədəflər var”", "“Vətəndaşların rifahı əsas prioritetdir”",
)

RU_SUBJECTS = (
    "Президент Ильхам Алиев", "Министерство иностранных дел", "Кабинет министров", "Центральный банк",
    "Министерство образования", "эксперты", "экономисты", "жители столицы", "Госкомстат",
    "Министерство здравоохранения", "депутат Милли Меджлиса", "компания SOCAR",
)
RU_VERBS = (
    "заявил", "отметил", "сообщил", "подчеркнул", "представил отчёт", "провёл совещание",
    "принял решение", "выступил с обращением",
)
RU_OBJECTS = (
    "развитие двусторонних отношений", "расширение экономического сотрудничества",
    "укрепление транспортных коридоров", "повышение социальных пособий", "строительство новых школ",
    "модернизация водоснабжения", "проект Зангезурского коридора", "итоги туристического сезона",
    "рост ненефтяного экспорта", "обновление дорожной инфраструктуры", "энергетическая безопасность",
)
RU_PLACES = ("в Баку", "в Гяндже", "в Сумгайыте", "в Шуше", "в Ленкорани", "в Астане", "в Анкаре")
RU_TAILS = (
    "подробности будут сообщены позднее", "работы завершатся до конца года",
    "стоимость проекта составляет 12,5 млн манатов", "в мероприятии приняли участие более 300 гостей",
    "показатель вырос на 8,3% по сравнению с прошлым годом", "следующая встреча пройдёт в следующем месяце",
)
RU_TITLE_HEADS = (
    "{place} обсудили {obj}", "{subj}: {obj} остаётся приоритетом", "Новый шаг: {obj}",
    "{subj} {verb} про {obj}", "{obj} — что говорят цифры?",
)
RU_AUTHORS = ("Анна Керимова", "Рашад Алиев", "Лейла Гулиева", "Эльчин Сафаров", "Нигяр Исмайлова")


def _pick(rng: random.Random, bank: tuple[str, ...]) -> str:
    return bank[rng.randrange(len(bank))]


def _cap(s: str) -> str:
    """Capitalise the first letter the Azerbaijani way (``i`` → ``İ``)."""
    if not s or not s[0].isalpha():
        return s
    return ("İ" if s[0] == "i" else s[0].upper()) + s[1:]


def make_title(rng: random.Random, lang: str) -> str:
    if lang == "ru":
        head = _pick(rng, RU_TITLE_HEADS)
        return _cap(
            head.format(subj=_pick(rng, RU_SUBJECTS), verb=_pick(rng, RU_VERBS),
                        obj=_pick(rng, RU_OBJECTS), place=_pick(rng, RU_PLACES))
        ) + f" ({rng.randrange(2, 99)})"
    head = _pick(rng, AZ_TITLE_HEADS)
    title = head.format(subj=_pick(rng, AZ_SUBJECTS), verb=_pick(rng, AZ_VERBS),
                        obj=_pick(rng, AZ_OBJECTS), place=_pick(rng, AZ_PLACES))
    # A number keeps titles of a large mirror distinct (icma slugs keep digits too).
    return _cap(title) + f" — {rng.randrange(2, 99)} yenilik"


def make_sentence(rng: random.Random, lang: str) -> str:
    if lang == "ru":
        s = (f"{_pick(rng, RU_PLACES)} {_pick(rng, RU_SUBJECTS)} {_pick(rng, RU_VERBS)}, что "
             f"{_pick(rng, RU_OBJECTS)} имеет особое значение, {_pick(rng, RU_TAILS)}.")
        return _cap(s)
    form = rng.randrange(4)
    if form == 0:
        s = (f"{_pick(rng, AZ_PLACES)} {_pick(rng, AZ_SUBJECTS)} {_pick(rng, AZ_OBJECTS)} ilə bağlı "
             f"{_pick(rng, AZ_VERBS)}.")
    elif form == 1:
        s = f"{_pick(rng, AZ_SUBJECTS)} {_pick(rng, AZ_VERBS)} ki, {_pick(rng, AZ_TAILS)}."
    elif form == 2:
        s = f"Qeyd edək ki, {_pick(rng, AZ_OBJECTS)} üzrə {_pick(rng, AZ_TAILS)}."
    else:
        s = f"{_pick(rng, AZ_SUBJECTS)}: {_pick(rng, AZ_QUOTES)}"
    return _cap(s)


def make_paragraphs(rng: random.Random, lang: str, *, low: int = 3, high: int = 7) -> list[str]:
    return [
        " ".join(make_sentence(rng, lang) for _ in range(rng.randint(2, 4)))
        for _ in range(rng.randint(low, high))
    ]


def make_author(rng: random.Random, lang: str) -> str:
    return _pick(rng, RU_AUTHORS if lang == "ru" else AZ_AUTHORS)
