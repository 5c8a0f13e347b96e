// Trips: plan a trip, get its packing list (outfits per day, a checklist that persists,
// what is missing).
import { api } from "./api.js";
import { busy, itemFigure, itemLabel } from "./components.js";
import { errorBox, field, fill, h, heading, select } from "./dom.js";
import { isoDay } from "./calendar.js";

const TRIPS = "/api/v1/trips";
const OCCASIONS = ["casual", "work", "formal", "party", "date", "sport"];

export async function render(main, [tripId]) {
  if (tripId) return renderTrip(main, tripId);
  const { trips } = await api(TRIPS);
  const status = h("div", { "aria-live": "polite" });
  const start = isoDay(new Date(Date.now() + 7 * 86400000));
  const end = isoDay(new Date(Date.now() + 10 * 86400000));
  const form = h(
    "form",
    { class: "filters", "aria-label": "Plan a trip" },
    field("Destination", h("input", { name: "destination", required: true, maxlength: 100 })),
    field("First day", h("input", { type: "date", name: "start", required: true, value: start })),
    field("Last day", h("input", { type: "date", name: "end", required: true, value: end })),
    field("Occasion", select("occasion", OCCASIONS.map((o) => [o, o]), "casual")),
    field("Expected °C", h("input", { type: "number", name: "temperature", min: -60, max: 60 })),
    h("div", { class: "field check" }, h("input", { type: "checkbox", name: "raining", id: "trip-rain" }), h("label", { for: "trip-rain" }, "Rain expected")),
    h("button", { type: "submit" }, "Make the packing list"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const first = data.get("start");
    const last = data.get("end");
    const days = [];
    const t = data.get("temperature");
    for (let d = first; d <= last && days.length < 60; d = isoDay(new Date(new Date(`${d}T12:00:00`).getTime() + 86400000))) {
      const day = { date: d, occasions: [data.get("occasion")] };
      if (t !== "" || data.get("raining") === "on") {
        day.weather = { raining: data.get("raining") === "on" };
        if (t !== "") day.weather.temperature_c = Number(t);
      }
      days.push(day);
    }
    const restore = busy(form.querySelector("button[type=submit]"), "Packing…");
    try {
      const trip = await api(TRIPS, {
        method: "POST",
        json: { destination: data.get("destination").trim(), start_date: first, end_date: last, days },
      });
      location.hash = `#/trips/${trip.id}`;
    } catch (error) {
      fill(status, errorBox(error));
      restore();
    }
  });
  fill(
    main,
    heading("Trips"),
    form,
    status,
    h("h2", {}, "Your trips"),
    trips.length
      ? h("ul", { class: "trips" }, trips.map((t) =>
          h("li", {}, h("a", { href: `#/trips/${t.id}` }, `${t.destination}: ${t.start_date} to ${t.end_date}`),
            h("span", { class: "muted" }, ` · ${t.packed}/${t.checklist.length} packed`))))
      : h("p", { class: "muted" }, "No trips yet."),
  );
}

async function renderTrip(main, tripId) {
  const trip = await api(`${TRIPS}/${encodeURIComponent(tripId)}`);
  const count = h("p", { class: "muted", "aria-live": "polite" }, `${trip.packed} of ${trip.checklist.length} packed`);
  const checklist = h(
    "ul",
    { class: "checklist", "aria-label": "Packing checklist" },
    trip.checklist.map((entry) => {
      const id = `pack-${entry.item_id}`;
      const box = h("input", { type: "checkbox", id, checked: entry.packed });
      box.addEventListener("change", async () => {
        const body = box.checked ? { packed: [entry.item_id] } : { unpacked: [entry.item_id] };
        const updated = await api(`${TRIPS}/${trip.id}/checklist`, { method: "PATCH", json: body });
        count.textContent = `${updated.packed} of ${updated.checklist.length} packed`;
      });
      return h("li", {}, box, h("label", { for: id }, itemLabel(entry.item) || `item ${entry.item_id}`));
    }),
  );
  const missing = trip.missing.length
    ? h("div", { class: "error", role: "note" }, h("strong", {}, "Missing for this trip"),
        h("ul", {}, trip.missing.map((m) => h("li", {}, `${m.occasion ? `${m.occasion}: ` : ""}${m.reason}${m.slots.length ? ` (${m.slots.join(", ")})` : ""}`))))
    : null;
  const days = h(
    "ol",
    { class: "trip-days" },
    trip.days.map((d) =>
      h("li", { class: "card" }, h("h3", {}, d.date),
        d.outfits.map((o) => h("div", {}, h("p", { class: "muted" }, o.occasion),
          o.item_ids.length ? h("div", { class: "minis" }, o.item_ids.map((i) => itemFigure(i))) : h("p", {}, "No outfit.")))),
    ),
  );
  fill(
    main,
    h("div", { class: "title-row" }, heading(`${trip.destination}`), h("a", { href: "#/trips" }, "All trips")),
    h("p", {}, `${trip.start_date} to ${trip.end_date} · ${trip.checklist.length} items for ${trip.days.length} days`),
    missing,
    h("h2", {}, "Checklist"),
    count,
    checklist,
    h("h2", {}, "Outfits per day"),
    days,
  );
}
