// The public API, with the key from this tab's sessionStorage (never a URL or a cookie).

const KEY = "aura.apiKey";

export const session = {
  get key() {
    return sessionStorage.getItem(KEY);
  },
  set(key) {
    sessionStorage.setItem(KEY, key);
  },
  clear() {
    sessionStorage.removeItem(KEY);
    forgetCaches();
  },
};

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `The server answered ${status}.`);
    this.status = status;
    this.fix = body && body.fix;
    this.kind = body && body.error;
    this.detail = body && body.detail; // e.g. the bad lines of a CSV import
  }

  static async from(response) {
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    return new ApiError(response.status, body);
  }
}

let onSignedOut = () => {};
export function whenSignedOut(callback) {
  onSignedOut = callback;
}

export function authHeaders(extra = {}) {
  const headers = { ...extra };
  if (session.key) headers.Authorization = `Bearer ${session.key}`;
  return headers;
}

// fetch with the key; JSON in and out; a 4xx/5xx becomes an ApiError with message and fix.
export async function api(
  path,
  { method = "GET", json, body, headers = {}, raw = false, signOutOn401 = true } = {},
) {
  const all = authHeaders(headers);
  if (json !== undefined) {
    all["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  }
  const response = await fetch(path, { method, headers: all, body });
  if (!response.ok) {
    const error = await ApiError.from(response);
    if (response.status === 401 && session.key && signOutOn401) {
      session.clear();
      onSignedOut(error);
    }
    throw error;
  }
  if (raw) return response;
  if (response.status === 204) return null;
  return response.json();
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== "" && v != null) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

// ---- items and their pictures (cached per tab) ----------------------------------------

const items = new Map(); // id -> Promise<item>
const photos = new Map(); // sha -> Promise<blob URL>
const crops = new Map(); // sha + bbox -> Promise<blob URL>

function forgetCaches() {
  items.clear();
  for (const map of [photos, crops]) {
    for (const p of map.values()) p.then((u) => u && URL.revokeObjectURL(u)).catch(() => {});
    map.clear();
  }
}

export function getItem(id) {
  const key = String(id);
  if (!items.has(key)) {
    const p = api(`/api/v1/wardrobe/items/${encodeURIComponent(key)}`);
    p.catch(() => items.delete(key));
    items.set(key, p);
  }
  return items.get(key);
}

export function rememberItem(item) {
  items.set(String(item.id), Promise.resolve(item));
}

export function forgetItem(id) {
  items.delete(String(id));
}

export function photoURL(sha) {
  if (!photos.has(sha)) {
    const p = api(`/api/v1/wardrobe/photos/${sha}`, { raw: true })
      .then((r) => r.blob())
      .then((b) => URL.createObjectURL(b));
    p.catch(() => photos.delete(sha));
    photos.set(sha, p);
  }
  return photos.get(sha);
}

function loadImage(url) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error("The photo could not be decoded."));
    img.src = url;
  });
}

async function crop(sha, bbox) {
  const img = await loadImage(await photoURL(sha));
  const [x1, y1, x2, y2] = bbox.map(Number);
  const w = Math.max(1, x2 - x1);
  const hgt = Math.max(1, y2 - y1);
  const scale = Math.min(1, 400 / Math.max(w, hgt));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(w * scale);
  canvas.height = Math.round(hgt * scale);
  canvas.getContext("2d").drawImage(img, x1, y1, w, hgt, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.9));
  return URL.createObjectURL(blob);
}

// The picture of an item: its own image, else the crop of its source photo, else null.
export async function itemPicture(item) {
  if (item.image_sha256) return photoURL(item.image_sha256);
  if (!item.source_photo_sha256) return null;
  if (!item.bbox) return photoURL(item.source_photo_sha256);
  const key = `${item.source_photo_sha256}:${item.bbox.join(",")}`;
  if (!crops.has(key)) {
    const p = crop(item.source_photo_sha256, item.bbox);
    p.catch(() => crops.delete(key));
    crops.set(key, p);
  }
  return crops.get(key);
}

// Whether the server has POST /api/v1/wardrobe/items/from-photo (asked once per tab).
let fromPhoto;
export function hasFromPhoto() {
  if (fromPhoto === undefined) {
    fromPhoto = fetch("/openapi.json")
      .then((r) => (r.ok ? r.json() : { paths: {} }))
      .then((spec) => Boolean(spec.paths && spec.paths["/api/v1/wardrobe/items/from-photo"]))
      .catch(() => false);
  }
  return fromPhoto;
}
