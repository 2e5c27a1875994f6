// The service worker: the site opens with a poor signal or none, and never passes off a saved
// answer as a current one. Served at /sw.js (scope "/") by locator/web/pages/offline.py, which
// fills in VERSION and SHELL (the content-hashed URLs of the stylesheet, scripts and icons).
//
// What it keeps, on this device only:
// * the shell (SHELL), when it is installed;
// * pages and API answers (/api/, /map/pins) seen here: network first, and the saved copy only
//   when the network fails or is too slow. A saved page gets a <meta name="saved-copy"> with
//   when it was saved, and offline.js says so in a banner; a saved API answer is announced to
//   its page by a message;
// * static files under /static/?v= and photos (content-addressed): cache first.
// Never: anything but GET; a URL holding a position (lat, lon: where the person is, which we
// promise never to store); /admin; answers with Cache-Control: no-store (report forms, a
// facility page an editor sees), other than 200, or downloads. A place searched by name
// (?q=CV1 1FY) is kept with its results, so the last search opens offline: it is what the
// person typed, kept on their device as their browser's history keeps it, and /offline can
// forget every saved page.
"use strict";

const VERSION = "dev";
const SHELL = ["/offline", "/manifest.webmanifest"];

const SHELL_CACHE = "shell-" + VERSION;
const PAGES = "pages-1";
const ANSWERS = "answers-1";
const STATIC = "static-1";
// The most entries each keeps; the oldest saved go first.
const LIMITS = { [PAGES]: 50, [ANSWERS]: 30, [STATIC]: 80 };
// A saved page is shown when the network has not answered in this long.
const SLOW_MS = 8000;
const PRIVATE_PARAMS = ["lat", "lon"];
// Editors' pages (and report forms, which say no-store themselves) and the health probes.
const NEVER_PATHS = [/^\/admin(\/|$)/, /^\/healthz$/, /^\/readyz$/, /^\/sw\.js$/];

self.addEventListener("install", (event) => {
  // Where the static routing API is (Chromium), editors' pages and anything sent go straight to
  // the network, never waking this worker; elsewhere the fetch handler lets them pass.
  const routes = event.addRoutes
    ? Promise.all([
      event.addRoutes({ condition: { urlPattern: "/admin{/*}?" }, source: "network" }),
      event.addRoutes({ condition: { not: { requestMethod: "GET" } }, source: "network" }),
    ]).catch(() => undefined)
    : Promise.resolve();
  event.waitUntil(
    routes
      .then(() => caches.open(SHELL_CACHE))
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  const keep = new Set([SHELL_CACHE, PAGES, ANSWERS, STATIC]);
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (!keep.has(name)) { await caches.delete(name); }
    }
    if (self.registration.navigationPreload) { await self.registration.navigationPreload.enable(); }
    await self.clients.claim();
  })());
});

/** Whether a URL may be kept at all: same site, no position in it, not a private path. */
function keepableUrl(url) {
  return url.origin === self.location.origin
    && !PRIVATE_PARAMS.some((name) => url.searchParams.has(name))
    && !NEVER_PATHS.some((pattern) => pattern.test(url.pathname));
}

/**
 * Whether an answer may be kept in cache `name`: a whole 200 that does not forbid storing, not
 * a download; among the pages only HTML ones (not an API answer opened as a page).
 */
function keepableResponse(response, name) {
  const control = (response.headers.get("Cache-Control") || "").toLowerCase();
  const type = response.headers.get("Content-Type") || "";
  return response.status === 200 && response.type === "basic"
    && !/(^|[,\s])no-store/.test(control)
    && !/^\s*attachment/i.test(response.headers.get("Content-Disposition") || "")
    && (name !== PAGES || type.startsWith("text/html"));
}

/** Keep `response` for `request` in cache `name`, stamped with now, within the cache's limit. */
async function keep(name, request, response) {
  const headers = new Headers(response.headers);
  headers.set("X-Saved-At", new Date().toISOString());
  const body = await response.arrayBuffer();
  const cache = await caches.open(name);
  const key = typeof request === "string" ? request : request.url;
  await cache.delete(key, { ignoreVary: true });  // put appends: the newest are last
  await cache.put(key, new Response(body, { status: response.status, statusText: response.statusText, headers }));
  const keys = await cache.keys();
  for (const old of keys.slice(0, Math.max(0, keys.length - LIMITS[name]))) { await cache.delete(old); }
}

/** `promise`, or a rejection after `ms`. */
function within(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("slow")), ms);
    promise.then((value) => { clearTimeout(timer); resolve(value); },
                 (error) => { clearTimeout(timer); reject(error); });
  });
}

/** A saved page, marked as saved: offline.js reads the mark and shows the banner. */
async function markedCopy(saved, reason) {
  const savedAt = saved.headers.get("X-Saved-At") || "";
  const mark = `<meta name="saved-copy" content="${savedAt}" data-reason="${reason}">`;
  const html = (await saved.text()).replace(/<\/head>/i, mark + "</head>");
  const headers = new Headers(saved.headers);
  headers.delete("Content-Length");
  headers.set("X-From-Cache", savedAt);
  return new Response(html, { status: 200, headers });
}

/** The page for "offline, and this page was never saved". */
async function offlinePage() {
  const page = await caches.match("/offline", { cacheName: SHELL_CACHE });
  return page || new Response("You are offline, and this page has not been saved on this device.",
                              { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}

/**
 * Network first: the answer from the network (kept when it may be), else the saved copy when
 * the network fails or is slower than SLOW_MS, given to `saved`; else `missing()`.
 */
async function networkFirst(event, name, network, saved, missing) {
  const url = new URL(event.request.url);
  const mayKeep = keepableUrl(url);
  let kept = Promise.resolve();
  const answer = network.then((response) => {
    if (mayKeep && keepableResponse(response, name)) { kept = keep(name, url.href, response.clone()); }
    return response;
  });
  event.waitUntil(answer.then(() => kept, () => undefined));
  const copy = mayKeep ? await caches.match(url.href, { cacheName: name, ignoreVary: true }) : undefined;
  try {
    return await (copy ? within(answer, SLOW_MS) : answer);
  } catch (error) {
    if (copy) { return saved(copy, self.navigator.onLine === false ? "offline" : "slow"); }
    return missing();
  }
}

/** Tell the page that asked that part of what it shows is a saved copy. */
async function announce(clientId, url, copy) {
  const client = clientId && await self.clients.get(clientId);
  if (client) { client.postMessage({ type: "saved-copy", url, savedAt: copy.headers.get("X-Saved-At") }); }
}

async function cacheFirst(event) {
  const hit = await caches.match(event.request, { ignoreVary: true });
  if (hit) { return hit; }
  const response = await fetch(event.request);
  if (keepableResponse(response, STATIC)) { event.waitUntil(keep(STATIC, event.request, response.clone())); }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  // Map tiles, anything sent (forms, uploads), editors' pages and probes: the browser's own way,
  // never kept.
  if (url.origin !== self.location.origin || request.method !== "GET"
      || NEVER_PATHS.some((pattern) => pattern.test(url.pathname))) { return; }
  if ((url.pathname.startsWith("/static/") && url.searchParams.has("v"))
      || url.pathname.startsWith("/photos/")) {
    event.respondWith(cacheFirst(event));
  } else if (request.mode === "navigate") {
    const network = Promise.resolve(event.preloadResponse).then((r) => r || fetch(request));
    event.respondWith(networkFirst(event, PAGES, network, markedCopy, offlinePage));
  } else if (url.pathname.startsWith("/api/") || url.pathname === "/map/pins") {
    event.respondWith(networkFirst(event, ANSWERS, fetch(request), async (copy) => {
      await announce(event.clientId, url.pathname + url.search, copy);
      return copy;
    }, () => Response.error()));
  } else if (url.pathname.startsWith("/static/") || SHELL.includes(url.pathname)) {
    event.respondWith(fetch(request).catch(async () =>
      (await caches.match(request, { ignoreVary: true })) || Response.error()));
  }
});

// From offline.js: keep the page that installed the worker (it came before the worker did);
// list what is saved; forget it all.
self.addEventListener("message", (event) => {
  const message = event.data || {};
  const reply = (value) => { if (event.ports[0]) { event.ports[0].postMessage(value); } };
  if (message.type === "keep") {
    const url = new URL(message.url, self.location.origin);
    url.hash = "";
    if (!keepableUrl(url) || url.pathname === "/offline") { return; }
    event.waitUntil(fetch(url.href, { credentials: "same-origin" }).then((response) =>
      keepableResponse(response, PAGES) ? keep(PAGES, url.href, response) : undefined).catch(() => undefined));
  } else if (message.type === "list") {
    event.waitUntil((async () => {
      const cache = await caches.open(PAGES);
      const pages = [];
      for (const request of await cache.keys()) {
        const response = await cache.match(request);
        pages.push({ url: request.url, savedAt: response && response.headers.get("X-Saved-At") });
      }
      reply({ pages: pages.reverse() });  // newest first
    })());
  } else if (message.type === "forget") {
    event.waitUntil(Promise.all([caches.delete(PAGES), caches.delete(ANSWERS)]).then(() => reply({ done: true })));
  }
});
