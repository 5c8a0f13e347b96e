// Pieces shared by the pages: an item's picture, its colour swatches, a short label.
import { itemPicture, getItem } from "./api.js";
import { h } from "./dom.js";

// "white and navy striped shirt"; a colour or pattern the garment word already says is left
// out ("white tee", not "white white tee").
export function itemLabel(item) {
  const garment = (item.category || "").trim();
  const said = new Set(garment.toLowerCase().replace(/-/g, " ").split(/\s+/));
  const unsaid = (text) => !text.toLowerCase().replace(/-/g, " ").split(/\s+/).every((w) => said.has(w));
  const colours = (item.colors || []).slice(0, 2).filter(unsaid).join(" and ");
  const pattern = item.pattern && item.pattern !== "solid" && unsaid(item.pattern) ? item.pattern : "";
  return [colours, pattern, garment].filter(Boolean).join(" ");
}

// The server's value for the swatch (the photo's own colour, else the name's palette value),
// else the name as CSS, else a neutral.
function cssColour(item, name, i) {
  const hex = item.colour_hex && item.colour_hex[i];
  if (typeof hex === "string" && /^#[0-9a-f]{6}$/i.test(hex)) return hex;
  return CSS.supports("color", name) ? name : "#9a9aa5";
}

export function swatches(item) {
  const colours = item.colors || [];
  if (!colours.length) return null;
  return h(
    "ul",
    { class: "swatches", "aria-label": "Colours" },
    colours.map((name, i) =>
      h(
        "li",
        {},
        h("span", { class: "swatch", style: { background: cssColour(item, name, i) } }),
        name,
      ),
    ),
  );
}

// The item's picture (or a colour block when it has none), filled in when it arrives.
export function picture(item, className = "thumb") {
  const box = h("div", { class: `${className} empty` });
  const first = (item.colors || [])[0];
  if (first) box.style.background = cssColour(item, first, 0);
  const img = h("img", { alt: itemLabel(item) || "wardrobe item", hidden: true });
  box.append(img);
  itemPicture(item)
    .then((url) => {
      if (!url) return;
      img.src = url;
      img.hidden = false;
      box.classList.remove("empty");
      box.style.background = "";
    })
    .catch(() => {}); // a missing picture leaves the colour block: not worth an alarm
  return box;
}

// A picture of an item known only by id (outfits, chat): fetched, then drawn.
export function pictureById(id, className = "thumb") {
  const box = h("div", { class: `${className} empty` });
  getItem(id)
    .then((item) => box.replaceWith(picture(item, className)))
    .catch(() => box.append(h("span", { class: "muted" }, `item ${id}`)));
  return box;
}

export function itemFigure(id, caption) {
  const fig = h("figure", { class: "mini" }, pictureById(id, "thumb small"));
  const cap = h("figcaption", {}, caption || "");
  fig.append(cap);
  if (!caption) getItem(id).then((item) => (cap.textContent = itemLabel(item))).catch(() => {});
  return fig;
}

export function busy(button, text) {
  const old = button.textContent;
  button.disabled = true;
  button.textContent = text;
  return () => {
    button.disabled = false;
    button.textContent = old;
  };
}
