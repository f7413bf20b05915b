// The overview page: one EventSource, pausable, its rate settable; charts filled from the stored
// history first, then extended by every snapshot the stream sends.
"use strict";
(() => {
  const $ = (sel, root) => (root || document).querySelector(sel);
  const state = { paused: false, every: Number(localStorage.getItem("console-every") || 1), range: 30, es: null, lastAt: 0, charts: {}, decisions: {} };
  const DECISIONS_SHOWN = 4;
  const REASONS = { OUT_OF_STOCK: "out of stock", PAYMENT_DECLINED: "payment declined", CUSTOMER_CANCELLED: "by the customer" };
  const services = [...document.querySelectorAll("section.service")].map((s) => s.dataset.service);
  const time = (ms) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  const COLORS = { processed: "#2563eb", failed: "#c81e1e", backlog: "#7c3aed", target: "#7c3aed", desired: "#0891b2", running: "#15803d", max: "#9ca3af", p50: "#2563eb", p99: "#b45309" };

  function chart(canvas, datasets, y2) {
    const scales = {
      x: { type: "linear", ticks: { callback: (v) => time(v), maxTicksLimit: 5, font: { size: 10 } }, grid: { display: false } },
      y: { beginAtZero: true, ticks: { font: { size: 10 }, maxTicksLimit: 5 } },
    };
    if (y2) scales.y2 = { position: "right", beginAtZero: true, suggestedMax: 2, ticks: { precision: 0, font: { size: 10 } }, grid: { display: false }, title: { display: true, text: "workers", font: { size: 10 } } };
    return new Chart(canvas, {
      type: "line",
      data: { datasets },
      options: {
        animation: false, parsing: false, normalized: true, responsive: true, maintainAspectRatio: false,
        interaction: { mode: "nearest", intersect: false },
        elements: { point: { radius: 0 }, line: { borderWidth: 1.5 } },
        plugins: {
          legend: { display: datasets.length > 1, labels: { boxWidth: 10, font: { size: 10 } } },
          tooltip: { callbacks: { title: (items) => time(items[0].parsed.x), label: (c) => c.dataset.reasons ? c.dataset.reasons[c.dataIndex] : `${c.dataset.label}: ${Console.fmt(c.parsed.y, 2)}` } },
        },
        scales,
      },
    });
  }
  const line = (label, color, extra) => ({ label, data: [], borderColor: color, backgroundColor: color, ...extra });

  function makeCharts(service) {
    const row = document.getElementById("svc-" + service);
    const c = {};
    c.throughput = chart($('[data-chart="throughput"]', row), [line("processed / s", COLORS.processed, { fill: false }), line("failed / s", COLORS.failed)]);
    c.scaling = chart($('[data-chart="scaling"]', row), [
      line("backlog per worker", COLORS.backlog, { borderWidth: 2 }),
      line("target", COLORS.target, { borderDash: [6, 4], borderWidth: 1 }),
      line("desired", COLORS.desired, { yAxisID: "y2", stepped: true }),
      line("running", COLORS.running, { yAxisID: "y2", stepped: true }),
      line("max", COLORS.max, { yAxisID: "y2", borderDash: [2, 3], borderWidth: 1 }),
      { type: "scatter", label: "decisions", data: [], reasons: [], yAxisID: "y2", pointRadius: 5, pointStyle: "triangle", borderColor: "#111827", backgroundColor: "#f59e0b" },
    ], true);
    c.handler_latency = chart($('[data-chart="handler_latency"]', row), [line("p50", COLORS.p50), line("p99", COLORS.p99)]);
    c.message_age = chart($('[data-chart="message_age"]', row), [line("p50", COLORS.p50), line("p99", COLORS.p99)]);
    for (const small of [c.handler_latency, c.message_age]) { small.options.plugins.legend.display = false; small.options.scales.x.display = false; small.options.scales.y.ticks.maxTicksLimit = 3; }
    state.charts[service] = c;
    state.decisions[service] = [];
  }

  const SERIES = {
    throughput: [["processed", 0], ["failed", 1]],
    scaling: [["backlog_per_worker", 0], ["target", 1], ["desired", 2], ["running", 3], ["max_workers", 4]],
    handler_latency: [["handler_p50", 0], ["handler_p99", 1]],
    message_age: [["age_p50", 0], ["age_p99", 1]],
  };

  async function loadHistory(service) {
    const { series, decisions } = await Console.get(`/api/history/${service}?minutes=${state.range}`);
    const c = state.charts[service];
    for (const [name, pairs] of Object.entries(SERIES)) {
      for (const [column, index] of pairs) {
        c[name].data.datasets[index].data = series.at.map((at, i) => ({ x: at * 1000, y: series[column][i] })).filter((p) => p.y !== null);
      }
    }
    const marks = c.scaling.data.datasets[5];
    const shown = decisions.filter((d) => d.action !== "steady");
    marks.data = shown.map((d) => ({ x: d.at * 1000, y: d.to }));
    marks.reasons = shown.map((d) => `${d.action.replaceAll("_", " ")} ${d.from_} → ${d.to}: ${d.reason}`);
    state.decisions[service] = shown.slice(-DECISIONS_SHOWN);
    renderDecisions(service);
    window_(c, Date.now());
    for (const ch of Object.values(c)) ch.update("none");
  }

  // Every chart spans the chosen range up to now, with or without data (no epoch-0 axis when empty).
  function window_(c, at) {
    for (const ch of Object.values(c)) { ch.options.scales.x.min = at - state.range * 60000; ch.options.scales.x.max = at; }
  }

  // The scaling explainer's log: the last few decisions that changed or held the worker count, with
  // their reasons, newest first (the chart's markers carry the same text in their tooltips).
  function renderDecisions(service) {
    const list = document.querySelector(`#svc-${service} [data-f="decisions"]`);
    if (!list) return;
    list.innerHTML = [...state.decisions[service]].reverse().map((d) =>
      `<li><time>${time(d.at * 1000)}</time> <b class="act-${d.action}">${Console.esc(d.action.replaceAll("_", " "))}</b> ${d.from_} → ${d.to}: ${Console.esc(d.reason)}</li>`).join("") ||
      `<li class="muted">steady so far: no scale-out, scale-in, cooldown hold or cap</li>`;
  }

  function push(service, at, view) {
    const c = state.charts[service];
    const values = {
      processed: view.processed_per_second, failed: view.failed_per_second, backlog_per_worker: view.backlog_per_worker,
      target: view.target_backlog_per_worker, desired: view.desired, running: view.running, max_workers: view.max_workers,
      handler_p50: view.handler_p50_ms, handler_p99: view.handler_p99_ms, age_p50: view.age_p50_ms, age_p99: view.age_p99_ms,
    };
    const horizon = at - state.range * 60000;
    for (const [name, pairs] of Object.entries(SERIES)) {
      for (const [column, index] of pairs) {
        const data = c[name].data.datasets[index].data;
        if (values[column] !== null && values[column] !== undefined) data.push({ x: at, y: values[column] });
        while (data.length && data[0].x < horizon) data.shift();
      }
    }
    const d = view.last_decision;
    const marks = c.scaling.data.datasets[5];
    const logged = state.decisions[service];
    const last = logged[logged.length - 1];
    // Marked: every change of the worker count, and a hold or at-max when it starts (not every tick
    // it lasts, as scaling.jsonl logs them); a steady tick is no decision worth a marker.
    const repeat = last && (Math.abs(last.at - (d ? d.at : 0)) < 0.001 || (d && d.from_ === d.to && last.action === d.action && last.to === d.to));
    if (d && d.action !== "steady" && !repeat) {
      marks.data.push({ x: d.at * 1000, y: d.to });
      marks.reasons.push(`${d.action.replaceAll("_", " ")} ${d.from_} → ${d.to}: ${d.reason}`);
      logged.push(d);
      if (logged.length > DECISIONS_SHOWN) logged.shift();
      renderDecisions(service);
    }
    while (marks.data.length && marks.data[0].x < horizon) { marks.data.shift(); marks.reasons.shift(); }
    window_(c, at);
    for (const ch of Object.values(c)) ch.update("none");
  }

  // A worker's handlers running against its maximum; messages it received ahead (one receive's
  // worth, waiting for a slot) are shown apart, so the count never reads above the maximum.
  function handling(p) {
    if (p.in_flight === null) return "–";
    const running = p.handling ?? p.in_flight;
    const ahead = p.in_flight - running;
    return `${running} / ${p.max_in_flight}` + (ahead > 0 ? ` <small class="muted" title="received ahead, waiting for a handler slot">+${ahead} waiting</small>` : "");
  }

  function setText(row, field, text, cls) {
    const el = $(`[data-f="${field}"]`, row);
    if (!el) return;
    el.textContent = text;
    if (cls !== undefined) el.className = cls;
  }

  function render(snapshot) {
    state.lastAt = snapshot.at * 1000;
    $("#notes").textContent = (snapshot.notes || []).join(" · ");
    for (const view of snapshot.services) {
      const row = document.getElementById("svc-" + view.service);
      if (!row) continue;
      setText(row, "visible", Console.fmt(view.visible, 0), view.visible > 0 ? "warn" : "");
      setText(row, "in_flight", Console.fmt(view.in_flight, 0));
      setText(row, "dlq", Console.fmt(view.dlq, 0), view.dlq > 0 ? "bad" : "");
      setText(row, "oldest", view.oldest_age_seconds === null ? "–" : Console.fmt(view.oldest_age_seconds, 0) + " s");
      setText(row, "oldest_note", view.oldest_age_exact ? "oldest" : "backlog age (estimated)");
      setText(row, "running", Console.fmt(view.running, 0));
      setText(row, "desired", Console.fmt(view.desired, 0));
      setText(row, "min", Console.fmt(view.min_workers, 0));
      setText(row, "max", Console.fmt(view.max_workers, 0));
      setText(row, "handler_latency_p50", Console.ms(view.handler_p50_ms));
      setText(row, "handler_latency_p99", Console.ms(view.handler_p99_ms));
      setText(row, "message_age_p50", Console.ms(view.age_p50_ms));
      setText(row, "message_age_p99", Console.ms(view.age_p99_ms));
      const f = view.forecast;
      setText(row, "forecast", f.text, f.verdict === "empty" ? "ok" : f.within_goal === true ? "ok" : f.within_goal === false || f.verdict === "never" ? "late" : "");
      setText(row, "goal", `latency goal ${view.latency_goal_seconds} s` + (f.net_rate !== null && f.verdict !== "empty" ? ` · net ${Console.fmt(f.net_rate, 1)} msg/s` : ""));
      const paused = $('[data-f="paused"]', row); paused.hidden = !view.paused;
      const override = $('[data-f="override"]', row); override.hidden = view.desired_override === null; override.textContent = `desired pinned at ${view.desired_override}`;
      const pauseButton = $('[data-act="pause"]', row); if (pauseButton) pauseButton.textContent = view.paused ? "Resume" : "Pause";
      const d = view.last_decision;
      $('[data-f="decision"]', row).innerHTML = d ? `now <b>${Console.esc(d.action.replaceAll("_", " "))}</b> ${d.from_} → ${d.to}: ${Console.esc(d.reason)} <small>(${time(d.at * 1000)})</small>` : "";
      $('[data-f="procs"]', row).innerHTML = view.processes.map((p) =>
        `<tr><td>${Console.esc(p.worker_id)}</td><td class="state-${p.state}">${p.state}</td><td>${handling(p)}</td>` +
        `<td>${p.heartbeat_age_seconds === null ? "–" : Console.fmt(p.heartbeat_age_seconds, 1) + " s"}</td><td>${p.protected ? '<span class="held" title="holds scale-in protection">held</span>' : ""}</td></tr>`).join("") ||
        `<tr><td colspan="5" class="muted">no worker running</td></tr>`;
      push(view.service, snapshot.at * 1000, view);
    }
    renderJobs(snapshot.jobs || []);
  }

  function renderJobs(jobs) {
    $("#jobs").innerHTML = jobs.filter((j) => !j.done).map((j) => `<div class="job">redriving ${Console.esc(j.group)} of <b>${Console.esc(j.service)}</b>: ${j.moved} moved</div>`).join("");
  }

  function connect() {
    if (state.es) state.es.close();
    state.es = new EventSource(`/api/stream?every=${state.every}`);
    state.es.addEventListener("snapshot", (e) => render(JSON.parse(e.data)));
    state.es.onerror = () => { $("#status").textContent = "reconnecting…"; $("#status").className = "status down"; };
  }

  function tickStatus() {
    if (state.paused) { $("#status").textContent = "paused"; $("#status").className = "status paused"; return; }
    if (!state.lastAt) return;
    $("#status").textContent = `live · updated ${Math.max(0, (Date.now() - state.lastAt) / 1000).toFixed(0)} s ago`;
    $("#status").className = "status";
  }

  async function refreshFunnel() {
    if (state.paused) return;
    const funnel = await Console.get(`/api/funnel?window=${$("#window").value}`);
    const placed = funnel.stages[0].count || 0;
    $("#funnel").innerHTML = funnel.stages.map((s) => {
      const share = placed ? Math.round((100 * s.count) / placed) : 0;
      return `<div class="stage" data-stage="${s.stage}"><small>${s.stage}</small><b>${s.count.toLocaleString()}</b><small>${placed ? share + " %" : ""}</small><div class="bar" style="width:${share}%"></div></div>`;
    }).join("");
    $("#cancelled").innerHTML = funnel.cancelled.map((c) => `<span data-cancelled="${c.reason}">cancelled · ${REASONS[c.reason] || c.reason.toLowerCase().replaceAll("_", " ")} <b>${c.count.toLocaleString()}</b></span>`).join("");
    const recent = await Console.get("/api/orders?limit=25");
    $("#recent").innerHTML = recent.orders.slice(0, 8).map((o) => `<tr><td><a href="/orders/${o.orderId}">${o.orderId.slice(0, 8)}…</a></td><td>${new Date(o.placedAt).toLocaleTimeString()}</td><td>${Console.esc(o.total)} ${Console.esc(o.currency)}</td><td class="status-${o.status}">${o.status}${o.reason ? " · " + o.reason.toLowerCase().replaceAll("_", " ") : ""}</td></tr>`).join("") || `<tr><td colspan="4" class="muted">no orders yet — try <code>orderflow load --burst 200</code></td></tr>`;
  }

  function bindActions() {
    for (const row of document.querySelectorAll("section.service")) {
      const service = row.dataset.service;
      const url = `/api/services/${service}/control`;
      row.querySelector('[data-act="pause"]')?.addEventListener("click", (e) => Console.act(url, { paused: e.target.textContent === "Pause" }).then(() => Console.toast(`${service}: ${e.target.textContent === "Pause" ? "paused" : "resumed"}`)).catch(() => {}));
      row.querySelector('[data-act="override"]')?.addEventListener("click", () => {
        const value = Number(row.querySelector('[data-act="override-value"]').value);
        Console.act(url, { desiredOverride: value }).then(() => Console.toast(`${service}: desired workers pinned at ${value}`)).catch(() => {});
      });
      row.querySelector('[data-act="clear"]')?.addEventListener("click", () => Console.act(url, { clearOverride: true }).then(() => Console.toast(`${service}: scaling back to the policy`)).catch(() => {}));
    }
  }

  $("#every").value = String(state.every);
  $("#every").addEventListener("change", (e) => { state.every = Number(e.target.value); localStorage.setItem("console-every", state.every); if (!state.paused) connect(); });
  $("#range").addEventListener("change", (e) => { state.range = Number(e.target.value); services.forEach(loadHistory); });
  $("#pause").addEventListener("click", (e) => {
    state.paused = !state.paused;
    e.target.textContent = state.paused ? "Resume" : "Pause";
    if (state.paused) { state.es.close(); state.es = null; } else { services.forEach(loadHistory); connect(); refreshFunnel(); }
    tickStatus();
  });
  $("#window").addEventListener("change", refreshFunnel);
  services.forEach(makeCharts);
  Promise.all(services.map(loadHistory)).finally(connect);
  refreshFunnel();
  setInterval(refreshFunnel, 5000);
  setInterval(tickStatus, 1000);
  bindActions();
})();
