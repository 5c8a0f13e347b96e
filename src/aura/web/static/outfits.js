// Outfits: suggestions for an occasion, season and weather (every outfit returned, what each
// lacks, what the wardrobe lacks); what to buy next; saved outfits; complete one.
import { api } from "./api.js";
import { busy, itemFigure, itemLabel } from "./components.js";
import { errorBox, field, fill, h, heading, select } from "./dom.js";

const OUTFITS = "/api/v1/outfit-recommendation";
const OCCASIONS = ["casual", "work", "formal", "party", "date", "sport"];
const SEASONS = ["spring", "summer", "autumn", "winter"];
const choices = (values, none) => [["", none], ...values.map((v) => [v, v])];

function context(form) {
  const data = new FormData(form);
  const out = {};
  if (data.get("occasion")) out.occasion = data.get("occasion");
  if (data.get("season")) out.season = data.get("season");
  const t = data.get("temperature");
  const raining = data.get("raining") === "on";
  if (t !== "" || raining) {
    out.weather = { raining };
    if (t !== "") out.weather.temperature_c = Number(t);
  }
  return out;
}

function scoreLine(result, scorer) {
  return h(
    "p",
    { class: "score" },
    h("meter", { min: 0, max: 1, value: result.score, "aria-label": "Score" }),
    ` ${Math.round(result.score * 100)} / 100 · scored by `,
    h("strong", {}, result.scorer || scorer),
  );
}

function explanation(result) {
  const reasons = [result.explanation || []].flat().filter(Boolean);
  if (!reasons.length) return null;
  return h("ul", { class: "explanation", "aria-label": "Why" }, reasons.map((r) => h("li", {}, r)));
}

function notesList(outfit) {
  const notes = outfit.notes || [];
  if (!notes.length) return null;
  return h("ul", { class: "notes", "aria-label": "Missing" }, notes.map((n) => h("li", {}, n)));
}

// The gaps route's query string for the context form (the same context the suggestions use).
function gapQuery(ctx) {
  const params = new URLSearchParams();
  if (ctx.occasion) params.set("occasion", ctx.occasion);
  if (ctx.season) params.set("season", ctx.season);
  if (ctx.weather && ctx.weather.temperature_c !== undefined) params.set("temperature_c", String(ctx.weather.temperature_c));
  if (ctx.weather && ctx.weather.raining) params.set("raining", "true");
  const query = params.toString();
  return query ? `?${query}` : "";
}

async function renderGaps(section, ctx) {
  const body = await api(`${OUTFITS}/gaps${gapQuery(ctx)}`);
  fill(
    section,
    h("h2", { id: "gaps-title" }, "What to buy next"),
    body.gaps.length
      ? h(
          "ol",
          { class: "gaps" },
          body.gaps.map((g) =>
            h(
              "li",
              { class: "card", dataset: { slot: g.slot } },
              h("strong", {}, g.item || g.slot),
              h("span", { class: "muted" }, ` · ${g.slot} · ${g.colour_family}${g.waterproof ? " · waterproof" : ""}`),
              h("p", {}, g.reason),
            ),
          ),
        )
      : h("p", { class: "muted" }, "No single item would add a better outfit for this."),
  );
}

function itemsRow(items) {
  return h("div", { class: "minis" }, items.map((i) => itemFigure(i.id, itemLabel(i))));
}

function savedActions(outfit, onChange) {
  const fav = h(
    "button",
    { type: "button", class: "quiet", "aria-pressed": String(Boolean(outfit.favorite)) },
    outfit.favorite ? "★ Favourite" : "☆ Favourite",
  );
  const worn = h("button", { type: "button", class: "quiet" }, "Mark worn");
  const note = h("span", { class: "muted", "aria-live": "polite" }, `Worn ${outfit.times_worn || 0}×`);
  fav.addEventListener("click", async () => {
    const updated = await api(`${OUTFITS}/outfits/${outfit.id}`, {
      method: "PATCH",
      json: { favorite: !outfit.favorite },
    });
    Object.assign(outfit, updated);
    fav.setAttribute("aria-pressed", String(Boolean(outfit.favorite)));
    fav.textContent = outfit.favorite ? "★ Favourite" : "☆ Favourite";
    onChange();
  });
  worn.addEventListener("click", async () => {
    const updated = await api(`${OUTFITS}/outfits/${outfit.id}/worn`, { method: "POST" });
    Object.assign(outfit, updated.outfit || updated);
    note.textContent = `Worn ${outfit.times_worn || 0}×`;
    onChange();
  });
  return h("div", { class: "actions" }, fav, worn, note);
}

export async function render(main) {
  const form = h(
    "form",
    { class: "filters", "aria-label": "What the outfit is for" },
    field("Occasion", select("occasion", choices(OCCASIONS, "Any occasion"))),
    field("Season", select("season", choices(SEASONS, "Any season"))),
    field("Temperature (°C)", h("input", { type: "number", name: "temperature", min: -60, max: 60, step: 1 })),
    h("div", { class: "field check" }, h("input", { type: "checkbox", name: "raining", id: "raining" }), h("label", { for: "raining" }, "Raining")),
    h("button", { type: "submit" }, "Suggest outfits"),
  );
  const suggestions = h("section", { "aria-live": "polite", "aria-label": "Suggestions" });
  const gaps = h("section", { "aria-labelledby": "gaps-title", "aria-live": "polite" });
  const saved = h("section", { "aria-labelledby": "saved-title" });
  const completer = h("section", { "aria-labelledby": "complete-title" });

  async function loadSaved() {
    const body = await api(`${OUTFITS}/outfits?limit=50`);
    fill(
      saved,
      h("h2", { id: "saved-title" }, "Saved outfits"),
      body.outfits.length ? null : h("p", { class: "muted" }, "Nothing saved yet."),
      h(
        "ul",
        { class: "outfits" },
        body.outfits.map((o) =>
          h(
            "li",
            { class: "card", dataset: { outfitId: o.id } },
            itemsRow(o.items),
            h("p", { class: "muted" }, [o.occasion, o.season].filter(Boolean).join(" · ") || "any time"),
            savedActions(o, () => {}),
          ),
        ),
      ),
    );
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    const restore = busy(button, "Thinking…");
    const ctx = context(form);
    try {
      const body = await api(`${OUTFITS}/recommendations`, { method: "POST", json: { ...ctx, max_results: 4 } });
      fill(
        suggestions,
        h("h2", {}, "Suggestions"),
        // the server's sentence: how many outfits, and what is missing (or why there is none)
        h("p", { class: body.missing && body.missing.length ? "missing" : "muted", dataset: { missing: (body.missing || []).join(" ") } }, body.message || ""),
        body.outfits.length
          ? h("ul", { class: "outfits" }, body.outfits.map((o, i) => suggestion(o, i, body.scorer, ctx, loadSaved)))
          : null,
      );
      renderGaps(gaps, ctx).catch((error) => fill(gaps, errorBox(error)));
    } catch (error) {
      fill(suggestions, errorBox(error));
    } finally {
      restore();
    }
  });

  fill(main, heading("Outfits"), form, suggestions, gaps, completer, saved);
  await Promise.all([loadSaved(), renderCompleter(completer, form), renderGaps(gaps, {})]);
}

function suggestion(outfit, i, scorer, ctx, onSaved) {
  const status = h("div", { class: "actions" });
  const save = h("button", { type: "button" }, "Save");
  const fav = h("button", { type: "button", class: "quiet" }, "Save as favourite");
  const store = async (favorite) => {
    try {
      const out = await api(`${OUTFITS}/outfits`, {
        method: "POST",
        json: { ...ctx, item_ids: outfit.item_ids, favorite },
      });
      fill(status, h("span", { class: "ok" }, favorite ? "Saved as a favourite." : "Saved."), savedActions(out, onSaved));
      onSaved();
    } catch (error) {
      fill(status, errorBox(error));
    }
  };
  save.addEventListener("click", () => store(false));
  fav.addEventListener("click", () => store(true));
  status.append(save, fav);
  return h(
    "li",
    { class: "card", "aria-label": `Outfit ${i + 1}` },
    h("h3", {}, `Outfit ${i + 1}`),
    itemsRow(outfit.items),
    scoreLine(outfit, scorer),
    notesList(outfit),
    explanation(outfit),
    status,
  );
}

async function renderCompleter(section, contextForm) {
  const all = await api("/api/v1/wardrobe/items?limit=100");
  const cats = [...new Set(all.items.map((i) => i.category))].sort();
  const form = h(
    "form",
    { class: "filters" },
    field(
      "Start from",
      select("item", [["", "Choose an item"], ...all.items.map((i) => [String(i.id), `${itemLabel(i)} (#${i.id})`])]),
    ),
    field(
      "Find a",
      h("input", { name: "target", list: "target-categories", required: true, placeholder: "e.g. shoes" }),
      "Any kind of garment: t-shirt, shoes, top, bottom, outerwear, bag",
    ),
    h("datalist", { id: "target-categories" }, [...new Set([...cats, "shoes", "top", "bottom", "outerwear", "bag"])].map((c) => h("option", { value: c }))),
    h("button", { type: "submit" }, "Complete the outfit"),
  );
  const results = h("div", { "aria-live": "polite" });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    if (!data.get("item")) {
      fill(results, h("p", { role: "alert" }, "Choose the item to start from."));
      return;
    }
    const start = all.items.find((i) => i.id === Number(data.get("item")));
    try {
      const body = await api(`${OUTFITS}/complete`, {
        method: "POST",
        json: { ...context(contextForm), item_ids: [Number(data.get("item"))], target_category: data.get("target").trim(), k: 4 },
      });
      fill(
        results,
        body.results.length
          ? h(
              "ol",
              { class: "outfits" },
              // the item started from beside each candidate: the score is the pair's
              body.results.map((r) =>
                h("li", { class: "card", "aria-label": `With ${itemLabel(r.item)}` }, itemsRow(start ? [start, r.item] : [r.item]), scoreLine(r, body.scorer), explanation(r)),
              ),
            )
          : h("p", {}, `You have no ${body.target_slot || body.target_category} to add.`),
      );
    } catch (error) {
      fill(results, errorBox(error));
    }
  });
  fill(section, h("h2", { id: "complete-title" }, "Complete an outfit"), form, results);
}
