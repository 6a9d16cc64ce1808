/* The safety-confirmation phone page: one tap per status, then send. A report is first kept
   in this phone's IndexedDB with an ID made here, then posted to the API; it leaves the
   queue only once the API has stored it (201) or had it already (200). The queue is retried
   when the connection returns and every 30 seconds, and cleared at sign-out.
   No library, nothing from outside this site. */
(function () {
  "use strict";

  const root = document.getElementById("safety-phone");
  if (!root) {
    return;
  }
  const text = root.dataset;
  const DB_NAME = "roster-safety";
  const STORE = "reports";
  const RETRY_MS = 30000;

  // -------------------------------------------------------------------------------------------
  // The queue in IndexedDB: one record per report, keyed by its client ID.
  // -------------------------------------------------------------------------------------------

  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "client_id" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function withStore(mode, work) {
    const db = await openDb();
    try {
      return await new Promise((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const request = work(tx.objectStore(STORE));
        tx.oncomplete = () => resolve(request ? request.result : undefined);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      });
    } finally {
      db.close();
    }
  }

  /* Where IndexedDB cannot be used (some private windows), reports wait in this page only. */
  const memory = new Map();
  let inMemory = !("indexedDB" in window);

  async function either(stored, kept) {
    if (!inMemory) {
      try {
        return await stored();
      } catch (_unavailable) {
        inMemory = true;
      }
    }
    return kept();
  }

  const queue = {
    put: (item) => either(() => withStore("readwrite", (store) => store.put(item)),
      () => memory.set(item.client_id, item)),
    remove: (id) => either(() => withStore("readwrite", (store) => store.delete(id)),
      () => memory.delete(id)),
    all: () => either(() => withStore("readonly", (store) => store.getAll()),
      () => Array.from(memory.values())),
    clear: () => either(() => withStore("readwrite", (store) => store.clear()),
      () => memory.clear()),
  };

  function newClientId() {
    if (window.crypto && typeof crypto.randomUUID === "function") {
      return crypto.randomUUID();
    }
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  // -------------------------------------------------------------------------------------------
  // What the page shows: the count waiting, a message, each card's status.
  // -------------------------------------------------------------------------------------------

  function show(id, message) {
    const el = document.getElementById(id);
    if (!el) {
      return;
    }
    el.textContent = message || "";
    el.hidden = !message;
  }

  async function showPending() {
    const items = await queue.all();
    show("pending", items.length ? text.textPending.replace("{n}", String(items.length)) : "");
    return items;
  }

  function cardOf(item) {
    if (String(item.operation_id) !== root.dataset.operation) {
      return null;
    }
    return document.querySelector(`.card[data-person="${item.registrant_id}"]`);
  }

  function showStatus(card, status, labelText, state) {
    const label = card.querySelector(".status-label");
    label.textContent = labelText;
    label.className = `status-label status-${status}`;
    card.classList.toggle("confirmed", status !== "unconfirmed");
    card.querySelector(".sent-state").textContent = state;
    countOpen();
  }

  /* What the report said, as the form's own words, and when it was made: repeated on the
     card while it waits and once it is sent, so the sender sees it took. */
  function showReport(card, item, state) {
    const box = card.querySelector(".sent-report");
    const said = item.said;
    if (!box || !said) {
      return;
    }
    const head = document.createElement("p");
    head.className = "sent-head";
    head.textContent = `${text.textReport.replace("{time}", said.time)} — ${state}`;
    const list = document.createElement("ul");
    const lines = [
      [text.textReportStatus, item.label],
      [text.textReportPlace, said.place],
      [text.textReportMethod, said.method],
      [text.textReportNote, said.note],
    ];
    for (const [name, value] of lines) {
      if (value) {
        const li = document.createElement("li");
        li.textContent = `${name}: ${value}`;
        list.appendChild(li);
      }
    }
    box.replaceChildren(head, list);
    box.hidden = false;
  }

  function markCard(item, state) {
    const card = cardOf(item);
    if (card) {
      showStatus(card, item.body.status, item.label, state);
      showReport(card, item, state);
    }
  }

  /* A refused report: the card shows again what it showed before. */
  function unmarkCard(item) {
    const card = cardOf(item);
    if (card) {
      showStatus(card, item.before.status, item.before.label, "");
      const box = card.querySelector(".sent-report");
      if (box) {
        box.replaceChildren();
        box.hidden = true;
      }
    }
  }

  // The count is of the whole list, not of this page: the server's figures, less the people
  // of this page confirmed since it loaded.
  const openAtLoad = document.querySelectorAll(".card:not(.confirmed)").length;

  function countOpen() {
    const count = document.querySelector(".count");
    if (count && text.textCount) {
      const total = Number(count.dataset.total);
      const nowOpen = document.querySelectorAll(".card:not(.confirmed)").length;
      const open = Number(count.dataset.open) - (openAtLoad - nowOpen);
      count.textContent = text.textCount.replace("{open}", String(open)).replace("{total}", String(total));
    }
  }

  // -------------------------------------------------------------------------------------------
  // Sending: each queued report in turn; stop at the first that cannot go now.
  // -------------------------------------------------------------------------------------------

  async function post(item) {
    return fetch(item.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": text.csrf },
      body: JSON.stringify(item.body),
    });
  }

  /* "sent", "refused" (dropped: the API will never take it), or a message to stop on. */
  async function sendOne(item) {
    let response;
    try {
      response = await post(item);
    } catch (_offline) {
      return text.textOffline;
    }
    if (response.status === 200 || response.status === 201) {
      return "sent";
    }
    let answer = {};
    try {
      answer = await response.json();
    } catch (_notJson) {
      answer = {};
    }
    if (response.status === 400 && answer.reason === "csrf") {
      return text.textReload;
    }
    if (response.status === 401 || response.status === 403 || response.redirected) {
      return text.textSignIn;
    }
    if (response.status >= 500 || response.status === 429) {
      return text.textOffline;
    }
    return "refused";
  }

  let sending = false;
  let again = false;

  async function flush() {
    if (sending) {
      again = true; // a report queued while sending goes as soon as this round ends
      return;
    }
    sending = true;
    again = false;
    try {
      let stopped = "";
      for (const item of await queue.all()) {
        const outcome = await sendOne(item);
        if (outcome === "sent") {
          await queue.remove(item.client_id);
          markCard(item, text.textSent);
          const card = cardOf(item);
          if (card) {
            card.dataset.status = item.body.status;
          }
        } else if (outcome === "refused") {
          await queue.remove(item.client_id);
          unmarkCard(item);
          stopped = text.textRefused;
        } else {
          stopped = outcome;
          break;
        }
      }
      show("sync-message", stopped);
    } finally {
      sending = false;
      await showPending();
    }
    if (again) {
      flush();
    }
  }

  // -------------------------------------------------------------------------------------------
  // The report form on each card.
  // -------------------------------------------------------------------------------------------

  function refuse(form, message) {
    const el = form.querySelector(".form-error");
    el.textContent = message;
    el.hidden = false;
    el.scrollIntoView({ block: "center" });
  }

  function checkedLabel(form, name) {
    const input = form.querySelector(`input[name="${name}"]:checked`);
    return input ? input.closest("label").textContent.trim() : "";
  }

  /* The report in the form's words: where to (and which shelter), how confirmed, the note,
     and the time it was made on this phone. */
  function saidIn(form, body) {
    const shelter = form.querySelector('select[name="place_id"]');
    const place = [checkedLabel(form, "evacuated_to"),
      shelter && shelter.value ? shelter.selectedOptions[0].textContent.trim() : ""];
    const time = new Date().toLocaleTimeString(document.documentElement.lang || undefined,
      { hour: "2-digit", minute: "2-digit" });
    return {
      time,
      place: body.evacuated_to ? place.filter(Boolean).join(" ") : "",
      method: checkedLabel(form, "method"),
      note: body.note || "",
    };
  }

  function readForm(form) {
    const data = new FormData(form);
    const status = data.get("status");
    const place = status === "evacuated" ? data.get("evacuated_to") : null;
    const shelter = place === "shelter" ? data.get("place_id") : null;
    if (!status) {
      return { error: text.textNeedStatus };
    }
    if (status === "evacuated" && !place) {
      return { error: text.textNeedPlace };
    }
    if (place === "shelter" && !shelter) {
      return { error: text.textNeedShelter };
    }
    if (!data.get("method")) {
      return { error: text.textNeedMethod };
    }
    const note = String(data.get("note") || "").trim();
    const findings = data.getAll("findings").map(String);
    if (findings.includes("other") && !note) {
      return { error: text.textNeedNote };
    }
    const body = { status, method: data.get("method"), note };
    if (findings.length) {
      body.findings = findings; // a drill only: the page offers them in a drill
    }
    if (place) {
      body.evacuated_to = place;
    }
    if (shelter) {
      body.place_id = Number(shelter);
    }
    return { body };
  }

  async function submit(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const button = form.querySelector("button.send");
    if (button.disabled) {
      return; // a second tap while the first is being kept
    }
    const read = readForm(form);
    if (read.error) {
      refuse(form, read.error);
      return;
    }
    form.querySelector(".form-error").hidden = true;
    button.disabled = true;
    try {
      await keep(form, read.body);
    } finally {
      button.disabled = false;
    }
    flush();
  }

  async function keep(form, body) {
    const card = form.closest(".card");
    const clientId = newClientId();
    const item = {
      client_id: clientId,
      url: root.dataset.api,
      operation_id: Number(root.dataset.operation),
      registrant_id: Number(card.dataset.person),
      label: checkedLabel(form, "status"),
      said: saidIn(form, body),
      before: {
        status: card.dataset.status,
        label: card.querySelector(".status-label").textContent,
      },
      body: { ...body, registrant_id: Number(card.dataset.person), client_id: clientId },
    };
    await queue.put(item);
    markCard(item, text.textQueued);
    form.reset();
    showPlaces(form);
    await showPending();
  }

  /* The shelter list, with the shelters nearest the person's home first (when known). */
  function shelterChoice(card) {
    const choice = document.getElementById("shelter-choice").content.cloneNode(true);
    const near = choice.querySelector("optgroup.near");
    for (const id of (card.dataset.near || "").split(",").filter(Boolean)) {
      const option = choice.querySelector(`optgroup.all option[value="${id}"]`);
      if (option) {
        near.appendChild(option.cloneNode(true));
      }
    }
    if (!near.children.length) {
      near.remove();
    }
    return choice;
  }

  function showPlaces(form) {
    const status = form.querySelector('input[name="status"]:checked');
    const places = form.querySelector(".places");
    places.hidden = !status || status.value !== "evacuated";
    form.querySelector(".after-status").hidden = !status;
    const place = form.querySelector('input[name="evacuated_to"]:checked');
    const slot = form.querySelector(".shelter-slot");
    if (place && place.value === "shelter" && !slot.firstElementChild) {
      slot.appendChild(shelterChoice(form.closest(".card")));
    }
    if (!place || place.value !== "shelter") {
      slot.replaceChildren();
    }
  }

  for (const form of document.querySelectorAll("form.report")) {
    form.addEventListener("submit", submit);
    form.addEventListener("change", () => showPlaces(form));
  }

  // -------------------------------------------------------------------------------------------
  // Sign-out: warn while reports wait, then clear the queue before the form goes.
  // -------------------------------------------------------------------------------------------

  for (const form of document.querySelectorAll('form[action$="/logout"]')) {
    form.addEventListener("submit", async (event) => {
      if (form.dataset.cleared) {
        return;
      }
      event.preventDefault();
      const waiting = (await queue.all()).length;
      if (waiting && !window.confirm(text.textSignOut.replace("{n}", String(waiting)))) {
        return;
      }
      await queue.clear();
      form.dataset.cleared = "1";
      form.submit();
    });
  }

  // -------------------------------------------------------------------------------------------
  // Start: show what waits, register the service worker, send, and keep trying.
  // -------------------------------------------------------------------------------------------

  showPending().then((items) => items.forEach((item) => markCard(item, text.textQueued)));
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(text.sw, { scope: text.scope }).catch(() => undefined);
  }
  window.addEventListener("online", flush);
  window.addEventListener("offline", () => show("sync-message", text.textOffline));
  window.setInterval(flush, RETRY_MS);
  flush();
})();
