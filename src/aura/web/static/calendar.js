// Calendar: the week's planned outfits and wears; plan a day (your weather or the
// forecast), confirm a planned day as worn.
import { api, query } from "./api.js";
import { busy, itemFigure, itemLabel } from "./components.js";
import { errorBox, field, fill, h, heading, select } from "./dom.js";

const CAL = "/api/v1/calendar";
const OCCASIONS = ["casual", "work", "formal", "party", "date", "sport"];
let weekStart = null;

export function isoDay(d) {
  const local = new Date(d.getTime() - d.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 10);
}

function addDays(iso, n) {
  const d = new Date(`${iso}T12:00:00`);
  d.setDate(d.getDate() + n);
  return isoDay(d);
}

function weatherText(w, source) {
  if (!w) return "no weather given";
  const t = w.temperature_c == null ? "" : `${w.temperature_c} °C`;
  return `${[t, w.raining ? "rain" : "dry"].filter(Boolean).join(", ")} (${source === "user" ? "yours" : source})`;
}

export async function render(main) {
  const today = isoDay(new Date());
  weekStart = weekStart || today;
  const week = await api(CAL + query({ start: weekStart, days: 7 }));
  const status = h("div", { "aria-live": "polite" });
  const reload = () => render(main);

  const prev = h("button", { type: "button", class: "quiet" }, "Previous week");
  const next = h("button", { type: "button", class: "quiet" }, "Next week");
  prev.addEventListener("click", () => { weekStart = addDays(weekStart, -7); reload(); });
  next.addEventListener("click", () => { weekStart = addDays(weekStart, 7); reload(); });

  const days = h(
    "ol",
    { class: "week", "aria-label": `Week from ${week.start}` },
    week.days.map((day) => dayCard(day, today, status, reload)),
  );

  const form = h(
    "form",
    { class: "filters plan-form", "aria-label": "Plan a day" },
    field("Day", h("input", { type: "date", name: "date", required: true, min: today, value: addDays(today, 1) })),
    field("Occasion", select("occasion", [["", "Any occasion"], ...OCCASIONS.map((o) => [o, o])])),
    field("Expected °C", h("input", { type: "number", name: "temperature", min: -60, max: 60, step: 1 }), "Empty: the forecast, if set up"),
    h("div", { class: "field check" }, h("input", { type: "checkbox", name: "raining", id: "plan-rain" }), h("label", { for: "plan-rain" }, "Rain expected")),
    h("button", { type: "submit" }, "Plan an outfit"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { date: data.get("date"), suggest: true };
    if (data.get("occasion")) body.occasion = data.get("occasion");
    const t = data.get("temperature");
    if (t !== "" || data.get("raining") === "on") {
      body.weather = { raining: data.get("raining") === "on" };
      if (t !== "") body.weather.temperature_c = Number(t);
    }
    const restore = busy(form.querySelector("button[type=submit]"), "Planning…");
    try {
      const plan = await api(`${CAL}/plans`, { method: "POST", json: body });
      weekStart = plan.date < weekStart || plan.date > addDays(weekStart, 6) ? plan.date : weekStart;
      await reload();
    } catch (error) {
      fill(status, errorBox(error));
      restore();
    }
  });

  fill(
    main,
    h("div", { class: "title-row" }, heading("Calendar"), h("div", { class: "actions" }, prev, next)),
    h("h2", {}, "Plan a day"),
    form,
    status,
    h("h2", {}, `Week of ${week.start}`),
    days,
  );
}

function dayCard(day, today, status, reload) {
  const label = new Date(`${day.date}T12:00:00`).toLocaleDateString(undefined, { weekday: "long", day: "numeric", month: "short" });
  const plans = day.plans.map((plan) => {
    const actions = [];
    if (plan.status === "planned" && plan.date <= today && plan.item_ids.length) {
      const confirm = h("button", { type: "button" }, "Confirm worn");
      confirm.addEventListener("click", async () => {
        try {
          await api(`${CAL}/plans/${plan.id}/confirm`, { method: "POST", json: {} });
          reload();
        } catch (error) {
          fill(status, errorBox(error));
        }
      });
      actions.push(confirm);
    }
    const remove = h("button", { type: "button", class: "quiet", "aria-label": `Remove the plan for ${day.date}` }, "Remove");
    remove.addEventListener("click", async () => {
      await api(`${CAL}/plans/${plan.id}`, { method: "DELETE" });
      reload();
    });
    actions.push(remove);
    return h(
      "div",
      { class: "plan", dataset: { planId: plan.id } },
      h("p", {}, h("strong", {}, plan.occasion || "Any occasion"), " · ", weatherText(plan.weather, plan.weather_source),
        plan.status === "worn" ? h("span", { class: "ok" }, " · worn") : null),
      plan.items.length
        ? h("div", { class: "minis" }, plan.items.map((i) => itemFigure(i.id, itemLabel(i))))
        : h("p", { class: "muted" }, plan.suggestion_note || "No items yet."),
      h("div", { class: "actions" }, actions),
    );
  });
  const wears = day.wears.length
    ? h("p", { class: "muted" }, `Worn: ${day.wears.map((w) => `${w.item_ids.length} item${w.item_ids.length === 1 ? "" : "s"}`).join(", ")}`)
    : null;
  return h(
    "li",
    { class: `day card${day.date === today ? " today" : ""}`, "aria-label": label },
    h("h3", {}, label),
    plans.length || wears ? [plans, wears] : h("p", { class: "muted" }, "Nothing planned."),
  );
}
