// Small DOM helpers: elements are built with properties and text nodes, never innerHTML,
// so user data (descriptions, replies) can never inject markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  let value;
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "value") value = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "style" && typeof v === "object") Object.assign(el.style, v);
    else if (typeof v === "boolean") el.toggleAttribute(k, v);
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  if (value !== undefined) el.value = value; // after the options of a <select> exist
  return el;
}

export function append(el, children) {
  for (const c of [children].flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

let uid = 0;
export function id(prefix = "f") {
  uid += 1;
  return `${prefix}-${uid}`;
}

// A labelled form field: <label for> + control, so every control has a name.
export function field(label, control, hint) {
  if (!control.id) control.id = id("field");
  const parts = [h("label", { for: control.id }, label), control];
  if (hint) {
    const hintEl = h("small", { id: id("hint"), class: "muted" }, hint);
    control.setAttribute("aria-describedby", hintEl.id);
    parts.push(hintEl);
  }
  return h("div", { class: "field" }, parts);
}

export function select(name, options, current = "") {
  return h(
    "select",
    { name, value: current },
    options.map(([v, text]) => h("option", { value: v }, text)),
  );
}

export function errorBox(error) {
  const box = h("div", { class: "error", role: "alert" }, h("strong", {}, error.message || String(error)));
  if (error.fix) box.append(h("p", {}, error.fix));
  return box;
}

export function humanBytes(n) {
  if (!n) return "0 B";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i += 1;
  }
  return `${n.toFixed(n >= 10 || i === 0 ? 0 : 1)} ${units[i]}`;
}

export function heading(text) {
  return h("h1", { tabindex: "-1" }, text);
}
