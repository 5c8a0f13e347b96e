// Insights: cost per wear, value, most and least worn, declutter candidates, slot and
// colour balance (bar charts drawn here as SVG); "Your data": download, CSV import.
import { api, authHeaders } from "./api.js";
import { busy, itemFigure, itemLabel } from "./components.js";
import { errorBox, fill, h, heading } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
const FAMILY_COLOURS = {
  black: "#111111", white: "#f4f4f4", grey: "#8a8a8a", beige: "#d9c6a5", brown: "#7b4a2a",
  red: "#c62828", orange: "#ef6c00", yellow: "#f9d71c", green: "#2e7d32", blue: "#1e5bb8",
  purple: "#6a1b9a", pink: "#e91e63", gold: "#c9a227", silver: "#b8b8c0", multicolour: "#7e57c2",
  navy: "#1a2a5a", metallic: "#a7a7b0",
};

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

// A horizontal bar chart: [[label, value, colour?]]; described for screen readers.
export function barChart(title, rows) {
  const max = Math.max(1, ...rows.map((r) => r[1]));
  const rowH = 26;
  const width = 420;
  const labelW = 110;
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${rows.length * rowH + 4}`,
    role: "img",
    "aria-label": `${title}: ${rows.map(([l, v]) => `${l} ${v}`).join(", ")}`,
    class: "chart",
  });
  rows.forEach(([label, value, colour], i) => {
    const y = i * rowH + 2;
    const w = Math.max(value ? 2 : 0, ((width - labelW - 40) * value) / max);
    chart.append(
      svg("text", { x: labelW - 6, y: y + 17, "text-anchor": "end", class: "chart-label" }, label),
      svg("rect", { x: labelW, y: y + 3, width: w, height: rowH - 8, rx: 4, fill: colour || "#3b2f63", stroke: "#5d5870", "stroke-width": 0.5 }),
      svg("text", { x: labelW + w + 6, y: y + 17, class: "chart-value" }, value),
    );
  });
  return h("figure", { class: "card chart-card" }, h("figcaption", {}, h("strong", {}, title)), chart);
}

const money = (v) => (v == null ? "—" : v.toFixed(2));

export async function render(main) {
  const data = await api("/api/v1/wardrobe/insights?unworn_days=90");
  const stats = h(
    "dl",
    { class: "stats" },
    h("div", {}, h("dt", {}, "Items"), h("dd", {}, data.items)),
    h("div", {}, h("dt", {}, "Wears logged"), h("dd", {}, data.wears)),
    h("div", {}, h("dt", {}, "Wardrobe value"), h("dd", {}, money(data.value))),
    h("div", {}, h("dt", {}, "Average cost per wear"), h("dd", {}, money(data.average_cost_per_wear))),
  );
  const slots = barChart("Items per slot", Object.entries(data.slots).map(([s, n]) => [s, n]));
  const colours = barChart(
    "Items per colour family",
    Object.entries(data.colour_families).map(([f, n]) => [f, n, FAMILY_COLOURS[f] || "#9a9aa5"]),
  );
  const costRows = data.cost_per_wear.slice(0, 10).map((i) =>
    h("tr", {}, h("th", { scope: "row" }, itemLabel(i)), h("td", {}, money(i.purchase_price)), h("td", {}, i.times_worn), h("td", {}, i.times_worn ? money(i.cost_per_wear) : "not worn yet")),
  );
  const costTable = costRows.length
    ? h("table", { "aria-label": "Cost per wear" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Item"), h("th", { scope: "col" }, "Price"), h("th", { scope: "col" }, "Wears"), h("th", { scope: "col" }, "Per wear"))),
        h("tbody", {}, costRows))
    : h("p", { class: "muted" }, "Add purchase prices to your items to see their cost per wear.");
  const minis = (items, empty) =>
    items.length ? h("div", { class: "minis" }, items.map((i) => itemFigure(i.id, `${itemLabel(i)} · ${i.times_worn}×`))) : h("p", { class: "muted" }, empty);

  fill(
    main,
    heading("Insights"),
    stats,
    h("div", { class: "charts" }, slots, colours),
    h("h2", {}, "Cost per wear"),
    costTable,
    h("h2", {}, "Most worn"),
    minis(data.most_worn, "Log what you wear to see it here."),
    h("h2", {}, "Least worn"),
    minis(data.least_worn, "Nothing yet."),
    h("h2", {}, `Not worn in ${data.not_worn.days} days`),
    minis(data.not_worn.items, notWornEmpty(data)),
    ...newItems(data),
    yourData(),
  );
}

// Nothing to declutter: say why. Items added within the N days and not worn yet are new,
// not "worn lately"; only a wardrobe whose every item was worn in the N days was.
function notWornEmpty(data) {
  const fresh = (data.not_worn.new || []).length;
  const days = data.not_worn.days;
  if (!data.items) return "Add items to your wardrobe to see them here.";
  if (fresh === data.items) return `Nothing to declutter: your items are new (added in the last ${days} days).`;
  if (fresh) return `Nothing to declutter: every item was worn in the last ${days} days or is new.`;
  return `Everything was worn in the last ${days} days.`;
}

function newItems(data) {
  const fresh = data.not_worn.new || [];
  if (!fresh.length) return [];
  return [
    h("h2", {}, "New, not worn yet"),
    h("div", { class: "minis" }, fresh.map((i) => itemFigure(i.id, `${itemLabel(i)} · new`))),
  ];
}

function yourData() {
  const status = h("div", { "aria-live": "polite" });
  const download = h("button", { type: "button" }, "Download my data");
  download.addEventListener("click", async () => {
    const restore = busy(download, "Preparing…");
    try {
      const r = await api("/api/v1/wardrobe/export", { raw: true });
      const url = URL.createObjectURL(await r.blob());
      const name = (/filename="([^"]+)"/.exec(r.headers.get("content-disposition") || "") || [])[1] || "aura-data.zip";
      const link = h("a", { href: url, download: name, class: "download-link" }, `Save ${name}`);
      fill(status, h("p", { class: "ok" }, "Your data is ready: ", link));
      link.click();
    } catch (error) {
      fill(status, errorBox(error));
    }
    restore();
  });
  const file = h("input", { type: "file", id: "import-file", accept: ".csv,.zip,text/csv,application/zip" });
  file.addEventListener("change", async () => {
    const chosen = file.files[0];
    if (!chosen) return;
    const zip = /\.zip$/i.test(chosen.name);
    try {
      const result = await api(zip ? "/api/v1/wardrobe/import" : "/api/v1/wardrobe/import/csv", {
        method: "POST",
        body: chosen,
        headers: authHeaders({ "Content-Type": zip ? "application/zip" : "text/csv" }),
      });
      const counts = Object.entries(result.imported).map(([k, v]) => `${v} ${k}`).join(", ");
      fill(status, h("p", { class: "ok" }, `Imported ${counts} from ${chosen.name}.`));
    } catch (error) {
      const box = errorBox(error);
      const lines = (error.detail || []).filter((d) => d.line != null);
      if (lines.length) box.append(h("ul", { class: "bad-lines" }, lines.map((d) => h("li", {}, `line ${d.line}: ${d.error}`))));
      fill(status, box);
    }
    file.value = "";
  });
  return h(
    "section",
    { class: "card your-data", "aria-labelledby": "your-data" },
    h("h2", { id: "your-data" }, "Your data"),
    h("p", {}, "Everything of yours in one ZIP: items (JSON and CSV), photos, outfits, wear log, calendar, trips and conversations. Import it here, or into another Aura."),
    h("div", { class: "actions" }, download),
    h("label", { for: "import-file" }, "Import a CSV of items or a data ZIP"),
    file,
    h("small", { class: "muted" }, "CSV columns: category (required), colors (separated by ;), pattern, description, purchase_price, purchase_date (YYYY-MM-DD), laundry, attributes."),
    status,
  );
}
