// Aura's web app: hash routes, sign-in, and the page modules.
import { api, session, whenSignedOut } from "./api.js";
import { fill, h } from "./dom.js";
import { renderSignin } from "./signin.js";
import * as wardrobe from "./wardrobe.js";
import * as add from "./add.js";
import * as outfits from "./outfits.js";
import * as chat from "./chat.js";
import * as system from "./system.js";
import * as calendar from "./calendar.js";
import * as trips from "./trips.js";
import * as insights from "./insights.js";

const pages = { wardrobe, add, outfits, calendar, trips, insights, chat, system };
const main = document.getElementById("main");
const nav = document.getElementById("nav");
const signout = document.getElementById("signout");
const notice = document.getElementById("notice");
let firstRender = true;

export function notify(message, kind = "info") {
  if (!message) return fill(notice);
  const dismiss = h("button", { type: "button", class: "quiet dismiss", "aria-label": "Dismiss this message" }, "×");
  dismiss.addEventListener("click", () => fill(notice));
  return fill(notice, h("p", { class: kind }, dismiss, message));
}

function showChrome(signedIn) {
  nav.hidden = !signedIn;
  signout.hidden = !signedIn;
}

async function route() {
  const hash = location.hash;
  if (hash === "#main") return; // the skip link
  if (!session.key) {
    showChrome(false);
    renderSignin(main, () => {
      location.hash = "#/wardrobe";
      route();
    });
    return;
  }
  showChrome(true);
  const [name, ...rest] = hash.replace(/^#\/?/, "").split("/");
  const pageName = pages[name] ? name : "wardrobe";
  for (const link of nav.querySelectorAll("a")) {
    if (link.dataset.page === pageName) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `${pageName[0].toUpperCase()}${pageName.slice(1)} · Aura`;
  fill(main);
  try {
    await pages[pageName].render(main, rest.map(decodeURIComponent));
  } catch (error) {
    if (!session.key) return route();
    fill(main, h("h1", {}, "Something went wrong"), h("p", { role: "alert" }, error.message));
  }
  if (!firstRender) {
    const title = main.querySelector("h1");
    if (title) title.focus();
  }
  firstRender = false;
}

// ?#signin=TOKEN: the one-time link `aura serve` prints on this machine.
async function localSignin() {
  const match = /^#signin=([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (!match) return;
  history.replaceState(null, "", `${location.pathname}${location.search}#/wardrobe`);
  try {
    const body = await api("/api/v1/session/local-signin", {
      method: "POST",
      json: { token: match[1] },
    });
    session.set(body.api_key);
    notify(
      h(
        "span",
        {},
        `Signed in as “${body.user}” on this machine. This tab keeps the key until it closes. `,
        h(
          "details",
          { class: "inline" },
          h("summary", {}, "Show the key for other tabs"),
          h("label", { for: "local-key" }, "Your API key"),
          h("input", { id: "local-key", readonly: true, value: body.api_key, size: 48 }),
        ),
      ),
    );
  } catch (error) {
    notify(`${error.message} ${error.fix || ""}`, "error-text");
  }
}

// a link to the page already shown re-renders it (a fresh list), as a reload would
nav.addEventListener("click", (event) => {
  const link = event.target.closest("a");
  if (link && link.getAttribute("href") === location.hash) route();
});
document.querySelector(".brand").addEventListener("click", (event) => {
  if (event.currentTarget.getAttribute("href") === location.hash) route();
});

signout.addEventListener("click", () => {
  session.clear();
  notify("Signed out.");
  location.hash = "#/";
  route();
});

whenSignedOut(() => notify("The key was not accepted any more: sign in again.", "error-text"));
window.addEventListener("hashchange", () => {
  if (/^#signin=/.test(location.hash)) localSignin().then(route);
  else route();
});
localSignin().then(route);
