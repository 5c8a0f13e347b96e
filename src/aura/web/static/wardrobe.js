// The wardrobe: a grid of the user's items with filters; a dialog to edit or delete one.
import { api, forgetItem, query, rememberItem } from "./api.js";
import { busy, itemFigure, itemLabel, picture, swatches } from "./components.js";
import { errorBox, field, fill, h, heading, select } from "./dom.js";

const ITEMS = "/api/v1/wardrobe/items";
const PAGE = 24;
const filters = { category: "", color: "", pattern: "", q: "" };

function distinct(items, pick) {
  const seen = new Set();
  for (const item of items) for (const v of [pick(item)].flat()) if (v) seen.add(v);
  return [...seen].sort();
}

export async function render(main) {
  // the filter choices come from what the user owns (up to the first 100 items)
  const all = await api(`${ITEMS}?limit=100`);
  const choice = (name, label, values) =>
    field(
      label,
      select(name, [["", `Any ${label.toLowerCase()}`], ...values.map((v) => [v, v])], filters[name]),
    );
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter your items" },
    choice("category", "Category", distinct(all.items, (i) => i.category)),
    choice("color", "Colour", distinct(all.items, (i) => i.colors)),
    choice("pattern", "Pattern", distinct(all.items, (i) => i.pattern)),
    field(h("span", {}, "Search"), h("input", { type: "search", name: "q", value: filters.q })),
    h("button", { type: "submit" }, "Filter"),
  );
  const grid = h("ul", { class: "grid", "aria-label": "Your items" });
  const count = h("p", { class: "muted", "aria-live": "polite" });
  const more = h("button", { type: "button", class: "quiet", hidden: true }, "Show more");
  let shown = 0;

  async function load(reset) {
    if (reset) {
      shown = 0;
      fill(grid);
    }
    const page = await api(ITEMS + query({ ...filters, limit: PAGE, offset: shown }));
    for (const item of page.items) {
      rememberItem(item);
      grid.append(card(item, () => load(true)));
    }
    shown += page.items.length;
    count.textContent = page.total
      ? `${page.total} item${page.total === 1 ? "" : "s"}${Object.values(filters).some(Boolean) ? " match" : ""}`
      : "";
    more.hidden = shown >= page.total;
    if (!page.total) {
      grid.append(
        h(
          "li",
          { class: "empty-state" },
          Object.values(filters).some(Boolean)
            ? "Nothing matches these filters."
            : h("span", {}, "Your wardrobe is empty. ", h("a", { href: "#/add" }, "Add garments from a photo"), "."),
        ),
      );
    }
  }

  const apply = (event) => {
    if (event) event.preventDefault();
    const data = new FormData(form);
    for (const k of Object.keys(filters)) filters[k] = (data.get(k) || "").trim();
    load(true);
  };
  form.addEventListener("submit", apply);
  form.addEventListener("change", (e) => e.target.tagName === "SELECT" && apply());
  more.addEventListener("click", () => load(false));

  fill(
    main,
    h("div", { class: "title-row" }, heading("Wardrobe"), h("div", { class: "actions" }, backFromWash(() => load(true)), h("a", { class: "button", href: "#/add" }, "Add from a photo"))),
    form,
    count,
    grid,
    more,
  );
  await load(true);
}

// Wear and laundry: "Worn today", the laundry state, the wear count.
const LAUNDRY = [["clean", "Clean"], ["in_wash", "In the wash"], ["at_cleaner", "At the cleaner"], ["lent_out", "Lent out"]];

function wornText(item) {
  const n = item.times_worn || 0;
  return `Worn ${n}×${item.last_worn ? `, last on ${item.last_worn}` : ""}`;
}

function life(item, status) {
  const count = h("span", { class: "muted", "aria-live": "polite" }, wornText(item));
  const worn = h("button", { type: "button", class: "quiet" }, "Worn today");
  worn.addEventListener("click", async () => {
    try {
      await api("/api/v1/wardrobe/wears", { method: "POST", json: { item_ids: [item.id] } });
      const fresh = await api(`${ITEMS}/${item.id}`);
      rememberItem(fresh);
      Object.assign(item, fresh);
      count.textContent = wornText(item);
    } catch (error) {
      fill(status, errorBox(error));
    }
  });
  const state = select("laundry", LAUNDRY, item.laundry || "clean");
  state.addEventListener("change", async () => {
    try {
      const { items } = await api("/api/v1/wardrobe/laundry", { method: "POST", json: { item_ids: [item.id], state: state.value } });
      rememberItem(items[0]);
      Object.assign(item, items[0]);
    } catch (error) {
      fill(status, errorBox(error));
    }
  });
  return h("section", { class: "life actions", "aria-label": "Wear and laundry" }, worn, count, field("Laundry", state));
}

function card(item, reload) {
  const open = h(
    "button",
    { type: "button", class: "item-card", "aria-label": `${itemLabel(item)}: details` },
    picture(item),
    h("span", { class: "category" }, item.category),
    item.pattern ? h("span", { class: "muted" }, item.pattern) : null,
    item.laundry && item.laundry !== "clean" ? h("span", { class: "laundry-badge" }, item.laundry.replace("_", " ")) : null,
  );
  open.addEventListener("click", () => detail(item, reload, open));
  return h("li", { dataset: { itemId: item.id } }, open, swatches(item));
}

function detail(item, reload, opener) {
  const status = h("div", { "aria-live": "polite" });
  const input = (name, value, attrs = {}) => h("input", { name, value: value || "", ...attrs });
  const form = h(
    "form",
    { class: "stack" },
    field("Category", input("category", item.category, { required: true, maxlength: 50 })),
    field("Colours", input("colors", (item.colors || []).join(", ")), "Comma-separated, e.g. navy, white"),
    field("Pattern", input("pattern", item.pattern, { maxlength: 50 })),
    field("Description", h("textarea", { name: "description", rows: 3, maxlength: 2000, value: item.description || "" })),
    field("Price paid", input("purchase_price", item.purchase_price == null ? "" : String(item.purchase_price), { type: "number", min: 0, step: "0.01" })),
    field("Bought on", input("purchase_date", item.purchase_date, { type: "date" })),
  );
  const save = h("button", { type: "submit" }, "Save changes");
  const del = h("button", { type: "button", class: "danger" }, "Delete item");
  const close = h("button", { type: "button", class: "quiet" }, "Close");
  form.append(h("div", { class: "actions" }, save, del, close), status);

  const alike = h("section", { class: "similar", "aria-labelledby": "similar-title" });
  const dialog = h(
    "dialog",
    { class: "detail", "aria-labelledby": "detail-title" },
    h("h2", { id: "detail-title" }, itemLabel(item) || "Item"),
    h("div", { class: "detail-body" }, picture(item, "photo"), form),
    life(item, status),
    alike,
  );
  similar(item, alike);
  const finish = (changed) => {
    dialog.close();
    dialog.remove();
    if (changed) reload();
    else opener.focus();
  };
  close.addEventListener("click", () => finish(false));
  dialog.addEventListener("cancel", (e) => {
    e.preventDefault();
    finish(false);
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const patch = {
      category: data.get("category").trim(),
      colors: data
        .get("colors")
        .split(",")
        .map((c) => c.trim())
        .filter(Boolean),
      pattern: data.get("pattern").trim() || null,
      description: data.get("description"),
      purchase_price: data.get("purchase_price") === "" ? null : Number(data.get("purchase_price")),
      purchase_date: data.get("purchase_date") || null,
    };
    const restore = busy(save, "Saving…");
    try {
      const updated = await api(`${ITEMS}/${item.id}`, { method: "PATCH", json: patch });
      rememberItem(updated);
      finish(true);
    } catch (error) {
      fill(status, errorBox(error));
      restore();
    }
  });
  del.addEventListener("click", () => {
    const confirm = h("button", { type: "button", class: "danger" }, "Yes, delete it");
    const keep = h("button", { type: "button", class: "quiet" }, "Keep it");
    fill(status, h("div", { class: "confirm", role: "alert" }, "Delete this item for good? ", confirm, keep));
    keep.addEventListener("click", () => {
      fill(status);
      del.focus();
    });
    confirm.addEventListener("click", async () => {
      try {
        await api(`${ITEMS}/${item.id}`, { method: "DELETE" });
        forgetItem(item.id);
        finish(true);
      } catch (error) {
        fill(status, errorBox(error));
      }
    });
    confirm.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
}

// "Looks like" (the photo's image embedding) or "sounds like" (the description), as the
// server says which space it searched; nothing is shown when the wardrobe has no others.
async function similar(item, box) {
  try {
    const found = await api(`${ITEMS}/${item.id}/similar?k=6`);
    if (!found.results.length) return;
    const title = found.space === "image" ? "Looks like" : "Described like";
    fill(
      box,
      h("h3", { id: "similar-title" }, title),
      h(
        "div",
        { class: "minis" },
        found.results.map((r) =>
          itemFigure(r.item.id, `${itemLabel(r.item)} · ${Math.round(r.score * 100)}%`),
        ),
      ),
    );
  } catch (error) {
    fill(box, errorBox(error));
  }
}

// every item in the wash is clean again
function backFromWash(reload) {
  const button = h("button", { type: "button", class: "quiet" }, "Back from the wash");
  button.addEventListener("click", async () => {
    await api("/api/v1/wardrobe/laundry/back", { method: "POST", json: {} });
    reload();
  });
  return button;
}
