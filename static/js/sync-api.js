// The sync API (DESIGN section 8), each request with a time limit. No DOM.
const request = async (path, init, timeoutMs) => {
  const controller = new AbortController(), timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await fetch("/api/v1" + path, { cache: "no-store", signal: controller.signal, ...init });
  } finally {
    clearTimeout(timer);
  }
};

// {user, csrf_token} with a fresh token; null once the session has ended
export const fetchMe = async () => {
  const response = await request("/me", {}, 20000);
  if (response.status === 401) return null;
  if (!response.ok) throw new Error(response.status);
  return response.json();
};

export const postItems = (csrfToken, items) => request("/sync", {
  method: "POST",
  headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
  body: JSON.stringify({ items: items.map(({ kind, id, payload }) => ({ kind, id, payload })) }),
}, 60000);
