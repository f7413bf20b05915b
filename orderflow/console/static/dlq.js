// DLQ triage: groups by failure reason, redrive a group or all at a set rate, discard one after confirmation.
"use strict";
(() => {
  const section = document.getElementById("dlq");
  const service = section.dataset.service;
  const rate = () => Number(document.getElementById("rate")?.value || 10);

  async function load() {
    const data = await Console.get(`/api/dlq/${service}`);
    const total = data.groups.reduce((n, g) => n + g.count, 0);
    document.getElementById("dlq-total").textContent = `${total} message${total === 1 ? "" : "s"} in ${data.groups.length} group${data.groups.length === 1 ? "" : "s"}` + (total >= data.limit ? ` (first ${data.limit} read)` : "");
    document.getElementById("groups").innerHTML = data.groups.map((g) => `
      <div class="group" data-group="${g.key}">
        <header><span class="count">${g.count}</span><b>${Console.esc(g.eventType)}</b><span class="reason" title="${Console.esc(g.example)}">${Console.esc(g.reason)}</span>
        ${Console.readOnly ? "" : `<button type="button" class="primary" data-redrive="${g.key}">Redrive group</button>`}</header>
        <details><summary>${g.messages.length} of ${g.count} messages</summary>
        ${g.messages.map((m) => `<div class="msg" data-message="${m.message_id}"><p><span class="mono">${m.message_id}</span> · order ${m.order_id ? `<a href="/orders/${m.order_id}">${m.order_id.slice(0, 8)}…</a>` : "–"} · ${m.receive_count} receives · ${Math.round(m.age_seconds)} s old
        ${Console.readOnly ? "" : `<button type="button" class="danger" data-discard="${m.message_id}">Discard</button>`}</p>
        <p class="muted">${Console.esc(m.reason)}</p><pre>${Console.esc(m.preview)}</pre></div>`).join("")}
        </details>
      </div>`).join("") || `<p class="muted">The DLQ of ${service} is empty.</p>`;
  }

  async function audit() {
    const rows = await Console.get("/api/audit");
    document.getElementById("audit").innerHTML = rows.map((r) => `<tr><td>${new Date(r.at * 1000).toLocaleString()}</td><td>${r.action}</td><td>${r.service}</td><td class="mono">${Console.esc(r.target)}</td><td>${r.count}</td><td>${Console.esc(r.result)}</td><td>${Console.esc(r.origin)}</td></tr>`).join("") || `<tr><td colspan="7" class="muted">nothing yet</td></tr>`;
  }

  async function watch(job) {
    const box = document.getElementById("jobs");
    const source = new EventSource("/api/stream?every=1");
    source.addEventListener("snapshot", (e) => {
      const found = (JSON.parse(e.data).jobs || []).find((j) => j.id === job.job);
      if (!found) return;
      box.innerHTML = `<div class="job" data-job="${found.id}">redrive ${Console.esc(found.group)}: <b>${found.moved}</b> moved${found.done ? " · " + Console.esc(found.result) : "…"}<div class="progress"><div style="width:${found.done ? 100 : Math.min(95, found.moved * 10)}%"></div></div></div>`;
      if (found.done) { source.close(); load(); audit(); }
    });
  }

  async function redrive(group) {
    const result = await Console.act(`/api/dlq/${service}/redrive`, { group, rate: rate() });
    if (result.job) watch(result); else { load(); audit(); }
  }

  section.addEventListener("click", (e) => {
    const t = e.target;
    if (t.dataset.redrive) redrive(t.dataset.redrive).catch(() => {});
    if (t.id === "redrive-all") redrive("all").catch(() => {});
    if (t.id === "refresh") load();
    if (t.dataset.discard && confirm(`Discard message ${t.dataset.discard} for good? It will not be redriven.`)) {
      Console.act(`/api/dlq/${service}/discard`, { messageId: t.dataset.discard, confirm: true }).then(() => { Console.toast("discarded"); load(); audit(); }).catch(() => {});
    }
  });
  load();
  audit();
})();
