/* Offline study, page side: registers the service worker and says plainly whether everything
   the learner did has reached the server. Without JavaScript the site works online as before. */
(function () {
  "use strict";
  var status = document.getElementById("offline-status");
  if (!status || !("serviceWorker" in navigator)) { return; }
  var d = status.dataset;
  var last = null;

  function fill(template, count) { return template.replace("{count}", String(count)); }

  function render(state) {
    if (state) { last = state; }
    var s = last || {mine: 0, others: 0};
    var parts = [];
    if (!navigator.onLine) { parts.push(d.msgOffline); }
    if (s.sending) { parts.push(d.msgSending); }
    else if (s.mine && s.signin) { parts.push(fill(d.msgSignin, s.mine)); }
    else if (s.mine) { parts.push(fill(d.msgPending, s.mine)); }
    else if (navigator.onLine && s.known) { parts.push(s.ready ? d.msgReady : d.msgSent); }
    if (s.others) { parts.push(fill(d.msgOthers, s.others)); }
    if (!parts.length) { return; }
    status.textContent = parts.join(" ");
    status.hidden = false;
    status.className = "offline-status" + (s.mine || !navigator.onLine ? " pending" : "");
  }

  function post(message) {
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.active) { registration.active.postMessage(message); }
    });
  }

  function hello() {
    post({type: "hello", lang: d.lang, person: d.person, manifest: d.manifest,
          token: d.token, sync: d.sync, online: navigator.onLine});
  }

  navigator.serviceWorker.addEventListener("message", function (event) {
    if (event.data && event.data.type === "status") { render(event.data); }
  });
  navigator.serviceWorker.register(d.sw, {scope: "/"}).then(hello, function () {});
  window.addEventListener("online", function () { render(); hello(); });
  window.addEventListener("offline", function () { render(); });

  // Signing out of a shared device: the pages kept for this learner are removed from it
  // (anything not yet sent stays, and is sent when they sign in again).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.action && /\/logout$/.test(form.action)) { post({type: "forget"}); }
  });
  render();
}());
