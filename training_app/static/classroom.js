// The classroom. Presenter: a clicker's keys move the slides, the session clock counts live.
// Projector: follows the presenter by asking state.json twice a second (an ETag makes an
// unchanged answer a bodiless 304), blanks with B, goes full screen with F, and shrinks its
// text only if a slide would otherwise need scrolling.
(function () {
  "use strict";
  var body = document.body;
  var presenter = document.querySelector(".presenter[data-state]");
  var projector = body.classList.contains("projector");
  if (!presenter && !projector) return;
  var stateUrl = presenter ? presenter.dataset.state : body.dataset.state;
  var etag = presenter ? presenter.dataset.etag : null;

  function typing(event) {
    var t = event.target;
    return event.ctrlKey || event.metaKey || event.altKey ||
      (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)));
  }

  var leaving = false;
  window.addEventListener("beforeunload", function () { leaving = true; });

  function submit(form) {
    if (!form) return;
    leaving = true;
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  function poll(every, changed) {
    if (!window.fetch) return;
    var busy = false;
    setInterval(function () {
      if (busy) return;
      busy = true;
      var headers = etag ? {"If-None-Match": '"' + etag + '"'} : {};
      fetch(stateUrl, {credentials: "same-origin", cache: "no-store", headers: headers})
        .then(function (r) {
          if (r.status !== 200) return null;
          var tag = (r.headers.get("ETag") || "").replace(/^W\//, "").replace(/"/g, "");
          return r.json().then(function (data) { etag = tag; if (!leaving) changed(data); });
        })
        .catch(function () {})
        .then(function () { busy = false; });
    }, every);
  }

  // --- presenter ---------------------------------------------------------------------------
  if (presenter) {
    // keys by name, and letters by their place on the keyboard (event.code), so N, P and B
    // also work with an Arabic or Russian keyboard layout
    var NEXT = ["ArrowRight", "PageDown", " ", "Spacebar", "KeyN", "Space"];
    var PREV = ["ArrowLeft", "PageUp", "KeyP"];
    document.addEventListener("keydown", function (event) {
      if (typing(event)) return;
      var form = null;
      if (NEXT.indexOf(event.key) >= 0 || NEXT.indexOf(event.code) >= 0) form = document.querySelector("form.go-next");
      else if (PREV.indexOf(event.key) >= 0 || PREV.indexOf(event.code) >= 0) form = document.querySelector("form.go-prev");
      else if (event.code === "KeyB" || event.key === ".") form = document.querySelector("form.blank-form");
      else return;
      event.preventDefault();  // Space would scroll, a focused button would click twice
      submit(form);
    });

    var clock = presenter.querySelector(".session-clock");
    var loaded = Date.now();
    var base = Number(clock.dataset.elapsedMs);
    var warnAt = Number(clock.dataset.warnS);
    var phases = clock.querySelectorAll(".clock-phase");
    var left = clock.querySelector(".clock-left");
    var total = Number(phases[phases.length - 1].dataset.ends);
    var mmss = function (s) { var m = Math.floor(s / 60), r = s % 60; return m + ":" + (r < 10 ? "0" : "") + r; };
    var tick = function () {
      var s = Math.floor((base + (clock.dataset.running === "1" ? Date.now() - loaded : 0)) / 1000);
      var current = phases[phases.length - 1];
      for (var i = 0; i < phases.length; i++) {
        if (s < Number(phases[i].dataset.ends)) { current = phases[i]; break; }
      }
      for (var j = 0; j < phases.length; j++) phases[j].hidden = phases[j] !== current;
      var remaining = Math.max(0, Number(current.dataset.ends) - s);
      var over = s >= total;
      clock.querySelector(".clock-time").textContent = mmss(s);
      left.textContent = left.dataset.template.replace("{t}", mmss(remaining));
      clock.querySelector(".clock-warning").hidden = over || remaining > warnAt;
      clock.querySelector(".clock-over").hidden = !over;
      clock.classList.toggle("warn", over || remaining <= warnAt);
    };
    if (clock.dataset.running === "1") setInterval(tick, 1000);
    // another device (a second laptop, the projector's B key) changed something: show it
    poll(2000, function () { window.location.reload(); });
    return;
  }

  // --- projector ---------------------------------------------------------------------------
  var screen = document.getElementById("screen");
  var blackout = document.querySelector(".blackout");
  var full = document.querySelector(".fullscreen");

  function fit() {
    screen.style.fontSize = "";
    var size = parseFloat(getComputedStyle(screen).fontSize);
    var root = document.documentElement;
    while (root.scrollHeight > window.innerHeight && size > 14) {
      size -= 1;
      screen.style.fontSize = size + "px";
    }
  }

  function showBlank(blank) {
    body.dataset.blank = blank ? "1" : "0";
    blackout.hidden = !blank;
    document.querySelectorAll("form.blank-form").forEach(function (f) {
      f.hidden = (f.dataset.blank === "1") === blank;
    });
  }

  function showSlide(number) {
    // fetch the projector page anew and swap the slide in: a reload would leave full screen
    return fetch(window.location.href, {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("screen");
        if (!fresh) return;
        screen.innerHTML = fresh.innerHTML;
        document.title = page.title;
        body.dataset.slide = page.body.dataset.slide || String(number);
        fit();
      });
  }

  function blankToggle(form) {
    // post without leaving the page (full screen stays on)
    showBlank(form.dataset.blank === "1");
    fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin"})
      .catch(function () {});
  }

  document.querySelectorAll("form.blank-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.fetch) return;
      event.preventDefault();
      blankToggle(form);
    });
  });

  function toggleFull() {
    if (!document.fullscreenEnabled) return;
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(function () {});
  }
  if (document.fullscreenEnabled) {
    full.hidden = false;
    full.addEventListener("click", toggleFull);
  }

  document.addEventListener("keydown", function (event) {
    if (typing(event)) return;
    if (event.code === "KeyB" || event.key === ".") {
      event.preventDefault();
      var visible = document.querySelector("form.blank-form:not([hidden])");
      if (visible) blankToggle(visible);
    } else if (event.code === "KeyF") {
      event.preventDefault();
      toggleFull();
    }
  });

  window.addEventListener("resize", fit);
  document.addEventListener("fullscreenchange", fit);
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(fit);
  fit();

  poll(500, function (data) {
    if ((data.blank ? "1" : "0") !== body.dataset.blank) showBlank(data.blank);
    if (String(data.slide) !== body.dataset.slide) showSlide(data.slide).catch(function () {});
  });
})();
