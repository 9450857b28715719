// The pages' one DOM helper: h(tag, attrs, ...children) builds an element,
// every value set as text or an attribute, never as HTML; an "on…"
// attribute adds that event's listener.
window.maydayDOM = {
  h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") el.className = v; else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? "" : v);
    }
    for (const k of kids.flat()) if (k !== undefined && k !== null) el.append(k instanceof Node ? k : String(k));
    return el;
  },
};
