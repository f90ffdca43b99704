/* Offline study, service worker side.

   - Keeps the learner's module (home, slides, case studies, quiz, certificate page) in their
     language, from the list the server gives (/<lang>/offline/manifest.json).
   - Pages: the network first; without a connection, the kept copy. A slide opened offline is
     queued as seen.
   - A case study answer or a quiz sent without a connection is queued on the device
     (IndexedDB) and the learner is shown that it is kept.
   - The queue is sent when the connection returns, with a fresh CSRF token; every event has an
     id made here, so the server counts a replayed event once.
*/
"use strict";

var PAGES = "sgtm1-pages";   // this learner's pages: removed on sign-out
var SHELL = "sgtm1-shell";   // assets and the offline notices: no personal data
var DB_NAME = "sgtm1-offline";
var LANGS = "(ar|en|es|fr|ru|zh)";
var SLIDE = new RegExp("^/" + LANGS + "/slides/(\\d+)$");
var CASE = new RegExp("^/" + LANGS + "/case-studies/([^/]+)$");
var QUIZ = new RegExp("^/" + LANGS + "/quiz/([^/]+)$");
var NETWORK_WAIT_MS = 8000;
// The kept copy is refreshed by every page the learner opens online; the whole list is fetched
// again at most twice a day.
var REFRESH_MS = 12 * 60 * 60 * 1000;
var keeping = false;
// Pages fetched to keep them, not because the learner opened them: the server does not count
// them as seen (a slide read offline from the kept copy is counted when the queue is sent).
var KEEPING = {"X-Offline-Keep": "1"};

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

/* ---- a tiny IndexedDB store: the queue, and what the worker must remember ---- */
function openDb() {
  return new Promise(function (resolve, reject) {
    var request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = function () {
      request.result.createObjectStore("queue", {keyPath: "id"});
      request.result.createObjectStore("meta");
    };
    request.onsuccess = function () { resolve(request.result); };
    request.onerror = function () { reject(request.error); };
  });
}

function tx(store, mode, work) {
  return openDb().then(function (db) {
    return new Promise(function (resolve, reject) {
      var t = db.transaction(store, mode);
      var result = work(t.objectStore(store));
      t.oncomplete = function () { resolve(result && "result" in result ? result.result : result); };
      t.onerror = function () { reject(t.error); };
    });
  });
}

function getMeta(key) { return tx("meta", "readonly", function (s) { return s.get(key); }); }
function setMeta(key, value) { return tx("meta", "readwrite", function (s) { s.put(value, key); }); }
function allEvents() { return tx("queue", "readonly", function (s) { return s.getAll(); }); }
function removeEvents(ids) {
  return tx("queue", "readwrite", function (s) { ids.forEach(function (id) { s.delete(id); }); });
}

function newId() {
  if (self.crypto && self.crypto.randomUUID) { return self.crypto.randomUUID(); }
  var bytes = new Uint8Array(16);
  self.crypto.getRandomValues(bytes);
  return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
}

function enqueue(event) {
  return getMeta("session").then(function (session) {
    if (!session || !session.person) { return false; }
    event.id = newId();
    event.person = session.person;
    event.at = new Date().toISOString();
    return tx("queue", "readwrite", function (s) { s.put(event); }).then(function () {
      sendLater();
      return broadcast();
    }).then(function () { return true; });
  });
}

/* ---- telling the pages how things stand ---- */
var sending = false;
var signin = false;

function counts() {
  return Promise.all([allEvents(), getMeta("session"), getMeta("ready")]).then(function (r) {
    var person = r[1] && r[1].person;
    var mine = r[0].filter(function (e) { return e.person === person; }).length;
    return {type: "status", mine: mine, others: r[0].length - mine, sending: sending,
            signin: signin, known: true,
            ready: Boolean(r[2] && person && r[2][person + "|" + r[1].lang])};
  });
}

function broadcast() {
  return counts().then(function (message) {
    return self.clients.matchAll({type: "window", includeUncontrolled: true}).then(function (clients) {
      clients.forEach(function (client) { client.postMessage(message); });
    });
  });
}

/* ---- keeping the module on the device ---- */
function keep(session) {
  if (keeping) { return Promise.resolve(); }
  return getMeta("ready").then(function (ready) {
    ready = ready || {};
    var key = session.person + "|" + session.lang;
    if (ready[key] && Date.now() - ready[key] < REFRESH_MS) { return; }
    keeping = true;
    return fetch(session.manifest, {credentials: "same-origin", cache: "no-store"})
      .then(function (response) {
        if (!response.ok) { throw new Error("manifest " + response.status); }
        return response.json();
      })
      .then(function (manifest) {
        if (manifest.person !== session.person) { return; }
        // a whole classroom signs in at once: each device waits a little before it downloads
        // the module, so the room's first slides are not slowed down
        return new Promise(function (resolve) {
          setTimeout(resolve, Math.random() * (manifest.delay_ms || 0));
        }).then(function () {
          return caches.open(SHELL);
        }).then(function (shell) {
          return shell.addAll(manifest.assets.concat(manifest.shell));
        }).then(function () {
          return caches.open(PAGES);
        }).then(function (pages) {
          // one page after another: gentle on a slow, shared link
          return manifest.pages.reduce(function (chain, url) {
            return chain.then(function () {
              return fetch(url, {credentials: "same-origin", redirect: "follow",
                                 headers: KEEPING}).then(function (r) {
                if (r.ok && !r.redirected) { return pages.put(url, r); }
              });
            });
          }, Promise.resolve());
        }).then(function () {
          ready[key] = Date.now();
          return setMeta("ready", ready);
        });
      })
      .catch(function () {})
      .then(function () { keeping = false; });
  });
}

/* After a quiz is marked online, the kept quiz page would hold a used attempt: fetch a fresh
   one, so a quiz taken offline later is a new attempt. */
function refreshKept(path) {
  return caches.open(PAGES).then(function (pages) {
    return pages.match(path).then(function (old) {
      if (!old) { return; }
      return fetch(path, {credentials: "same-origin", headers: KEEPING}).then(function (r) {
        if (r.ok && !r.redirected) { return pages.put(path, r); }
      });
    });
  }).catch(function () {});
}

/* ---- sending the queue ---- */
/* Resolves true when nothing of this learner's is left to send. */
function flush() {
  if (sending) { return Promise.resolve(false); }
  var sent = false;
  return Promise.all([getMeta("session"), allEvents()]).then(function (r) {
    var session = r[0];
    var mine = r[1].filter(function (e) { return session && e.person === session.person; });
    if (!session || !mine.length) {
      signin = false;
      return broadcast().then(function () { return true; });
    }
    sending = true;
    return broadcast()
      .then(function () { return fetch(session.token, {credentials: "same-origin", cache: "no-store"}); })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) { signin = true; throw new Error("sign-in"); }
        if (!response.ok) { throw new Error("token " + response.status); }
        return response.json();
      })
      .then(function (token) {
        if (token.person !== session.person) { signin = true; throw new Error("sign-in"); }
        signin = false;
        var events = mine.slice(0, 200).map(function (e) {
          var copy = Object.assign({}, e);
          delete copy.person;
          return copy;
        });
        return fetch(session.sync, {
          method: "POST", credentials: "same-origin",
          headers: {"Content-Type": "application/json", "X-CSRFToken": token.csrf_token},
          body: JSON.stringify({events: events})
        });
      })
      .then(function (response) {
        if (!response.ok) { throw new Error("sync " + response.status); }
        return response.json();
      })
      .then(function (answer) {
        // applied, duplicate or rejected: the server has it (a rejected event would be
        // rejected again), so it leaves the device
        return removeEvents(answer.results.map(function (o) { return o.id; }));
      })
      .then(function () { sent = true; })
      .catch(function () {})
      .then(function () {
        sending = false;
        return broadcast();
      })
      .then(function () {
        // more than one batch waiting: send the next
        return sent && mine.length > 200 ? flush() : sent;
      });
  });
}

/* Where the browser offers it (Background Sync), the queue is also sent when the connection
   returns while no page of the site is open. */
function sendLater() {
  if (self.registration.sync) {
    self.registration.sync.register("sgtm1-queue").catch(function () {});
  }
}

self.addEventListener("sync", function (event) {
  if (event.tag === "sgtm1-queue") {
    event.waitUntil(flush().then(function (done) {
      if (!done) { throw new Error("not sent yet"); }  // the browser tries again later
    }));
  }
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "hello") {
    var work = Promise.resolve();
    if (data.person) {
      var session = {person: data.person, lang: data.lang, manifest: data.manifest,
                     token: data.token, sync: data.sync};
      work = setMeta("session", session).then(function () {
        return data.online ? flush().then(function () { return keep(session); }) : null;
      });
    }
    event.waitUntil(work.then(broadcast));
  } else if (data.type === "forget") {
    event.waitUntil(caches.delete(PAGES).then(function () {
      return Promise.all([setMeta("session", null), setMeta("ready", {})]);
    }));
  } else if (data.type === "flush") {
    event.waitUntil(flush());
  }
});

/* ---- answering the page's requests ---- */
function fromNetwork(request) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("slow")); }, NETWORK_WAIT_MS);
    fetch(request).then(function (response) { clearTimeout(timer); resolve(response); },
                        function (error) { clearTimeout(timer); reject(error); });
  });
}

function kept(path) {
  return caches.match(path, {ignoreSearch: true});
}

function langOf(path) {
  var m = new RegExp("^/" + LANGS + "/").exec(path);
  return m ? m[1] : "en";
}

function page(request, url) {
  return fromNetwork(request).then(function (response) {
    if (response.ok && !response.redirected) {
      // clone now: once the page has the response, its body is gone
      var copy = response.clone();
      caches.open(PAGES).then(function (pages) {
        return pages.match(url.pathname).then(function (old) {
          if (old) { return pages.put(url.pathname, copy); }
        });
      }).catch(function () {});
      flush();
    }
    return response;
  }, function () {
    return kept(url.pathname).then(function (copy) {
      if (copy) {
        var slide = SLIDE.exec(url.pathname);
        if (slide) { enqueue({kind: "slide", number: parseInt(slide[2], 10)}); }
        return copy;
      }
      return kept("/" + langOf(url.pathname) + "/offline/unavailable").then(function (notice) {
        return notice || Response.error();
      });
    });
  });
}

function answer(request, url) {
  var copy = request.clone();
  return fetch(request).then(function (response) {
    if (QUIZ.test(url.pathname)) { refreshKept("/" + langOf(url.pathname) + "/quiz"); }
    return response;
  }, function () {
    return copy.formData().then(function (form) {
      var c = CASE.exec(url.pathname);
      var q = QUIZ.exec(url.pathname);
      var event;
      if (c) {
        event = {kind: "case", case_id: decodeURIComponent(c[2]), answer: String(form.get("answer") || "")};
      } else {
        var answers = {};
        form.forEach(function (value, key) { if (/^s-/.test(key)) { answers[key] = String(value); } });
        event = {kind: "quiz", token: decodeURIComponent(q[2]), answers: answers};
      }
      return enqueue(event);
    }).then(function (queued) {
      if (!queued) { return Response.error(); }
      return Response.redirect("/" + langOf(url.pathname) + "/offline/saved", 303);
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST") {
    if (request.mode === "navigate" && (CASE.test(url.pathname) || QUIZ.test(url.pathname))) {
      event.respondWith(answer(request, url));
    }
    return;
  }
  if (request.method !== "GET") { return; }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (copy) { return copy || fetch(request); }));
  } else if (request.mode === "navigate") {
    event.respondWith(page(request, url));
  }
});
