// Chat with the assistant: streamed replies, the items and outfits an answer is about (as
// cards with their photos), how it got them (the tool calls), the model that answered, and
// past conversations.
import { ApiError, api, authHeaders } from "./api.js";
import { busy, itemFigure, itemLabel, picture } from "./components.js";
import { errorBox, field, fill, h, heading } from "./dom.js";
import { streamEvents } from "./sse.js";

const CHAT = "/api/v1/conversational-ai";

// One item of a reply as a card: its photo (or colour block) and label.
function itemCard(item) {
  return h(
    "figure",
    { class: "chat-card", "data-item-id": String(item.id) },
    picture(item, "thumb small"),
    h("figcaption", {}, item.label || itemLabel(item)),
  );
}

function outfitCard(outfit, byId) {
  const ids = outfit.item_ids || [];
  const why = (outfit.explanation || []).slice(0, 2).join(" ");
  return h(
    "li",
    { class: "chat-outfit" },
    h(
      "div",
      { class: "minis" },
      ids.map((id) => (byId.has(id) ? itemCard(byId.get(id)) : itemFigure(id))),
    ),
    why ? h("p", { class: "muted" }, why) : null,
  );
}

// "How I got this": the tools the answer came from, their arguments and what they returned.
function howIGotThis(calls) {
  if (!calls || !calls.length) return null;
  return h(
    "details",
    { class: "chat-tools" },
    h("summary", {}, `How I got this (${calls.length} tool call${calls.length === 1 ? "" : "s"})`),
    h(
      "ol",
      {},
      calls.map((c) =>
        h(
          "li",
          { class: c.ok === false ? "failed" : null },
          h("code", {}, c.name),
          " ",
          h("code", { class: "args" }, JSON.stringify(c.arguments || {})),
          " → ",
          c.summary || "",
        ),
      ),
    ),
  );
}

function grounded(meta) {
  if (!meta || !(meta.items || meta.tool_calls)) return null;
  const items = meta.items || [];
  const byId = new Map(items.map((i) => [i.id, i]));
  const outfits = meta.outfits || [];
  const inOutfits = new Set(outfits.flatMap((o) => o.item_ids || []));
  const loose = items.filter((i) => !inOutfits.has(i.id));
  return h(
    "div",
    { class: "chat-grounded used" },
    outfits.length
      ? h("ul", { class: "chat-outfits", "aria-label": "Outfits" }, outfits.map((o) => outfitCard(o, byId)))
      : null,
    loose.length ? h("div", { class: "minis chat-items", "aria-label": "Items" }, loose.map(itemCard)) : null,
    howIGotThis(meta.tool_calls),
    meta.model ? h("p", { class: "muted chat-model" }, `Answered with ${meta.model}`) : null,
    meta.notice ? h("p", { class: "chat-notice", role: "note" }, meta.notice) : null,
  );
}

function itemsUsed(meta) {
  if (meta && (meta.items || meta.tool_calls)) return grounded(meta);
  const ids = (meta && meta.item_ids) || [];
  if (!ids.length) return null;
  const referenced = new Set((meta && meta.referenced_item_ids) || []);
  return h(
    "div",
    { class: "used" },
    h("p", { class: "muted" }, "Drew on these items from your wardrobe:"),
    h(
      "div",
      { class: "minis" },
      ids.slice(0, 8).map((id) => {
        const fig = itemFigure(id);
        if (referenced.has(String(id))) fig.classList.add("named");
        return fig;
      }),
    ),
  );
}

function bubble(role, text, meta) {
  return h(
    "li",
    { class: `msg ${role}` },
    h("p", { class: "who" }, role === "user" ? "You" : "Aura"),
    h("div", { class: "text" }, text),
    role === "assistant" ? itemsUsed(meta) : null,
  );
}

export async function render(main, [conversationId]) {
  const list = h("ul", { class: "conversations", "aria-label": "Past conversations" });
  const log = h("ol", { class: "log", "aria-live": "polite", "aria-label": "Messages" });
  const message = h("textarea", { name: "message", rows: 2, required: true, maxlength: 4000 });
  const send = h("button", { type: "submit" }, "Send");
  const status = h("div", { "aria-live": "assertive" });
  const form = h("form", { class: "composer" }, field("Message", message), send, status);
  let current = conversationId || null;
  const modelLine = h("p", { class: "muted chat-model", "aria-live": "polite" });
  api("/v1/models")
    .then((body) => {
      const id = body.data && body.data[0] && body.data[0].id;
      if (id) modelLine.textContent = `Model in use: ${id}`;
    })
    .catch(() => {});

  async function loadList() {
    const body = await api(`${CHAT}/conversations`);
    fill(
      list,
      h("li", {}, h("a", { href: "#/chat", "aria-current": current ? null : "page" }, "+ New conversation")),
      body.conversations.map((c) =>
        h(
          "li",
          {},
          h(
            "a",
            { href: `#/chat/${encodeURIComponent(c.id)}`, "aria-current": c.id === current ? "page" : null },
            c.title || "Untitled",
            h("small", { class: "muted" }, ` ${c.messages} messages`),
          ),
        ),
      ),
    );
  }

  async function loadConversation() {
    if (!current) {
      fill(log, h("li", { class: "muted" }, "Ask about your wardrobe: “What should I wear to work tomorrow?”"));
      return;
    }
    const conv = await api(`${CHAT}/conversations/${encodeURIComponent(current)}`);
    fill(log, conv.messages.map((m) => bubble(m.role, m.content, m.meta)));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = message.value.trim();
    if (!text) return;
    if (!current) fill(log);
    log.append(bubble("user", text));
    const reply = bubble("assistant", "");
    reply.setAttribute("aria-busy", "true");
    const out = reply.querySelector(".text");
    log.append(reply);
    message.value = "";
    fill(status);
    const restore = busy(send, "Replying…");
    try {
      const response = await fetch(`${CHAT}/chat/stream`, {
        method: "POST",
        headers: authHeaders({ "Content-Type": "application/json", Accept: "text/event-stream" }),
        body: JSON.stringify({ message: text, conversation_id: current }),
      });
      if (!response.ok) throw await ApiError.from(response);
      await streamEvents(response, (name, data) => {
        if (name === "start") current = data.conversation_id;
        else if (name === "delta") out.textContent += data.text;
        else if (name === "end") {
          out.textContent = data.reply || out.textContent;
          const used = itemsUsed(data);
          if (used) reply.append(used);
        } else if (name === "error") throw new ApiError(500, data);
      });
      reply.removeAttribute("aria-busy");
      history.replaceState(null, "", `#/chat/${encodeURIComponent(current)}`);
      await loadList();
    } catch (error) {
      reply.remove();
      fill(status, errorBox(error));
    } finally {
      restore();
      message.focus();
    }
  });
  message.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      form.requestSubmit();
    }
  });

  fill(
    main,
    heading("Chat"),
    modelLine,
    h(
      "div",
      { class: "chat" },
      h("nav", { class: "side", "aria-label": "Conversations" }, h("h2", {}, "Conversations"), list),
      h("section", { class: "thread", "aria-label": "Conversation" }, log, form),
    ),
  );
  await Promise.all([loadList(), loadConversation()]);
}
