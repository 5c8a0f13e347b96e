// Add from a photo: analyse it, draw the garments found, keep the ones ticked.
import { ApiError, api, authHeaders, hasFromPhoto } from "./api.js";
import { busy } from "./components.js";
import { errorBox, fill, h, heading } from "./dom.js";

const ANALYZE = "/api/v1/visual-analysis/analyze";

function category(det) {
  const a = det.attributes || {};
  return (a.category && a.category.label) || det.label || "garment";
}

const SLOTS = ["top", "bottom", "one-piece", "outerwear", "shoes", "bag", "accessory", "other"];

// How sure the analysis is of the garment's slot, in words a person reads at a glance.
function sureness(det) {
  const c = det.attributes && det.attributes.category;
  if (!c) return "kind unknown";
  const p = Math.round(100 * (c.slot_confidence ?? c.confidence ?? 0));
  return c.unsure ? `not sure what this is (${p}% it is ${c.slot || "this"})` : `${p}% sure it is ${c.slot || c.label}`;
}

// When the model is unsure: the slots to choose from, its guesses first.
function slotPicker(det, i, onPick) {
  const c = (det.attributes && det.attributes.category) || {};
  const guessed = (c.slots || []).map((s) => s.slot);
  const order = [...new Set([...guessed, ...SLOTS])];
  const select = h(
    "select",
    { name: `slot-${i}`, "aria-label": `What garment ${i + 1} is` },
    h("option", { value: "" }, "Choose what it is…"),
    order.map((slot) => {
      const guess = (c.slots || []).find((s) => s.slot === slot);
      const label = guess ? `${slot} (${Math.round(guess.probability * 100)}%)` : slot;
      return h("option", { value: slot }, label);
    }),
  );
  select.addEventListener("change", () => select.value && onPick(select.value));
  return select;
}

function colourNames(det) {
  const colours = (det.attributes && det.attributes.colors) || [];
  return [...new Set(colours.map((c) => c.name).filter(Boolean))];
}

function pattern(det) {
  const p = det.attributes && det.attributes.pattern;
  return (p && p.label) || null;
}

// What the wardrobe keeps of a detection (the embedding stays behind: it is the photo's).
export function garmentOf(det, named) {
  const colours = (det.attributes && det.attributes.colors) || [];
  const names = colourNames(det);
  const hex = names.map((n) => (colours.find((c) => c.name === n) || {}).hex).filter(Boolean);
  const what = named || category(det);
  return {
    category: what,
    colors: names,
    pattern: pattern(det),
    bbox: det.bbox,
    description: [names.join(" and "), pattern(det), what].filter(Boolean).join(" "),
    attributes: { detector: det.label, confidence: det.confidence, color_hex: hex },
  };
}

async function renamed(item, category) {
  if (!category || category === item.category) return item;
  return api(`/api/v1/wardrobe/items/${item.id}`, { method: "PATCH", json: { category } });
}

function imageType(file, analysis) {
  if (file.type && file.type.startsWith("image/")) return file.type;
  const format = (analysis.summary.image.format || "jpeg").toLowerCase();
  return `image/${format === "jpg" ? "jpeg" : format}`;
}

// Saves the picked detections; ``categories`` holds what the owner typed for each index.
async function save(file, analysis, picked, categories) {
  if (await hasFromPhoto()) {
    const form = new FormData();
    form.append("file", file);
    form.append("select", picked.join(","));
    const res = await fetch("/api/v1/wardrobe/items/from-photo", {
      method: "POST",
      headers: authHeaders(),
      body: form,
    });
    if (res.status !== 404 && res.status !== 405) {
      if (!res.ok) throw await ApiError.from(res);
      const items = (await res.json()).items;
      return Promise.all(items.map((item, n) => renamed(item, categories[picked[n]])));
    }
  }
  const photo = await api("/api/v1/wardrobe/photos", {
    method: "POST",
    body: file,
    headers: { "Content-Type": imageType(file, analysis) },
  });
  const garments = picked.map((i) => garmentOf(analysis.detections[i], categories[i]));
  const out = await api("/api/v1/wardrobe/items/from-analysis", {
    method: "POST",
    json: { source_photo_sha256: photo.sha256, garments },
  });
  return out.items;
}

export async function render(main) {
  const input = h("input", { type: "file", id: "photo-input", name: "photo", accept: "image/*" });
  const zone = h(
    "div",
    { class: "drop" },
    h("label", { for: "photo-input" }, h("strong", {}, "Choose a photo"), " or drop one here"),
    input,
    h("small", { class: "muted" }, "JPEG, PNG or WebP of one or more garments."),
  );
  const result = h("section", { "aria-live": "polite", "aria-label": "Analysis" });
  let objectURL = null;

  async function analyse(file) {
    if (objectURL) URL.revokeObjectURL(objectURL);
    objectURL = null;
    fill(result, h("p", { class: "muted" }, `Looking at ${file.name}…`));
    const form = new FormData();
    form.append("image", file);
    let analysis;
    try {
      analysis = await api(ANALYZE, { method: "POST", body: form });
    } catch (error) {
      fill(result, errorBox({ message: `${file.name} was not accepted: ${error.message}`, fix: error.fix }));
      return;
    }
    objectURL = URL.createObjectURL(file);
    showAnalysis(file, analysis);
  }

  function showAnalysis(file, analysis) {
    const { width, height } = analysis.summary.image;
    const dets = analysis.detections;
    const stage = h("div", { class: "stage" }, h("img", { src: objectURL, alt: `Your photo ${file.name}` }));
    const list = h("ol", { class: "detections" });
    dets.forEach((det, i) => {
      const [x1, y1, x2, y2] = det.bbox;
      const box = h("div", { class: "box", "aria-hidden": "true" }, h("span", {}, `${i + 1} ${category(det)}`));
      Object.assign(box.style, {
        left: `${(100 * x1) / width}%`,
        top: `${(100 * y1) / height}%`,
        width: `${(100 * (x2 - x1)) / width}%`,
        height: `${(100 * (y2 - y1)) / height}%`,
      });
      stage.append(box);
      const g = garmentOf(det);
      const tick = h("input", { type: "checkbox", id: `keep-${i}`, value: String(i), checked: true });
      tick.addEventListener("change", () => box.classList.toggle("off", !tick.checked));
      const name = h("input", {
        name: `category-${i}`,
        value: g.category,
        maxlength: 50,
        size: 12,
        "aria-label": `Category of garment ${i + 1}`,
        dataset: { index: String(i) },
      });
      name.addEventListener("input", () => {
        box.firstChild.textContent = `${i + 1} ${name.value.trim() || category(det)}`;
      });
      const unsure = det.attributes && det.attributes.category && det.attributes.category.unsure;
      const picker = unsure
        ? slotPicker(det, i, (slot) => {
            name.value = slot;
            box.firstChild.textContent = `${i + 1} ${slot}`;
          })
        : null;
      list.append(
        h(
          "li",
          {},
          tick,
          h("label", { for: `keep-${i}` }, `Keep garment ${i + 1}`),
          name,
          picker,
          h(
            "span",
            { class: "muted" },
            ` ${sureness(det)} · found with ${Math.round(det.confidence * 100)}% confidence · ` +
              `${g.colors.join(", ") || "colour unknown"}` +
              (g.pattern ? ` · ${g.pattern}` : ""),
          ),
        ),
      );
    });
    const status = h("div", { "aria-live": "polite" });
    const button = h("button", { type: "button" }, "Save the ticked garments");
    button.addEventListener("click", async () => {
      const picked = [...list.querySelectorAll("input:checked")].map((c) => Number(c.value));
      const categories = {};
      for (const input of list.querySelectorAll("input[data-index]")) {
        categories[Number(input.dataset.index)] = input.value.trim().toLowerCase();
      }
      if (!picked.length) {
        fill(status, h("p", { role: "alert" }, "Tick at least one garment to save."));
        return;
      }
      const restore = busy(button, "Saving…");
      try {
        const items = await save(file, analysis, picked, categories);
        fill(
          status,
          h(
            "p",
            { class: "ok", role: "status" },
            `Saved ${items.length} garment${items.length === 1 ? "" : "s"} to your wardrobe. `,
            h("a", { href: "#/wardrobe" }, "See your wardrobe"),
          ),
        );
        button.textContent = "Saved";
      } catch (error) {
        fill(status, errorBox(error));
        restore();
      }
    });
    fill(
      result,
      h("h2", {}, dets.length ? `Found ${dets.length} garment${dets.length === 1 ? "" : "s"}` : "No garments found"),
      h("div", { class: "analysis" }, stage, h("div", {}, list, dets.length ? button : null, status)),
    );
    if (!dets.length) result.append(h("p", {}, "Try a photo with the garment filling more of the frame."));
  }

  input.addEventListener("change", () => input.files[0] && analyse(input.files[0]));
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    const file = e.dataTransfer.files[0];
    if (file) analyse(file);
  });
  fill(main, heading("Add from a photo"), zone, result);
}
