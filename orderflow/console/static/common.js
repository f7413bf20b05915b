// Shared by every page: the API key for actions, JSON calls that surface problem+json, a toast.
"use strict";
const Console = (() => {
  const keyInput = document.getElementById("api-key");
  if (keyInput) {
    keyInput.value = sessionStorage.getItem("orderflow-console-key") || "";
    keyInput.addEventListener("change", () => sessionStorage.setItem("orderflow-console-key", keyInput.value.trim()));
  }
  function toast(text, error) {
    const el = document.getElementById("toast");
    el.textContent = text;
    el.className = "show" + (error ? " error" : "");
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => (el.className = ""), error ? 7000 : 3500);
  }
  async function act(url, body) {
    const key = keyInput ? keyInput.value.trim() : "";
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(key ? { Authorization: "Bearer " + key } : {}) },
      body: JSON.stringify(body || {}),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      toast((data.title || "Refused") + ": " + (data.detail || response.status), true);
      throw new Error(data.detail || String(response.status));
    }
    if (data.message) toast(data.message);
    return data;
  }
  async function get(url) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(url + ": " + response.status);
    return response.json();
  }
  const fmt = (v, digits) => (v === null || v === undefined ? "–" : typeof v === "number" ? v.toLocaleString(undefined, { maximumFractionDigits: digits ?? 1 }) : String(v));
  const ms = (v) => (v === null || v === undefined ? "–" : v >= 1000 ? (v / 1000).toFixed(v >= 10000 ? 0 : 1) + " s" : Math.round(v) + " ms");
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  return { act, get, toast, fmt, ms, esc, readOnly: document.body.dataset.readOnly === "true" };
})();
