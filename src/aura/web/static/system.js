// The platform at a glance: readiness and start-up phases, models, index, storage.
import { api } from "./api.js";
import { errorBox, fill, h, heading, humanBytes } from "./dom.js";

const SERVICES = [
  ["visual_analysis", "/api/v1/visual-analysis/info"],
  ["outfit_recommendation", "/api/v1/outfit-recommendation/info"],
  ["conversational_ai", "/api/v1/conversational-ai/info"],
];

// Tables of three or more columns become one card per row on a phone (styles.css): each
// cell carries its column's name, shown beside the value. Roles keep the table semantics
// that display:block would otherwise drop.
function table(caption, head, rows) {
  const cards = head.length > 2;
  return h(
    "div",
    { class: cards ? "table-wrap cards" : "table-wrap" },
    h(
      "table",
      { role: "table" },
      h("caption", {}, caption),
      h("thead", { role: "rowgroup" }, h("tr", { role: "row" }, head.map((c) => h("th", { scope: "col", role: "columnheader" }, c)))),
      h(
        "tbody",
        { role: "rowgroup" },
        rows.map((r) =>
          h(
            "tr",
            { role: "row" },
            r.map((c, i) =>
              i
                ? h("td", { role: "cell", "data-label": head[i] || null }, c)
                : h("th", { scope: "row", role: "rowheader" }, c),
            ),
          ),
        ),
      ),
    ),
  );
}

const badge = (ok, text) => h("span", { class: `badge ${ok === null ? "neutral" : ok ? "good" : "bad"}` }, text);

function modelState(m) {
  if (m.state === "missing" && !m.required) return badge(null, "not installed (optional)");
  return badge(m.state === "ok", m.state);
}

async function serviceRows() {
  return Promise.all(
    SERVICES.map(async ([name, path]) => {
      try {
        const info = await api(path);
        return [name, badge(info.ready, info.status), info.version];
      } catch (error) {
        return [name, badge(false, "unreachable"), error.message];
      }
    }),
  );
}

export async function render(main) {
  const refresh = h("button", { type: "button", class: "quiet" }, "Refresh");
  const body = h("div", { "aria-live": "polite" });
  refresh.addEventListener("click", () => load());
  fill(main, h("div", { class: "title-row" }, heading("System"), refresh), body);

  async function load() {
    let status;
    try {
      status = await api("/api/v1/system/status");
    } catch (error) {
      fill(body, errorBox(error));
      return;
    }
    const s = status.startup;
    const kinds = ["models", "vector_store", "database", "logs", "other", "total"];
    const index = status.index;
    fill(
      body,
      h(
        "p",
        { class: "lead" },
        badge(status.ready, status.ready ? "ready" : s.status),
        ` Aura ${status.version} · ${status.database} · this process serves ${status.services.join(", ")}` +
          (s.startup_seconds != null ? ` · started in ${s.startup_seconds.toFixed(1)} s` : ""),
      ),
      s.error ? errorBox(s.error) : null,
      table("Services", ["service", "readiness", "version"], await serviceRows()),
      table(
        "Start-up phases",
        ["phase", "seconds"],
        s.phases.map((p) => [p.name, p.seconds.toFixed(2)]),
      ),
      table(
        "Models in the store",
        ["model", "size", "state", "verified"],
        status.models.map((m) => [
          h("span", {}, m.name, h("br"), h("small", { class: "muted" }, m.service)),
          m.size ? humanBytes(m.size) : "–",
          modelState(m),
          m.verified ? `${m.verified}s` : "–",
        ]),
      ),
      h(
        "p",
        { class: "muted small" },
        "Verified: file sizes are checked at every start; ",
        h("code", {}, "aura models verify"),
        " checks their hashes.",
      ),
      index
        ? table("Item index", ["", "now"], [
            ["vectors", String(index.count ?? "–")],
            ["index type", index.type || "–"],
            ["database change sequence", String(index.last_seq ?? "–")],
            ["unsaved changes", String(index.unsaved_changes ?? 0)],
            ["snapshot written", (index.manifest && index.manifest.written_at) || "none yet"],
            ["loaded by", h("span", { class: "wrap" }, index.how || "–")],
          ])
        : h("p", { class: "muted" }, "No item index in this process."),
      table(
        `Storage per service (${humanBytes(status.storage_total)} in all; empty ones left out)`,
        ["service", ...kinds.map((k) => k.replace("_", " "))],
        Object.entries(status.storage)
          .filter(([, row]) => row.total > 0)
          .map(([owner, row]) => [owner, ...kinds.map((k) => humanBytes(row[k]))]),
      ),
    );
  }
  await load();
}
