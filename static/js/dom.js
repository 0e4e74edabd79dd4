// DOM helpers, and what the page tells the offline scripts (templates/sync/_outbox_count.html).
export const $ = (selector, root = document) => root.querySelector(selector);

export const el = (tag, className, text) => {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text != null) element.textContent = text;
  return element;
};

// a message on top of the page, like the server's flash messages
export const say = (text, kind) => {
  const message = el("p", "flash " + kind, text);
  message.setAttribute("role", "status");
  $("#main").prepend(message);
  return message;
};

export const badge = $("#outbox-count"), urls = badge ? badge.dataset : {}, user = +urls.user;
export const texts = ($("#cdt-text") || { dataset: {} }).dataset, canWorkOffline = !!(badge && self.indexedDB);
export const isKeptCopy = document.documentElement.hasAttribute("data-offline-copy");  // by the service worker
