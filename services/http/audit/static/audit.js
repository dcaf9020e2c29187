// The audit page's stepper: moves through the pathway's versions without reloading, from
// /audit/pathways/<id>/steps (read once, page by page). Without this script the stepper is a
// plain GET form and every version is a link. Text is set with textContent only: nothing
// the server sends is parsed as HTML.
"use strict";

(() => {
  const stepper = document.getElementById("stepper");
  const form = document.getElementById("step-form");
  const range = document.getElementById("version");
  if (!stepper || !form || !range) {
    return;
  }
  const pathway = stepper.dataset.pathway;
  const latest = Number(stepper.dataset.latest);
  const previous = document.getElementById("step-prev");
  const next = document.getElementById("step-next");
  const summary = document.getElementById("step-summary");
  const changes = document.getElementById("changes");
  const stateBody = document.querySelector("#state tbody");
  const steps = new Map();
  const EMPTY = (value) => value === null || value === false || value === 0
    || (Array.isArray(value) && value.length === 0)
    || (typeof value === "object" && value !== null && Object.keys(value).length === 0);

  function shown(value) {
    return typeof value === "string" ? value : JSON.stringify(value);
  }

  function when(text) {
    const moment = new Date(text);
    return `${moment.toISOString().slice(0, 16).replace("T", " ")}Z`;
  }

  function describe(step) {
    const event = step.event;
    return `Version ${event.version} of ${latest}: ${event.type}, occurred `
      + `${when(event.occurred_at)}, recorded ${when(event.recorded_at)}, by `
      + `${event.actor_id} (${event.actor_role}).`;
  }

  function item(tag, text) {
    const node = document.createElement(tag);
    node.textContent = text;
    return node;
  }

  function renderChanges(step) {
    const listed = step.changes.filter((c) => !(c.kind === "added" && EMPTY(c.after)));
    const items = listed.map((change) => {
      const li = document.createElement("li");
      li.dataset.kind = change.kind;
      li.append(item("code", change.path));
      const said = change.kind === "added" ? ` added: ${shown(change.after)}`
        : change.kind === "removed" ? ` removed (was ${shown(change.before)})`
          : ` changed from ${shown(change.before)} to ${shown(change.after)}`;
      li.append(document.createTextNode(said));
      return li;
    });
    if (items.length === 0) {
      items.push(item("li", "No change to the state (the event is recorded in the history)."));
    }
    changes.replaceChildren(...items);
  }

  function renderState(step) {
    const rows = Object.entries(step.state).map(([name, value]) => {
      const row = document.createElement("tr");
      const header = item("th", name);
      header.scope = "row";
      const cell = document.createElement("td");
      cell.append(item("code", shown(value)));
      row.append(header, cell);
      return row;
    });
    stateBody.replaceChildren(...rows);
  }

  function show(version, { announce = true } = {}) {
    const step = steps.get(version);
    if (!step) {
      return false;
    }
    range.value = String(version);
    const text = describe(step);
    range.setAttribute("aria-valuetext", text);
    if (announce) {
      summary.textContent = text;
    }
    document.querySelectorAll(".step-number").forEach((node) => {
      node.textContent = String(version);
    });
    renderChanges(step);
    renderState(step);
    document.querySelectorAll("#timeline tr[aria-current]").forEach((row) => {
      row.removeAttribute("aria-current");
    });
    const row = document.getElementById(`v${version}`);
    if (row) {
      row.setAttribute("aria-current", "true");
    }
    previous.disabled = version <= 1;
    next.disabled = version >= latest;
    const address = new URL(window.location.href);
    address.searchParams.set("version", String(version));
    window.history.replaceState(null, "", address);
    document.body.dataset.version = String(version);
    return true;
  }

  async function load() {
    let after = 0;
    for (;;) {
      const answer = await fetch(
        `/audit/pathways/${encodeURIComponent(pathway)}/steps?after=${after}&limit=500`,
        { headers: { Accept: "application/json" } });
      if (!answer.ok) {
        throw new Error(`steps: ${answer.status}`);
      }
      const page = await answer.json();
      for (const step of page.steps) {
        steps.set(step.event.version, step);
      }
      if (page.next_after === null) {
        return;
      }
      after = page.next_after;
    }
  }

  load().then(() => {
    previous.hidden = false;
    next.hidden = false;
    document.getElementById("step-show").hidden = true;
    range.addEventListener("input", () => show(Number(range.value), { announce: false }));
    range.addEventListener("change", () => show(Number(range.value)));
    previous.addEventListener("click", () => show(Math.max(1, Number(range.value) - 1)));
    next.addEventListener("click", () => show(Math.min(latest, Number(range.value) + 1)));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      show(Number(range.value));
    });
    document.querySelectorAll("#timeline a[data-version]").forEach((link) => {
      link.addEventListener("click", (event) => {
        if (show(Number(link.dataset.version))) {
          event.preventDefault();
          range.focus();
        }
      });
    });
    show(Number(range.value), { announce: false });
    document.body.dataset.stepsLoaded = "true";
  }).catch((error) => {
    summary.textContent = `Stepping without reloading is unavailable (${error.message}):`
      + " use Show this version.";
  });
})();
