// Installable and usable with a poor signal (the worker is /sw.js, static/sw.js):
// 1. Registers the service worker, and asks it to keep the page that installed it.
// 2. Says so when what the page shows is not current: a banner on a page the worker gave from
//    its saved copies ("You are offline. This page is from 14:05 on ..."), or when the
//    connection drops while a page is open; the banner goes when a current page is back.
// 3. On /offline, lists the pages saved on this device with when each was saved, and forgets
//    them on request.
// 4. A form marked data-needs-signal (the report form) sent with no signal at all stays where
//    it is, with what was typed, and says it has not been sent (instead of the browser's error
//    page, after which a carer may think the report went).
(function () {
  "use strict";
  var NOT_SENT = "No signal: your report has not been sent. What you wrote is still here: " +
    "press Send report again when you have a signal.";
  var BACK = "You have a signal again: press Send report to send it.";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-needs-signal") || navigator.onLine !== false) { return; }
    event.preventDefault();
    var note = form.querySelector(".not-sent");
    if (!note) {
      note = document.createElement("p");
      note.className = "not-sent";
      note.setAttribute("role", "alert");
      var button = form.querySelector("button[type=submit]");
      form.insertBefore(note, button);
      window.addEventListener("online", function () { note.textContent = BACK; });
    }
    note.textContent = NOT_SENT;
  });
})();

(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) { return; }
  var SITE_TITLE = / – Changing Places toilet finder$/;
  var LONDON = "Europe/London";
  var worker = navigator.serviceWorker;
  var controlled = Boolean(worker.controller);
  var savedMark = document.querySelector('meta[name="saved-copy"]');
  var loadedAt = new Date(performance.timeOrigin || Date.now());
  var shownFrom = null;  // the oldest saved time of what the page shows, if any is saved
  var reason = savedMark ? savedMark.getAttribute("data-reason") : null;

  window.addEventListener("load", function () {
    worker.register("/sw.js", { scope: "/", updateViaCache: "none" }).catch(function () {});
  });
  worker.ready.then(function (registration) {
    if (!controlled && registration.active) {
      registration.active.postMessage({ type: "keep", url: location.href });
    }
  });

  // "14:05 on Tuesday 3 March 2026", in UK time.
  function when(date) {
    var parts = {};
    new Intl.DateTimeFormat("en-GB", {
      timeZone: LONDON, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
      weekday: "long", day: "numeric", month: "long", year: "numeric"
    }).formatToParts(date).forEach(function (part) { parts[part.type] = part.value; });
    return parts.hour + ":" + parts.minute + " on " + parts.weekday + " " + parts.day + " " +
      parts.month + " " + parts.year;
  }

  // "5 minutes ago", "3 hours ago", "2 days ago".
  function age(date) {
    var minutes = Math.max(0, Math.round((Date.now() - date.getTime()) / 60000));
    function count(n, unit) { return n + " " + unit + (n === 1 ? "" : "s") + " ago"; }
    if (minutes < 1) { return "less than a minute ago"; }
    if (minutes < 90) { return count(minutes, "minute"); }
    if (minutes < 36 * 60) { return count(Math.round(minutes / 60), "hour"); }
    return count(Math.round(minutes / 1440), "day");
  }

  function banner() {
    var box = document.getElementById("offline-banner");
    if (!box) {
      box = document.createElement("div");
      box.id = "offline-banner";
      box.className = "offline-banner";
      box.setAttribute("role", "status");
      var main = document.getElementById("main") || document.body;
      main.insertBefore(box, main.firstChild);
    }
    return box;
  }

  function say(box, lead, rest, link) {
    // Filled after the box is in the page, so screen readers hear the change.
    setTimeout(function () {
      box.textContent = "";
      var p = document.createElement("p");
      var strong = document.createElement("strong");
      strong.textContent = lead;
      p.appendChild(strong);
      p.appendChild(document.createTextNode(" " + rest));
      if (link) {
        var a = document.createElement("a");
        a.href = location.href;
        a.textContent = link;
        p.appendChild(document.createTextNode(" "));
        p.appendChild(a);
      }
      box.appendChild(p);
    }, 50);
  }

  var AFTER = ": opening hours and equipment may have changed.";

  function show() {
    var from = shownFrom || loadedAt;
    var since = when(from) + " (" + age(from) + ")" + AFTER;
    if (navigator.onLine === false) {
      say(banner(), "You are offline.", "This page is from " + since);
    } else if (shownFrom) {
      say(banner(), reason === "slow" ? "The connection is too slow." : "You are back online.",
          "This page is a copy from " + since, "Load the current page");
    } else {
      hide();
    }
    if (shownFrom && document.title.indexOf("Saved copy: ") !== 0) {
      document.title = "Saved copy: " + document.title;
    }
  }

  function hide() {
    var box = document.getElementById("offline-banner");
    if (box) { box.parentNode.removeChild(box); }
  }

  function saved(iso) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) { date = new Date(0); }  // unknown: as old as can be
    if (!shownFrom || date < shownFrom) { shownFrom = date; }
    show();
  }

  if (savedMark) { saved(savedMark.content); }
  worker.addEventListener("message", function (event) {
    var data = event.data || {};
    if (data.type === "saved-copy") {
      reason = reason || (navigator.onLine === false ? "offline" : "slow");
      saved(data.savedAt);
    }
  });
  window.addEventListener("offline", show);
  window.addEventListener("online", function () {
    if (shownFrom) { reason = "back"; }
    show();
  });

  // The list of saved pages on /offline.
  var facilities = document.getElementById("saved-facilities");
  var others = document.getElementById("saved-others");
  var none = document.getElementById("saved-none");
  var forget = document.getElementById("forget-saved");
  if (!facilities || !others) { return; }
  if (navigator.onLine !== false && location.pathname === "/offline") {
    document.getElementById("offline-title").textContent = "Pages saved on this device";
    document.getElementById("offline-intro").textContent =
      "When you are offline, pages you have opened before still work:";
  }

  function ask(message) {
    return worker.ready.then(function (registration) {
      return new Promise(function (resolve) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function (event) { resolve(event.data); };
        registration.active.postMessage(message, [channel.port2]);
      });
    });
  }

  function item(page, title) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    var url = new URL(page.url);
    a.href = url.pathname + url.search;
    a.textContent = title;
    li.appendChild(a);
    var date = new Date(page.savedAt);
    var note = document.createElement("span");
    note.className = "saved-when";
    note.textContent = isNaN(date.getTime()) ? "When it was saved is not known"
      : "Saved at " + when(date) + " (" + age(date) + ")";
    li.appendChild(note);
    return li;
  }

  function fill() {
    ask({ type: "list" }).then(function (answer) {
      return Promise.all(answer.pages.map(function (page) {
        return caches.match(page.url).then(function (response) {
          return response ? response.text() : "";
        }).then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var title = (doc.title || "").replace(SITE_TITLE, "") || new URL(page.url).pathname;
          return { page: page, title: title };
        });
      }));
    }).then(function (entries) {
      facilities.textContent = "";
      others.textContent = "";
      entries.forEach(function (entry) {
        var path = new URL(entry.page.url).pathname;
        var list = /^\/facilities\/[^/]+$/.test(path) ? facilities : others;
        list.appendChild(item(entry.page, entry.title));
      });
      facilities.parentNode.hidden = !facilities.children.length;
      others.parentNode.hidden = !others.children.length;
      none.hidden = entries.length > 0;
      if (forget) { forget.parentNode.hidden = entries.length === 0; }
      document.getElementById("saved").setAttribute("data-state", "done");
    });
  }

  if (forget) {
    forget.addEventListener("click", function () {
      ask({ type: "forget" }).then(function () {
        fill();
        document.getElementById("forget-done").textContent = "Saved pages forgotten.";
      });
    });
  }
  fill();
})();
