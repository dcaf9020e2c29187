// The clinic dashboard: reads each panel's numbers, draws its chart (plotly.js, served by
// the service itself) and its table, and reads them again when the filters change or the
// read models move on (Server-Sent Events). Text is set with textContent only: nothing the
// server sends is parsed as HTML.
"use strict";

(() => {
  const root = document.getElementById("panels");
  const form = document.getElementById("filters");
  if (!root || !form) {
    return;
  }
  const ids = root.dataset.panels.split(" ").filter(Boolean);
  const liveStatus = document.getElementById("live-status");
  const connection = document.getElementById("connection");
  const showing = document.getElementById("showing");

  // Okabe-Ito colours (distinguishable with colour-vision deficiencies), and a second cue
  // for every series (bar pattern, line dash, marker shape) so colour never carries meaning
  // alone.
  const COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
    "#000000", "#F0E442"];
  const PATTERNS = ["", "/", ".", "x", "-", "|", "+", "\\"];
  const DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"];
  const SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "cross"];

  let sequence = 0;
  let running = false;
  let again = false;
  let pendingReason = "";
  let lastSafety = null;

  function params() {
    const query = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (value) {
        query.set(name, String(value));
      }
    }
    return query;
  }

  function describeFilters(query) {
    const therapist = query.get("therapist");
    const protocol = query.get("protocol");
    const since = query.get("since");
    const until = query.get("until");
    const dates = since || until
      ? `from ${since || "the start"} to ${until || "today"}` : "all dates";
    return `Showing ${therapist ? `therapist ${therapist}` : "all therapists"}, `
      + `${protocol ? `protocol ${protocol}` : "all protocols"}, ${dates}.`;
  }

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    if (className) {
      node.className = className;
    }
    return node;
  }

  function cell(tag, value) {
    const node = element(tag);
    if (value !== null && typeof value === "object" && "href" in value) {
      const link = element("a", value.text);
      link.href = value.href;
      node.append(link);
    } else if (value === null || value === undefined) {
      node.textContent = "–";
      node.setAttribute("aria-label", "none");
    } else {
      node.textContent = String(value);
      if (numeric(value)) {
        node.className = "num";
      }
    }
    return node;
  }

  // Counts, scores and shares line up on the right, their column's header with them.
  const SHARE = /^-?\d+(\.\d+)?%$/;
  function numeric(value) {
    return typeof value === "number" || (typeof value === "string" && SHARE.test(value));
  }

  function table(spec) {
    const node = element("table");
    node.append(element("caption", spec.caption));
    const head = element("thead");
    const headRow = element("tr");
    spec.columns.forEach((column, index) => {
      const th = element("th", column);
      th.scope = "col";
      const values = spec.rows.map((row) => row[index]).filter((v) => v !== null);
      if (index > 0 && values.length > 0 && values.every(numeric)) {
        th.className = "num";
      }
      headRow.append(th);
    });
    head.append(headRow);
    const body = element("tbody");
    for (const row of spec.rows) {
      const tr = element("tr");
      row.forEach((value, index) => {
        const node = cell(index === 0 ? "th" : "td", value);
        if (index === 0) {
          node.scope = "row";
        }
        tr.append(node);
      });
      body.append(tr);
    }
    if (spec.rows.length === 0) {
      const tr = element("tr");
      const td = element("td", "None for these filters.");
      td.colSpan = spec.columns.length;
      tr.append(td);
      body.append(tr);
    }
    node.append(head, body);
    // A wide table scrolls inside its panel: focusable and named, so the keyboard scrolls it.
    const wrapper = element("div", null, "table-wrap");
    wrapper.tabIndex = 0;
    wrapper.setAttribute("role", "group");
    wrapper.setAttribute("aria-label", `${spec.caption} (scrolls sideways)`);
    wrapper.append(node);
    return wrapper;
  }

  function traces(chart) {
    if (chart.kind === "funnel") {
      const series = chart.series[0];
      return [{
        type: "funnel", name: series.name, y: chart.categories, x: series.values,
        textinfo: "value+percent initial", marker: {color: COLOURS[0]},
        textfont: {color: "#ffffff"}, connector: {fillcolor: "#d9e6f2"},
        hovertemplate: "%{y}: %{x}<extra></extra>",
      }];
    }
    return chart.series.map((series, index) => {
      const colour = COLOURS[index % COLOURS.length];
      if (chart.kind === "line") {
        return {
          type: "scatter", mode: "lines+markers", name: series.name, x: chart.categories,
          y: series.values, line: {color: colour, width: 2, dash: DASHES[index % DASHES.length]},
          marker: {symbol: SYMBOLS[index % SYMBOLS.length], size: 8, color: colour},
        };
      }
      return {
        type: "bar", name: series.name, x: chart.categories, y: series.values,
        marker: {color: colour, line: {color: "#1a1a1a", width: 1},
          // Overlay: the pattern is drawn over the series' colour, not instead of it.
          pattern: {shape: PATTERNS[index % PATTERNS.length], fillmode: "overlay",
            fgcolor: "#ffffff", fgopacity: 0.7, size: 7}},
        text: chart.kind === "bar" ? series.values : undefined,
        textposition: chart.kind === "bar" ? "outside" : "none",
        cliponaxis: false,
      };
    });
  }

  function hasData(chart) {
    return chart.categories.length > 0
      && chart.series.some((s) => s.values.some((v) => v !== null && v !== 0));
  }

  function tallest(chart) {
    const heights = chart.categories.map((_, i) => chart.series.reduce(
      (sum, s) => (chart.kind === "stacked" ? sum + (s.values[i] || 0)
        : Math.max(sum, s.values[i] || 0)), 0));
    return Math.max(0, ...heights);
  }

  function draw(node, chart) {
    const empty = node.parentElement.querySelector(".chart-empty");
    if (!chart || !hasData(chart)) {
      if (window.Plotly) {
        window.Plotly.purge(node);
      }
      node.hidden = true;
      empty.hidden = false;
      return;
    }
    node.hidden = false;
    empty.hidden = true;
    if (!window.Plotly) {
      empty.hidden = false;
      empty.textContent = "The chart could not be drawn; its numbers are in the table.";
      return;
    }
    const layout = {
      height: 320, margin: {l: 64, r: 16, t: 16, b: 72},
      font: {family: "system-ui, -apple-system, 'Segoe UI', sans-serif", size: 14,
        color: "#1a1a1a"},
      paper_bgcolor: "#ffffff", plot_bgcolor: "#ffffff",
      barmode: chart.kind === "stacked" ? "stack" : "group",
      showlegend: chart.series.length > 1 && chart.kind !== "funnel",
      legend: {orientation: "h", y: -0.3},
      xaxis: {title: {text: chart.x_title}, automargin: true, linecolor: "#595959"},
      yaxis: {title: {text: chart.y_title}, automargin: true, rangemode: "tozero",
        gridcolor: "#d9d9d9", linecolor: "#595959"},
    };
    if (tallest(chart) <= 10) {
      layout.yaxis.dtick = 1; // counts: no half pathways on the axis
    }
    if (chart.kind === "funnel") {
      layout.margin.l = 160;
      layout.yaxis = {automargin: true};
      layout.xaxis = {title: {text: chart.x_title}};
    }
    window.Plotly.react(node, traces(chart), layout,
      {displayModeBar: false, responsive: true});
  }

  function render(section, panel) {
    section.querySelector(".panel-summary").textContent = panel.summary;
    const note = section.querySelector(".panel-note");
    note.textContent = panel.note || "";
    note.hidden = !panel.note;
    const chart = section.querySelector(".chart");
    if (chart) {
      draw(chart, panel.ready ? panel.chart : null);
    }
    const tables = section.querySelector(".tables");
    tables.replaceChildren(...panel.tables.map(table));
    if (!panel.ready) {
      tables.replaceChildren(element("p", "No numbers yet."));
    }
    section.dataset.position = String(panel.position);
    section.dataset.ready = String(panel.ready);
  }

  async function loadPanel(id, query, mine) {
    const section = document.getElementById(`panel-${id}`);
    section.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(`/ops/dashboard/${id}?${query}`,
        {headers: {Accept: "application/json"}});
      const body = await response.json();
      if (mine !== sequence) {
        return null;
      }
      if (!response.ok) {
        const note = section.querySelector(".panel-note");
        note.textContent = `These numbers could not be read: ${body.detail || response.status}.`;
        note.hidden = false;
        return null;
      }
      render(section, body);
      return body;
    } catch (error) {
      const note = section.querySelector(".panel-note");
      note.textContent = "These numbers could not be read: the service did not answer.";
      note.hidden = false;
      return null;
    } finally {
      section.setAttribute("aria-busy", "false");
    }
  }

  function announce(reason, panels) {
    const safety = panels.find((p) => p && p.id === "safety");
    let text = reason;
    if (safety && lastSafety !== null && safety.summary !== lastSafety) {
      text = `${reason} Safety: ${safety.summary}`;
    }
    if (safety) {
      lastSafety = safety.summary;
    }
    if (text) {
      liveStatus.textContent = text;
    }
  }

  // One round of reads at a time; a request for another while one runs (a live update, a
  // filter change) runs one more round after it. A filter change also drops the answers of
  // the round in flight, so numbers for the old filters are never drawn.
  async function refresh(reason) {
    pendingReason = reason || pendingReason;
    if (running) {
      again = true;
      return;
    }
    running = true;
    do {
      again = false;
      const mine = ++sequence;
      const why = pendingReason;
      pendingReason = "";
      const panels = await Promise.all(ids.map((id) => loadPanel(id, params(), mine)));
      if (mine === sequence) {
        document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes || 0) + 1);
        const time = new Date().toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"});
        announce(why ? `${why} (${time}).` : "", panels);
      }
    } while (again);
    running = false;
  }

  function applyFilters() {
    const query = params();
    const address = query.toString() ? `?${query}` : window.location.pathname;
    window.history.replaceState(null, "", address);
    showing.textContent = describeFilters(query);
    sequence += 1; // answers to the old filters, still in flight, are dropped
    refresh("Filters applied: every panel shows the new numbers");
  }

  function stale(positions) {
    return ids.some((id) => {
      const section = document.getElementById(`panel-${id}`);
      const at = positions[section.dataset.projection];
      if (at === undefined) {
        return false;
      }
      return section.dataset.ready !== "true" || at > Number(section.dataset.position || 0);
    });
  }

  function setConnection(state, text) {
    connection.dataset.state = state;
    connection.textContent = text;
  }

  function listen() {
    if (!window.EventSource) {
      setConnection("off", "Live updates: not available in this browser; reload to refresh");
      return;
    }
    const source = new EventSource(root.dataset.events);
    source.addEventListener("open", () => setConnection("on", "Live updates: on"));
    source.addEventListener("error", () => {
      setConnection("reconnecting", "Live updates: reconnecting");
    });
    source.addEventListener("positions", (event) => {
      const data = JSON.parse(event.data);
      document.body.dataset.positions = event.data;
      if (stale(data.positions)) {
        refresh("Dashboard updated with new records");
      }
    });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    applyFilters();
  });
  form.addEventListener("change", applyFilters);
  const clear = form.querySelector(".clear");
  if (clear) {
    clear.addEventListener("click", (event) => {
      event.preventDefault();
      form.reset();
      for (const control of form.elements) {
        if ("value" in control && control.tagName !== "BUTTON") {
          control.value = "";
        }
      }
      applyFilters();
    });
  }

  refresh("").then(listen);
})();
