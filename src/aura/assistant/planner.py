"""The deterministic planner: a question's intent and slots, parsed from its words; the
tools it needs, run; the answer composed from their results.

This is how the packaged small model answers: the facts (counts, item names, outfits,
reasons) are all written here from tool results, so a 135M model cannot invent them. The
model only writes a short opening line (:mod:`aura.assistant.phrasing`).

Intents: ``count``, ``list`` (filter/search), ``outfit`` (for an occasion or weather),
``choose`` (which piece of a kind for a context: "what jacket for the rain?"), ``pairs``
("what goes with my blue trousers?"), ``compare``, ``explain``, ``gaps``, ``describe``,
``saved``, ``item`` (details of one item) and ``advice`` (the style notes); and the
wardrobe's life: ``wears`` ("what did I wear last week?", "when did I last wear my blue
jeans?"), ``plans`` ("what have I planned for Friday?"), ``trip`` ("what should I pack for
my Lisbon trip?", "is my packing list done?"), ``unworn`` ("what haven't I worn
lately?"), ``most_worn`` and ``cost`` ("what's my cost per wear?"). Days named in the
question ("yesterday", "on Monday", "this week") are resolved against the session's today.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from aura.assistant import guidance as guidance_corpus
from aura.assistant.tools import Toolbox, ToolOutcome, ToolSession
from aura.assistant.tools.retrieval import Filters, apply
from aura.assistant.when import Span, dates, day_name, span_of
from aura.taxonomy import Slot, colour_family, lexical_slot

SLOT_WORDS = {
    "top": "top", "tops": "top", "bottom": "bottom", "bottoms": "bottom", "shoes": "shoes",
    "shoe": "shoes", "footwear": "shoes", "outerwear": "outerwear", "accessory": "accessory",
    "accessories": "accessory", "bag": "bag", "bags": "bag", "one-piece": "one-piece",
    "one-pieces": "one-piece", "layers": "outerwear",
}  # fmt: skip
# garment words that are too often something else in a question
AMBIGUOUS_GARMENT = frozenset(
    {"short", "flat", "ring", "watch", "suits", "tank", "slide", "mac", "pump", "derby", "wedge",
     "cape", "item", "items", "garment", "garments", "clothing", "clothes", "other", "piece",
     "pieces", "thing", "things", "outfit", "outfits", "wear", "sock"}
)  # fmt: skip
AMBIGUOUS_COLOUR = frozenset(
    {"snow", "forest", "wine", "coffee", "cherry", "butter", "marine", "midnight", "jet", "ash",
     "rose", "sand", "stone", "lime", "mint", "pearl", "amber", "ruby", "jade", "heather",
     "slate", "moss", "petrol", "grape", "lemon", "multi", "coral", "peach", "nude", "tan",
     "brick", "chocolate", "caramel", "champagne", "oatmeal", "onyx", "ebony", "canary",
     "salmon", "aqua", "azure", "plum", "violet", "mauve", "denim", "cream"}
)  # fmt: skip
CLEAR_COLOUR = frozenset({"denim", "cream", "tan", "coral", "plum", "nude", "violet"})
PATTERNS = {
    "striped": "striped", "stripes": "striped", "stripe": "striped", "stripy": "striped",
    "floral": "floral", "flowery": "floral", "plaid": "plaid", "tartan": "plaid",
    "checked": "checked", "check": "checked", "checks": "checked", "gingham": "checked",
    "polka": "polka dot", "dotted": "polka dot", "spotted": "polka dot",
    "patterned": None, "graphic": "graphic", "printed": None, "paisley": "paisley",
    "houndstooth": "houndstooth", "herringbone": "herringbone", "leopard": "animal print",
    "camo": "camouflage", "camouflage": "camouflage", "solid": "solid", "plain": "solid",
}  # fmt: skip
SEASON_WORDS = {"spring": "spring", "summer": "summer", "autumn": "autumn", "fall": "autumn",
                "winter": "winter"}  # fmt: skip
OCCASION_ITEM_WORDS = {
    "work": "work", "office": "work", "formal": "formal", "casual": "casual", "party": "party",
    "gym": "sport", "sport": "sport", "sports": "sport", "running": "sport", "beach": "beach",
    "evening": "party", "weekend": "casual", "wedding": "formal", "interview": "work",
    "run": "sport", "workout": "sport", "hiking": "sport",
}  # fmt: skip
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z]+)*")

INTENT_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("gaps", re.compile(r"\b(missing|lack|lacking|gaps?|should i buy|to buy|need to get|"
                        r"worth buying|shopping list|invest in)\b")),
    ("saved", re.compile(r"\b(saved|favou?rite) outfits?\b|\bmy outfits\b")),
    ("count", re.compile(r"\bhow many\b|\bnumber of\b|\bcount\b|\bhow much\b")),
    ("pairs", re.compile(r"\b(go|goes|going|works?)( well)? with\b|\bmatch(es)?\b|"
                         r"\bpair(ed|s)? with\b|\bwear with\b|\bcombine\b|\bstyle (my|the)\b")),
    ("compare", re.compile(r"\bcompare\b|\bwarmer\b|\bmore formal\b|\bdressier\b|"
                           r"\bwhich is better\b|\bdifference between\b")),
    ("explain", re.compile(r"^why\b|\bexplain\b|\bwhy (does|do|is|would)\b")),
    ("describe", re.compile(r"\b(describe|summari[sz]e|overview of) (my )?(wardrobe|closet)\b|"
                            r"\bwhat('s| is) in my (wardrobe|closet)\b")),
    ("outfit", re.compile(r"\bwhat (should|shall|can|could|do) i wear\b|\bwhat to wear\b|"
                          r"\boutfits?\b|\bwear (to|for|on|at)\b|\bdress for\b|\blook for\b|"
                          r"\bwhat do i wear\b|\bget dressed\b")),
    ("item", re.compile(r"\btell me about\b|\bdetails (of|about|on)\b|\bwhat is my\b")),
    ("list", re.compile(r"\b(which|what|show|list|any|find|do i (have|own))\b")),
]  # fmt: skip
# the wardrobe's life, tried before the intents above (their words would match "list")
LIFE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("cost", re.compile(r"\bcosts? per wear\b|\bcost-per-wear\b|\bper wear\b|"
                        r"\b(worth|value) of my (wardrobe|closet|clothes)\b|"
                        r"\bmy (wardrobe|closet|clothes) (is )?worth\b")),
    ("unworn", re.compile(r"\b(haven't|havent|have not|not|never) (i )?(been )?(worn|wore|wear)\b|"
                          r"\bleast worn\b|\bdeclutter\b|\bdon't (ever )?wear\b")),
    ("most_worn", re.compile(r"\bmost worn\b|\bwear (the )?most\b|\bworn (the )?most\b")),
    ("trip", re.compile(r"\btrips?\b|\bpacking\b|\bpacked\b|\bsuitcase\b|\bluggage\b")),
    ("plans", re.compile(r"\bplanned\b|\bmy plans?\b|\bcalendar\b|\bschedule[d]?\b|"
                         r"\bplan(ned)? to wear\b")),
    ("wears", re.compile(r"\b(did|have|had) i (last |ever |already )?(wear|worn|wore)\b|"
                         r"\bi (last )?wore\b|\b(last|ever) worn\b|\btimes (have i |i've |i )?"
                         r"(worn|wore)\b|\bwear (log|history)\b|\bhow often\b.*\b(wear|worn)\b")),
]  # fmt: skip
# "I wore my navy blazer today", "yesterday I had on my jeans": a wear to log, not a question
LOG_WEAR = re.compile(r"^(today,? |yesterday,? |this morning,? |on \w+,? )?i (just |also )?"
                      r"(wore|worn|am wearing|i'm wearing|have on|had on|put on)\b|"
                      r"^i'm (wearing|in)\b|^(log|record) (a )?wear\b")  # fmt: skip
QUESTION_WORDS = re.compile(r"\b(what|which|when|how|should|could|would|can|did|does|why)\b")
CHOOSE = re.compile(r"\b(what|which)\b.*\b(should|shall|can|could|do|to)\b.*"
                    r"\b(take|wear|bring|pack|put on|grab|choose|pick)\b")  # fmt: skip
# "what jacket for the rain?", "which shoes for a wedding?": a kind, then what it is for
CHOOSE_FOR = re.compile(r"^(what|which) ([\w-]+ ){1,3}for\b(?!.*\b(do|did) i (have|own)\b)")


@dataclass
class Parsed:
    """What the question names."""

    text: str
    words: list[str]
    slots: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    colour_families: list[str] = field(default_factory=list)
    patterns: list[str] = field(default_factory=list)
    occasions: list[str] = field(default_factory=list)
    seasons: list[str] = field(default_factory=list)
    waterproof: bool | None = None

    def filters(self, *, occasions: bool = True) -> Filters:
        return Filters(
            slot=self.slots or None,
            category=self.categories or None,
            colour_family=self.colour_families or None,
            pattern=self.patterns or None,
            occasion=(self.occasions or None) if occasions else None,
            season=self.seasons or None,
            waterproof=self.waterproof,
        )

    def garment_filters(self) -> Filters:
        return Filters(
            slot=self.slots or None,
            category=self.categories or None,
            colour_family=self.colour_families or None,
            pattern=self.patterns or None,
        )


def tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'").replace("t shirt", "t-shirt"))


def parse(text: str) -> Parsed:
    ws = tokens(text)
    p = Parsed(text, ws)
    n = 0
    while n < len(ws):
        w = ws[n]
        pair = f"{w} {ws[n + 1]}" if n + 1 < len(ws) else ""
        fam = colour_family(pair) if pair and " " in pair and _colour_pair(pair) else None
        if fam:
            p.colour_families.append(fam)
            n += 2
            continue
        if w not in AMBIGUOUS_COLOUR or (w in CLEAR_COLOUR and _garment_follows(ws, n)):
            fam = colour_family(w)
            if fam and w not in ("multi",):
                p.colour_families.append(fam)
        if PATTERNS.get(w):
            p.patterns.append(PATTERNS[w])
        if w in SEASON_WORDS:
            p.seasons.append(SEASON_WORDS[w])
        if w in ("waterproof", "rainproof", "water-resistant"):
            p.waterproof = True
        n += 1
    # garments: two-word terms first ("rain boots"), then words; slot words are slots
    used: set[int] = set()
    for n in range(len(ws) - 1):
        pair = f"{ws[n]} {ws[n + 1]}"
        found = lexical_slot(pair)
        if found and " " in found[1] and ws[n + 1] not in SLOT_WORDS:
            p.categories.append(found[1])
            used |= {n, n + 1}
    for n, w in enumerate(ws):
        if n in used or w in AMBIGUOUS_GARMENT:
            continue
        if w in SLOT_WORDS:
            p.slots.append(SLOT_WORDS[w])
            continue
        found = lexical_slot(w)
        if found and found[0] is not Slot.OTHER and not _colour_used_as_noun(ws, n):
            p.categories.append(found[1])
    for w in ws:
        if w in OCCASION_ITEM_WORDS:
            p.occasions.append(OCCASION_ITEM_WORDS[w])
    for attr in ("slots", "categories", "colour_families", "patterns", "occasions", "seasons"):
        setattr(p, attr, list(dict.fromkeys(getattr(p, attr))))
    return p


def _colour_pair(pair: str) -> bool:
    from aura.taxonomy import colour_words

    return pair in colour_words()


def _garment_follows(ws: list[str], n: int) -> bool:
    return n + 1 < len(ws) and lexical_slot(ws[n + 1]) is not None


def _colour_used_as_noun(ws: list[str], n: int) -> bool:
    # "denim" as a colour word before a garment ("denim jacket") is still a garment
    return False


HOW_TO = re.compile(r"^how (should|do|can|could|would) (i|you|one)\b")
WHICH_ITEMS = re.compile(r"^(which|what) (of my )?(items|things|pieces|clothes)\b")


def intent_of(p: Parsed) -> str:
    low = " ".join(p.words)
    if (
        LOG_WEAR.search(low)
        and not p.text.rstrip().endswith("?")
        and not QUESTION_WORDS.search(low)
    ):
        return "log_wear"
    for name, pattern in LIFE_PATTERNS:
        if pattern.search(low):
            return name
    if HOW_TO.search(low) and "my" not in p.words and not re.search(r"\bhow many\b", low):
        return "advice"
    if WHICH_ITEMS.search(low) and not INTENT_PATTERNS[3][1].search(low):
        return "list"
    for name, pattern in INTENT_PATTERNS:
        if pattern.search(low):
            if name == "outfit" and (p.slots or p.categories) and CHOOSE.search(low):
                return "choose"
            if (
                name == "list"
                and (CHOOSE.search(low) or CHOOSE_FOR.search(low))
                and (p.slots or p.categories)
            ):
                return "choose"
            return name
    if p.slots or p.categories or p.colour_families or p.occasions or p.seasons:
        return "list"
    return "advice"


def expanded_query(question: str, context: Any) -> str:
    """The question plus the words its weather implies in item texts (BM25 matches words:
    "a snowy walk" should find what is labelled winter)."""
    extra = []
    temp = context.temperature_c
    if context.snowing or (temp is not None and temp < 8):
        extra.append("winter warm wool")
    if context.raining:
        extra.append("waterproof rain")
    if temp is not None and temp > 22:
        extra.append("summer light")
    return " ".join([question, *extra])


def retrieve(toolbox: Toolbox, session: ToolSession, question: str, k: int = 5) -> ToolOutcome:
    """The hybrid search the planner runs for a free-text question: the question's
    attribute filters, then BM25 + dense over what they leave, fused."""
    from aura.assistant.tools import parse_context

    f = parse(question).filters()
    query = expanded_query(question, parse_context(question))
    return toolbox.run(
        session, "search_items", {**f.model_dump(exclude_none=True), "query": query, "limit": k}
    )


# ---- composing ------------------------------------------------------------------------


def join(names: list[str]) -> str:
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def your(labels: list[str]) -> str:
    return join([f"your {label}" for label in labels])


def noun_of(p: Parsed, *, plural: bool) -> str:
    """How the answer names what was asked for ("blue tops", "jeans", "items")."""
    head = ""
    if p.categories:
        head = join([_plural(c) if plural else c for c in p.categories])
    elif p.slots:
        head = join([_slot_noun(s, plural) for s in p.slots])
    else:
        head = "items" if plural else "item"
    bits = [*p.colour_families, *p.patterns, *(["waterproof"] if p.waterproof else [])]
    tail = []
    if p.occasions:
        tail.append(f"for {join(p.occasions)}")
    if p.seasons:
        tail.append(f"for {join(p.seasons)}")
    return " ".join([*bits, head, *tail])


def _plural(term: str) -> str:
    if term.endswith(("ss", "sh", "ch", "x")):
        return term + "es"
    if term.endswith(("s", "wear")):
        return term
    if term.endswith(("sh", "ch", "x")):
        return term + "es"
    return term + "s"


def _slot_noun(slot: str, plural: bool) -> str:
    nouns = {"top": "tops", "bottom": "bottoms", "one-piece": "one-pieces (dresses, jumpsuits)",
             "outerwear": "outerwear pieces", "shoes": "pairs of shoes", "bag": "bags",
             "accessory": "accessories"}  # fmt: skip
    singular = {"outerwear": "outerwear piece", "shoes": "pair of shoes", "accessory": "accessory",
                "one-piece": "one-piece"}  # fmt: skip
    return nouns.get(slot, slot + "s") if plural else singular.get(slot, slot)


@dataclass
class Answer:
    """A composed answer: the text, the items it is about, outfits, and the tool calls."""

    intent: str
    body: str
    item_ids: list[int] = field(default_factory=list)
    outfits: list[dict[str, Any]] = field(default_factory=list)
    calls: list[ToolOutcome] = field(default_factory=list)
    guidance_ids: list[str] = field(default_factory=list)


class Planner:
    MAX_LISTED = 8

    def __init__(self, toolbox: Toolbox) -> None:
        self.toolbox = toolbox

    def answer(self, session: ToolSession, question: str) -> Answer:
        p = parse(question)
        intent = intent_of(p)
        run = _Run(self.toolbox, session, p, intent)
        handler = getattr(self, f"_{intent}")
        body = handler(run)
        return Answer(intent, body, run.used, run.outfits, run.calls, run.guidance)

    # -- intents ------------------------------------------------------------------------

    def _count(self, r: _Run) -> str:
        f = r.p.filters()
        res = r.call("count_items", f.model_dump(exclude_none=True))
        count, items = res["count"], res["items"]
        noun = noun_of(r.p, plural=count != 1)
        if count == 0:
            return f"You have no {noun_of(r.p, plural=True)} in your wardrobe."
        shown = items[: self.MAX_LISTED]
        r.use(shown)
        more = f", and {count - len(shown)} more" if count > len(shown) else ""
        return f"You have {count} {noun}: {your([i['label'] for i in shown])}{more}."

    def _list(self, r: _Run) -> str:
        f = r.p.filters()
        args: dict[str, Any] = {**f.model_dump(exclude_none=True), "limit": self.MAX_LISTED}
        if f.empty():
            args["query"] = expanded_query(r.p.text, r.session.context)
            args["limit"] = 5
        res = r.call("search_items", args)
        items = res["items"]
        if not items:
            return "Your wardrobe has no items yet: add some and ask again."
        if res.get("relaxed"):
            r.use(items[:3])
            return (
                f"You have no {noun_of(r.p, plural=True)}. The closest items you own: "
                f"{your([i['label'] for i in items[:3]])}."
            )
        r.use(items)
        if f.empty():
            return f"These of your items fit best: {your([i['label'] for i in items])}."
        more = f", and {res['total'] - len(items)} more" if res["total"] > len(items) else ""
        return (
            f"Your {noun_of(r.p, plural=len(items) != 1)}: "
            f"{join([i['label'] for i in items])}{more}."
        )

    def _item(self, r: _Run) -> str:
        found = self._anchors(r, 1)
        if not found:
            return self._list(r)
        item = r.call("get_item", {"item_id": found[0]["id"]})["item"]
        r.use([item])
        facts = [f"category {item['category']} ({item['slot']})"]
        if item.get("colors"):
            facts.append(f"colour {join(item['colors'])}")
        if item.get("pattern"):
            facts.append(f"pattern {item['pattern']}")
        if item.get("occasions"):
            facts.append(f"for {join(item['occasions'])}")
        desc = f" — {item['description']}" if item.get("description") else ""
        return f"Your {item['label']}{desc}: {', '.join(facts)}."

    def _describe(self, r: _Run) -> str:
        res = r.call("describe_wardrobe", {})
        if not res["total"]:
            return "Your wardrobe is empty: add items and ask again."
        slots = join([f"{n} {_slot_noun(s, n != 1)}" for s, n in res["by_slot"].items()])
        colours = list(res["by_colour_family"])[:3]
        tail = f" The main colours are {join(colours)}." if colours else ""
        return f"You have {res['total']} items: {slots}.{tail}"

    def _outfit(self, r: _Run) -> str:
        seeds = (
            [i["id"] for i in self._anchors(r, 2)]
            if (r.p.categories or r.p.colour_families)
            else []
        )
        res = r.call("recommend_outfits", {"k": 3, "seed_item_ids": seeds})
        return self._outfits_text(r, res, lead=_for_context(r.session))

    def _pairs(self, r: _Run) -> str:
        anchors = self._anchors(r, 1)
        if not anchors:
            return self._not_found(r)
        anchor = anchors[0]
        res = r.call("recommend_outfits", {"k": 2, "seed_item_ids": [anchor["id"]]})
        outfits = res.get("outfits", [])
        if not outfits:
            return (f"I found no complete outfit around your {anchor['label']} in your wardrobe"
                    f"{_missing(res)}.")  # fmt: skip
        partners: list[dict[str, Any]] = []
        for o in outfits:
            for it in o["items"]:
                if it["id"] != anchor["id"] and it["id"] not in {x["id"] for x in partners}:
                    partners.append(it)
        r.use([anchor, *partners])
        r.keep_outfits(outfits)
        reason = _reason(outfits[0], weather=_weather_given(r.session))
        return (f"With your {anchor['label']}: {your([i['label'] for i in partners])}."
                f"{reason}")  # fmt: skip

    def _choose(self, r: _Run) -> str:
        f = r.p.garment_filters()
        if f.category:  # "what jacket for the rain?": any piece of that kind will do
            found = [lexical_slot(c) for c in f.category]
            slots = {str(x[0]) for x in found if x is not None}
            f = f.model_copy(update={"slot": sorted({*(f.slot or []), *slots}), "category": None})
        res = r.call("choose_items", {**f.model_dump(exclude_none=True), "limit": 3})
        items = res["items"]
        if not items:
            return f"You have no {noun_of(r.p, plural=True)} in your wardrobe."
        best, rest = items[0], items[1:]
        r.use([best, *rest[:1]])
        why = res["reasons"].get(str(best["id"])) or []
        ctx = _for_context(r.session)
        because = f": it {join(why)}" if why else ""
        text = f"{ctx}take your {best['label']}{because}."
        if rest:
            text += f" Second choice: your {rest[0]['label']}."
        return text[0].upper() + text[1:]

    def _compare(self, r: _Run) -> str:
        anchors = self._anchors(r, 2, each_term=True)
        if len(anchors) < 2:
            return self._not_found(r)
        res = r.call("compare_items", {"item_ids": [a["id"] for a in anchors[:2]]})
        items = {i["id"]: i for i in res["items"]}
        r.use(res["items"])
        a, b = res["items"][0], res["items"][1]
        parts = [f"Comparing your {a['label']} and your {b['label']}:"]
        if res.get("warmest") is not None and a.get("warmth") != b.get("warmth"):
            parts.append(f"your {items[res['warmest']]['label']} is the warmer one;")
        if a["formality"] != b["formality"]:
            parts.append(f"your {items[res['most_formal']]['label']} is the more formal;")
        proof = [items[i]["label"] for i in res.get("waterproof", [])]
        parts.append(f"waterproof: {your(proof)}." if proof else "neither is waterproof.")
        return " ".join(parts)

    def _explain(self, r: _Run) -> str:
        anchors = self._anchors(r, 3, each_term=True)
        res = r.call("recommend_outfits", {"k": 1, "seed_item_ids": [a["id"] for a in anchors]})
        outfits = res.get("outfits", [])
        if not outfits:
            return f"I could not build an outfit to explain{_missing(res)}."
        o = outfits[0]
        r.use(o["items"])
        r.keep_outfits([o])
        why = _reason(o, weather=_weather_given(r.session)).removeprefix(" Why: ")
        names = your([i["label"] for i in o["items"]])
        return f"{names[0].upper()}{names[1:]} work together: {why or 'a complete outfit.'}"

    def _gaps(self, r: _Run) -> str:
        outcome = r.call_raw("wardrobe_gaps", {"k": 3})
        if not outcome.ok:
            return f"I cannot list gaps yet: {outcome.error}"
        gaps = (outcome.result or {}).get("gaps", [])
        if not gaps:
            return "Your wardrobe covers the occasions asked about: no gaps found."
        lines = []
        for g in gaps[:3]:
            reason = str(g.get("reason") or "").strip().rstrip(".")
            what = " ".join(x for x in (g.get("colour_family"), g["slot"]) if x)
            lines.append(reason[0].lower() + reason[1:] if reason else f"a {what} piece")
        return f"What your wardrobe lacks most: {'; '.join(lines)}."

    def _saved(self, r: _Run) -> str:
        fav = True if re.search(r"favou?rite", r.p.text.lower()) else None
        res = r.call("saved_outfits", {"favorite": fav} if fav else {})
        outfits = res.get("outfits", [])
        if not outfits:
            return "You have no saved outfits yet."
        r.keep_outfits(outfits[:3])
        for o in outfits[:3]:
            r.use(o["items"])
        listed = "; ".join(join([i["label"] for i in o["items"]]) for o in outfits[:3])
        return f"You have {len(outfits)} saved outfit{'s' if len(outfits) != 1 else ''}: {listed}."

    def _advice(self, r: _Run) -> str:
        chunks = guidance_corpus.search(r.p.text, 1)
        if not chunks:
            return "Ask me about your wardrobe: what to wear, what goes with an item, or counts."
        chunk = chunks[0]
        r.guidance.append(chunk.id)
        sentences = re.split(r"(?<=[.!?])\s+", chunk.text.strip())
        return f"From Aura's style notes ({chunk.title}): {' '.join(sentences[:2])}"

    # -- the wardrobe's life ------------------------------------------------------------

    def _wears(self, r: _Run) -> str:
        today = r.session.today
        span = span_of(r.p.words, today, past=True)
        asks_when = bool(re.search(r"\bwhen\b|\bhow often\b|\btimes\b|\blast wore\b|"
                                   r"\blast (wear|worn)\b", " ".join(r.p.words)))  # fmt: skip
        if not r.p.garment_filters().empty() and (asks_when or span is None):
            anchors = self._anchors(r, 1)
            if not anchors:
                return f"You have no {noun_of(r.p, plural=False)} in your wardrobe."
            res = r.call("wear_history", {"item_id": anchors[0]["id"], "limit": 5})
            item = res["item"]
            r.use([item])
            lead = f"You have no {noun_of(r.p, plural=True)}. " if r.approximate else ""
            if not res.get("times_worn"):
                return f"{lead}You have not logged a wear of your {item['label']} yet."
            last = dt_date(res["last_worn"])
            times = res["times_worn"]
            return (
                f"{lead}You last wore your {item['label']} {_on_day(last, today)}; "
                f"{times} wear{'s' if times != 1 else ''} logged in all."
            )
        if span is None:
            span = Span(today - timedelta(days=6), today, "in the last 7 days")
        res = r.call("wear_history", {"start": span.start.isoformat(),
                                      "end": span.end.isoformat(), "limit": 100})  # fmt: skip
        wears = res.get("wears", [])
        if not wears:
            return f"You have not logged any wears {span.named()}."
        days: dict[str, list[dict[str, Any]]] = {}
        borrowed: dict[str, int] = {}
        for w in sorted(wears, key=lambda w: (w["date"], w["id"])):
            got = days.setdefault(w["date"], [])
            got += [i for i in w["items"] if i["id"] not in {x["id"] for x in got}]
            borrowed[w["date"]] = borrowed.get(w["date"], 0) + int(w.get("other_items") or 0)
        for items in days.values():
            r.use(items)

        def worn(day: str) -> str:
            names = [f"your {i['label']}" for i in days[day]]
            if borrowed[day]:
                names.append(f"{borrowed[day]} borrowed item{'s' if borrowed[day] != 1 else ''}")
            return join(names)

        if span.one_day:
            day = next(iter(days))
            return f"{_capital(_on_day(dt_date(day), today))} you wore {worn(day)}."
        listed = "; ".join(f"on {day_name(dt_date(d))} {worn(d)}" for d in days)
        return f"{_capital(span.named())} you wore: {listed}."

    def _log_wear(self, r: _Run) -> str:
        """ "I wore my navy blazer and grey trousers yesterday": the items named are found in
        the caller's wardrobe (each garment named: its best match) and logged as one wear of
        that day; nothing is logged when a garment is not found, the day is not one day, or
        the items are logged for that day already."""
        today = r.session.today
        span = span_of(r.p.words, today, past=True)
        if span is not None and not span.one_day:
            return (
                f"A wear is logged for one day, and {span.named()} is several: say which, "
                'e.g. "I wore my jeans yesterday".'
            )
        day = span.start if span is not None else today
        if day > today:
            return f"{_capital(_on_day(day, today))} is still to come: plan it on the Plan page."
        if r.p.garment_filters().empty():
            return (
                'Which of your items did you wear? Name them, e.g. "I wore my navy blazer '
                'and grey trousers today", and I will log them.'
            )
        items, missing = self._worn_items(r)
        if missing or not items:
            return (
                f"I could not find {missing or noun_of(r.p, plural=False)} like that in your "
                "wardrobe, so I logged nothing. Add it on the Add page, or name it as your "
                "wardrobe does."
            )
        r.use(items)
        if not r.session.allow_writes:
            return "This client cannot change your wardrobe: log the wear on the Wear page."
        res = r.call("wear_history", {"start": day.isoformat(), "end": day.isoformat(),
                                      "limit": 100})  # fmt: skip
        logged = {i["id"] for w in res.get("wears", []) for i in w["items"]}
        new = [i for i in items if i["id"] not in logged]
        when = _on_day(day, today)
        if not new:
            return f"Already logged: {your([i['label'] for i in items])} {when}."
        r.call("log_wear", {"item_ids": [i["id"] for i in new], "date": day.isoformat()})
        text = f"Logged {your([i['label'] for i in new])} as worn {when}."
        if len(new) < len(items):
            already = [i for i in items if i["id"] in logged]
            text += f" ({your([i['label'] for i in already])}: logged already.)"
        return text + " The Wear page shows it, and can undo it."

    def _worn_items(self, r: _Run) -> tuple[list[dict[str, Any]], str]:
        """Each garment a wear names ("my navy blazer and grey trousers"): its best match
        with every filter it names (a colour too), or the first one not in the wardrobe."""
        found: list[dict[str, Any]] = []
        for term in [*r.p.categories, *r.p.slots]:
            res, colours = self._best_of_term(r, term)
            if not res["items"] or res.get("relaxed"):
                return [], f"{' '.join(colours)} {term}".strip()
            found += [i for i in res["items"] if i["id"] not in {x["id"] for x in found}]
        return found, ""

    def _best_of_term(self, r: _Run, term: str) -> tuple[dict[str, Any], list[str]]:
        """search_items' answer for one garment named (a category or a slot, with the colour
        named right before it), best first, and that colour."""
        p = r.p
        f = Filters(category=[term]) if term in p.categories else Filters(slot=[term])
        colours = _colours_near(p, term)
        if colours:
            f.colour_family = colours
        res = r.call("search_items", {**f.model_dump(exclude_none=True), "limit": 1,
                                      "query": p.text})  # fmt: skip
        return res, colours

    def _plans(self, r: _Run) -> str:
        today = r.session.today
        span = span_of(r.p.words, today, past=False)
        if span is None:
            span = Span(today, today + timedelta(days=6), "in the next 7 days")
        res = r.call("calendar_plans", {"start": span.start.isoformat(),
                                        "end": span.end.isoformat()})  # fmt: skip
        plans = res.get("plans", [])
        if not plans:
            return f"You have nothing planned {span.named()}."
        parts = []
        for plan in plans:
            r.use(plan["items"])
            context = [plan["occasion"]] if plan.get("occasion") else []
            weather = plan.get("weather") or {}
            if weather.get("temperature_c") is not None:
                context.append(f"{weather['temperature_c']:g} °C")
            if weather.get("raining"):
                context.append("rain")
            if plan.get("status") == "worn":
                context.append("worn")
            names = [f"your {i['label']}" for i in plan["items"]]
            if plan.get("other_items"):
                names.append(f"{plan['other_items']} borrowed item(s)")
            what = join(names) or "no items yet"
            bracket = f" ({', '.join(context)})" if context else ""
            parts.append(f"{_on_day(dt_date(plan['date']), today)}{bracket}: {what}")
        return f"Planned {span.named()}: {'; '.join(parts)}."

    def _trip(self, r: _Run) -> str:
        listed = r.call("trip_packing", {}).get("trips", [])
        if not listed:
            return "You have no trips yet: add one on the Trips page and ask again."
        text = " ".join(r.p.words)
        named = [t for t in listed if _names_place(text, t["destination"])]
        place = _place_named(r.p.text)
        if place and not named:  # "my Tokyo trip" when there is none: say so, guess nothing
            trips = join([f"{t['destination']} ({_trip_dates(t)})" for t in listed[:4]])
            return f"You have no trip to {place}. Your trips: {trips}."
        today = r.session.today.isoformat()
        coming = [t for t in listed if t["end_date"] >= today]
        chosen = (named or coming or listed[::-1])[0]
        trip = r.call("trip_packing", {"trip_id": chosen["id"]})["trip"]
        title = f"your {trip['destination']} trip ({_trip_dates(trip)})"
        checklist = trip["checklist"]
        r.use([c["item"] for c in checklist])
        total, packed = len(checklist), trip["packed"]
        missing = "; ".join(dict.fromkeys(_gap(m) for m in trip.get("missing") or []))
        gap = f" Missing for the trip: {missing}." if missing else ""
        others = ""
        if not named and len(listed) > 1:
            places = join([t["destination"] for t in listed[:4]])
            others = f" You have {len(listed)} trips: name a destination ({places}) for another."
        if not total:
            return f"The packing list of {title} is empty.{gap}{others}"
        to_pack = your([i["label"] for i in trip["to_pack"][: self.MAX_LISTED]])
        more = len(trip["to_pack"]) - self.MAX_LISTED
        to_pack += f", and {more} more" if more > 0 else ""
        if re.search(r"\b(done|ready|finished|complete|packed|left|still|remaining)\b", text):
            if trip["done"]:
                return f"Yes: all {total} items for {title} are packed.{gap}{others}"
            return (f"Not yet: {packed} of {total} items packed for {title}; still to pack: "
                    f"{to_pack}.{gap}{others}")  # fmt: skip
        items = [c["item"]["label"] for c in checklist]
        shown = your(items[: self.MAX_LISTED])
        shown += f", and {total - self.MAX_LISTED} more" if total > self.MAX_LISTED else ""
        state = (" All packed." if trip["done"] else
                 f" Packed so far: {packed} of {total}; still to pack: {to_pack}.")  # fmt: skip
        noun = "item" if total == 1 else "items"
        return f"For {title}, pack {total} {noun}: {shown}.{state}{gap}{others}"

    def _insights(self, r: _Run, **args: Any) -> dict[str, Any]:
        return r.call("wardrobe_insights", {"limit": self.MAX_LISTED, **args})

    def _unworn(self, r: _Run) -> str:
        days = _days_named(r.p.words) or 90
        res = self._insights(r, not_worn_days=days)
        if not res["items"]:
            return "Your wardrobe has no items yet: add some and ask again."
        since = dt_date(res["not_worn_since"])
        idle, new = res["not_worn"], res.get("new_not_worn", [])
        r.use([w["item"] for w in idle])
        r.use([w["item"] for w in new])
        fresh = (
            f" New and not worn yet (added in the last {days} days): "
            f"{your([w['item']['label'] for w in new])}."
            if new
            else ""
        )
        if idle:
            names = [f"your {w['item']['label']} ({_last_worn(w)})" for w in idle]
            return (
                f"Not worn in the last {days} days (since {day_name(since)}): "
                f"{join(names)}; wear {'it' if len(idle) == 1 else 'them'} again or declutter."
                f"{fresh}"
            )
        if new and len(new) >= res["items"]:
            return (f"Nothing to declutter: all your items are new (added in the last {days} "
                    f"days) and none is worn yet.")  # fmt: skip
        if new:
            return (f"Nothing to declutter: everything else was worn in the last {days} days."
                    f"{fresh}")  # fmt: skip
        return f"Everything in your wardrobe was worn in the last {days} days."

    def _most_worn(self, r: _Run) -> str:
        res = self._insights(r)
        worn = res.get("most_worn", [])
        if not worn:
            return "You have not logged any wears yet: log what you wear and ask again."
        r.use([w["item"] for w in worn[:5]])
        listed = join([f"your {w['item']['label']} ({_times(w['times_worn'])})" for w in worn[:5]])
        return f"Your most worn: {listed}."

    def _cost(self, r: _Run) -> str:
        res = self._insights(r, limit=3)
        if not res["items"]:
            return "Your wardrobe has no items yet: add some and ask again."
        if not res["priced_items"]:
            return ("None of your items has a purchase price yet: add prices to your items to "
                    "see their cost per wear.")  # fmt: skip
        r.use([w["item"] for w in res["cost_per_wear"]])
        top = join(
            [
                f"your {w['item']['label']} ({_money(w['cost_per_wear'])} a wear, "
                + (f"worn {_times(w['times_worn'])})" if w["times_worn"] else "not worn yet)")
                for w in res["cost_per_wear"]
            ]
        )
        priced = res["priced_items"]
        average = _money(res["average_cost_per_wear"])
        return (
            f"Across your {priced} priced item{'s' if priced != 1 else ''} (worth "
            f"{_money(res['value'])}), the cost per wear is {average} on average. "
            f"Highest per wear: {top}."
        )

    # -- helpers ------------------------------------------------------------------------

    def _anchors(self, r: _Run, k: int, *, each_term: bool = False) -> list[dict[str, Any]]:
        """The caller's items the question refers to ("my blue trousers")."""
        p = r.p
        if each_term and len(p.categories) + len(p.slots) >= 2:
            found: list[dict[str, Any]] = []
            for term in [*p.categories, *p.slots]:
                res, _ = self._best_of_term(r, term)
                found += [i for i in res["items"] if i["id"] not in {x["id"] for x in found}]
            return found[:k]
        f = p.garment_filters()
        if f.empty():
            return []
        res = r.call("search_items", {**f.model_dump(exclude_none=True), "limit": k,
                                      "query": p.text})  # fmt: skip
        if res.get("relaxed"):
            # a colour family the user does not own for this kind: try the kind alone
            loose = Filters(slot=f.slot, category=f.category)
            if loose.empty():
                return []
            items = apply(r.session.items(), loose)
            if not items:
                return []
            res = r.call("search_items", {**loose.model_dump(exclude_none=True), "limit": k,
                                          "query": p.text})  # fmt: skip
            if not res["items"] or res.get("relaxed"):
                return []
            r.approximate = True
        return list(res["items"])

    def _not_found(self, r: _Run) -> str:
        text = f"I could not find {noun_of(r.p, plural=False)} like that in your wardrobe."
        tip = self._advice(r) if guidance_corpus.search(r.p.text, 1) else ""
        return f"{text} {tip}".strip()

    def _outfits_text(self, r: _Run, res: dict[str, Any], lead: str) -> str:
        outfits = res.get("outfits", [])
        if not outfits:
            msg = res.get("message") or "your wardrobe cannot make a complete outfit yet"
            return f"{lead}I found no complete outfit: {msg}{_missing(res)}."
        best = outfits[0]
        r.keep_outfits(outfits[:2])
        r.use(best["items"])
        why = _reason(best, weather=_weather_given(r.session))
        text = f"{lead}wear {your([i['label'] for i in best['items']])}.{why}"
        if len(outfits) > 1:
            other = outfits[1]
            r.use(other["items"])
            text += f" Another option: {your([i['label'] for i in other['items']])}."
        return text[0].upper() + text[1:]


class _Run:
    """One answer's tool calls and the items/outfits it ends up using."""

    def __init__(self, toolbox: Toolbox, session: ToolSession, p: Parsed, intent: str) -> None:
        self.toolbox, self.session, self.p, self.intent = toolbox, session, p, intent
        self.calls: list[ToolOutcome] = []
        self.used: list[int] = []
        self.outfits: list[dict[str, Any]] = []
        self.guidance: list[str] = []
        self.approximate = False

    def call_raw(self, name: str, args: dict[str, Any]) -> ToolOutcome:
        outcome = self.toolbox.run(self.session, name, args)
        self.calls.append(outcome)
        return outcome

    def call(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        outcome = self.call_raw(name, args)
        if not outcome.ok:
            raise PlannerError(outcome.error or "tool failed")
        return outcome.result or {}

    def use(self, items: list[dict[str, Any]]) -> None:
        for item in items:
            if item["id"] not in self.used:
                self.used.append(item["id"])

    def keep_outfits(self, outfits: list[dict[str, Any]]) -> None:
        for o in outfits:
            if o not in self.outfits:
                self.outfits.append(
                    {k: o[k] for k in ("item_ids", "score", "explanation", "notes", "id") if k in o}
                )


class PlannerError(Exception):
    pass


def dt_date(value: str) -> date:
    return date.fromisoformat(str(value)[:10])


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _on_day(day: date, today: date) -> str:
    """ "today", "yesterday", "tomorrow", else "on Monday 23 November"."""
    named = {0: "today", -1: "yesterday", 1: "tomorrow"}.get((day - today).days)
    return f"{named} ({day_name(day)})" if named else f"on {day_name(day)}"


def _gap(missing: dict[str, Any]) -> str:
    """A packing list's gap in words: its reason, or the slots an occasion lacks."""
    reason = str(missing.get("reason") or "")
    slots = join([str(s) for s in missing.get("slots") or []])
    if (not reason or reason == "not covered") and slots:
        occasion = missing.get("occasion")
        return f"{slots} for the {occasion} days" if occasion else slots
    return reason or "an outfit the wardrobe cannot complete"


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _last_worn(row: dict[str, Any]) -> str:
    if not row.get("times_worn") or not row.get("last_worn"):
        return "never worn"
    return f"last worn {day_name(dt_date(row['last_worn']))}"


def _money(value: Any) -> str:
    return "—" if value is None else f"{float(value):.2f}"


_DAYS = re.compile(r"\b(\d{1,4}) (days?|weeks?|months?|years?)\b")


def _days_named(words: list[str]) -> int | None:
    """ "in 30 days", "for 3 months": that many days (at most ten years)."""
    m = _DAYS.search(" ".join(words))
    if m is None:
        return None
    unit = {"d": 1, "w": 7, "m": 30, "y": 365}[m.group(2)[0]]
    return max(1, min(3650, int(m.group(1)) * unit))


_NOT_PLACES = frozenset({"I", "I'm", "I've", "Is", "My", "What", "Which", "When", "Where",
                         "How", "Do", "Did", "Should", "Can", "Am", "Have", "Has", "Are",
                         "Please", "Aura"})  # fmt: skip
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'’-]+(?: [A-Z][\w'’-]+)*")


def _trip_dates(trip: dict[str, Any]) -> str:
    return dates(dt_date(trip["start_date"]), dt_date(trip["end_date"]))


def _place_named(question: str) -> str | None:
    """A capitalised word inside the question that is no weekday or month: a place the
    user named ("my Tokyo trip"), or None."""
    import calendar

    days = {*calendar.day_name, *calendar.month_name}
    for m in _CAPITALISED.finditer(question.strip()):
        words = [w for w in m.group(0).split() if w not in _NOT_PLACES and w not in days]
        if words:
            return " ".join(words)
    return None


def _names_place(text: str, destination: str) -> bool:
    """Whether the question names the trip's destination (any of its words)."""
    words = [w for w in tokens(destination) if len(w) > 2]
    return any(re.search(rf"\b{re.escape(w)}\b", text) for w in words)


def _colours_near(p: Parsed, term: str) -> list[str]:
    """The colour families named right before ``term`` in the question."""
    ws = p.words
    for n, w in enumerate(ws):
        if w == term or (lexical_slot(w) or (None, None))[1] == term or SLOT_WORDS.get(w) == term:
            for back in (1, 2):
                if n - back >= 0 and (fam := colour_family(ws[n - back])):
                    return [fam]
    return []


_EXPLANATION = re.compile(r"^(\w+): (.*?)(?: \((\d+(?:\.\d+)?)\))?$")


def _reason(outfit: dict[str, Any], *, weather: bool = False) -> str:
    """The scorer's reasons, as a sentence: colour and formality (and the weather check
    when the user gave the weather), without the scores."""
    keep = ("colour", "formality", *(("weather",) if weather else ()))
    why = []
    for line in outfit.get("explanation", []):
        m = _EXPLANATION.match(str(line).strip())
        if m and m.group(1) in keep and m.group(2) and m.group(2) != "no weather constraint":
            why.append(m.group(2))
    return f" Why: {'; '.join(why)}." if why else ""


def _weather_given(session: ToolSession) -> bool:
    c = session.context
    return c.temperature_c is not None or c.raining or c.snowing


def _missing(res: dict[str, Any]) -> str:
    missing = res.get("missing") or []
    return f" (missing: {join(missing)})" if missing else ""


def _for_context(session: ToolSession) -> str:
    c = session.context
    bits = []
    if c.event:
        article = "an" if c.event[0] in "aeiou" else "a"
        named = {"work": "work", "office": "the office", "weekend": "the weekend",
                 "beach": "the beach", "gym": "the gym"}  # fmt: skip
        bits.append(named.get(c.event, f"{article} {c.event}"))
    elif c.occasion:
        bits.append(c.occasion)
    when = ""
    if c.date:
        when = {session.today.isoformat(): " today"}.get(c.date, "")
        if not when:
            delta = (date.fromisoformat(c.date) - session.today).days
            when = " tomorrow" if delta == 1 else f" on {date.fromisoformat(c.date):%A}"
    weather = c.weather_words()
    head = ("For " + " ".join(bits) + when) if bits else ""
    if weather:
        head = f"{head} in {weather}" if head else f"For {weather}"
    return f"{head}, " if head else ""
