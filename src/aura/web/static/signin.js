// Sign in with an API key; it stays in this tab's sessionStorage.
import { api, session } from "./api.js";
import { busy } from "./components.js";
import { errorBox, field, fill, h, heading } from "./dom.js";

export function renderSignin(main, done) {
  const key = h("input", {
    type: "password",
    name: "api_key",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
    placeholder: "aura_…",
  });
  const status = h("div", { "aria-live": "polite" });
  const button = h("button", { type: "submit" }, "Sign in");
  const form = h(
    "form",
    { class: "card narrow", "aria-labelledby": "signin-title" },
    field("API key", key, h("span", {}, "Create one on the server with ", h("code", {}, "aura users create NAME"), ".")),
    button,
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = key.value.trim();
    if (!value) return;
    const restore = busy(button, "Checking…");
    session.set(value);
    try {
      await api("/api/v1/wardrobe/items?limit=1", { signOutOn401: false });
      done();
    } catch (error) {
      session.clear();
      fill(status, errorBox(error));
      restore();
      key.focus();
    }
  });
  const title = heading("Sign in to Aura");
  title.id = "signin-title";
  fill(
    main,
    title,
    h(
      "p",
      { class: "muted" },
      "Your wardrobe, outfits and stylist, served by your own Aura. Running it on this machine with ",
      h("code", {}, "make run"),
      "? Open the sign-in link it printed instead.",
    ),
    form,
  );
  key.focus();
}
