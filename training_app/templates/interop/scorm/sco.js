/* SGTM 1 as a SCORM 1.2 SCO: slides, case studies and the true/false quiz in one page.
   Talks to the learning system's API when it finds one, and works on its own when not. */
(function () {
  "use strict";

  /* ---- the draw rule, as the app draws (training_app/content/draw.py) ----------------
     `count` statements, every criterion at least twice, 40% to 60% true (6 to 9 of 15),
     every topic where the count allows, and as few of `avoid` (the last attempt's ids) as
     the bank allows. `random` gives numbers in [0, 1). */
  var drawRule = (function () {
    function trueBounds(count) {
      var low = Math.ceil(count * 0.4 - 1e-9);
      var high = Math.floor(count * 0.6 + 1e-9);
      return [low, Math.max(low, high)];
    }

    function perCriterion(count, criteria) {
      return criteria.length ? Math.min(2, Math.floor(count / criteria.length)) : 0;
    }

    function shuffled(list, random) {
      var out = list.slice();
      for (var i = out.length - 1; i > 0; i -= 1) {
        var j = Math.floor(random() * (i + 1));
        var keep = out[i]; out[i] = out[j]; out[j] = keep;
      }
      return out;
    }

    function problems(picked, criteria, count) {
      var bounds = trueBounds(count);
      var need = perCriterion(count, criteria);
      var trues = picked.filter(function (s) { return s.answer; }).length;
      var found = 0;
      if (picked.length !== count) { found += 1; }
      if (trues < bounds[0] || trues > bounds[1]) { found += 1; }
      criteria.forEach(function (c) {
        if (picked.filter(function (s) { return s.criterion === c; }).length < need) { found += 1; }
      });
      return found;
    }

    function topicsMissing(picked, topics) {
      return topics.filter(function (t) {
        return !picked.some(function (s) { return s.topic === t; });
      }).length;
    }

    // one greedy pass: criteria first, then topics, then the rest; fresh statements before
    // avoided ones; never a choice that leaves the rule impossible to meet
    function construct(statements, criteria, topics, count, avoid, random, bounds) {
      var keyed = statements.map(function (s) { return [avoid[s.id] ? 1 : 0, random(), s]; });
      keyed.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
      var order = keyed.map(function (k) { return k[2]; });
      var need = perCriterion(count, criteria);
      var low = bounds[0];
      var high = bounds[1];
      var chosen = [];
      var taken = {};
      var per = {};
      var remaining = {};
      var trues = 0;
      var leftTrue = 0;
      var leftFalse = 0;
      criteria.forEach(function (c) { per[c] = 0; });
      order.forEach(function (s) {
        var key = s.criterion + "|" + s.answer;
        remaining[key] = (remaining[key] || 0) + 1;
        if (s.answer) { leftTrue += 1; } else { leftFalse += 1; }
      });

      function fits(s) {
        if (taken[s.id] || chosen.length >= count) { return false; }
        var t = trues + (s.answer ? 1 : 0);
        var f = chosen.length + 1 - t;
        if (t > high || f > count - low) { return false; }
        var slots = count - chosen.length - 1;
        var spareTrue = leftTrue - (s.answer ? 1 : 0);
        var spareFalse = leftFalse - (s.answer ? 0 : 1);
        if (low - t > Math.min(slots, spareTrue) ||
            (count - high) - f > Math.min(slots, spareFalse)) { return false; }
        var short = 0;
        var forcedTrue = 0;
        var forcedFalse = 0;
        for (var i = 0; i < criteria.length; i += 1) {
          var c = criteria[i];
          var mine = s.criterion === c;
          var k = Math.max(0, need - (per[c] || 0) - (mine ? 1 : 0));
          var availTrue = (remaining[c + "|true"] || 0) - (mine && s.answer ? 1 : 0);
          var availFalse = (remaining[c + "|false"] || 0) - (mine && !s.answer ? 1 : 0);
          if (k > availTrue + availFalse) { return false; }
          short += k;
          forcedTrue += Math.max(0, k - availFalse);
          forcedFalse += Math.max(0, k - availTrue);
        }
        return short <= slots && forcedTrue <= high - t && forcedFalse <= count - low - f;
      }

      function take(s) {
        chosen.push(s);
        taken[s.id] = true;
        per[s.criterion] = (per[s.criterion] || 0) + 1;
        remaining[s.criterion + "|" + s.answer] -= 1;
        if (s.answer) { trues += 1; leftTrue -= 1; } else { leftFalse -= 1; }
      }

      function drawn(topic) { return chosen.some(function (s) { return s.topic === topic; }); }

      shuffled(criteria, random).forEach(function (c) {
        // first a fresh statement of a topic not drawn yet, so that the topics spread too
        [true, false].forEach(function (spread) {
          order.forEach(function (s) {
            if ((per[c] || 0) >= need || s.criterion !== c) { return; }
            if (spread && (avoid[s.id] || drawn(s.topic))) { return; }
            if (fits(s)) { take(s); }
          });
        });
      });
      shuffled(topics, random).forEach(function (topic) {
        if (drawn(topic)) { return; }
        for (var i = 0; i < order.length; i += 1) {  // fresh only: a topic never costs a repeat
          if (order[i].topic === topic && !avoid[order[i].id] && fits(order[i])) {
            take(order[i]);
            return;
          }
        }
      });
      order.forEach(function (s) { if (chosen.length < count && fits(s)) { take(s); } });
      return repairTopics(chosen, statements, topics, avoid, need, bounds, random);
    }

    // bring in a topic the greedy pass missed: swap it for a statement whose topic is drawn
    // twice, keeping the balance and each criterion's minimum, never a repeat for a fresh one
    function repairTopics(chosen, statements, topics, avoid, need, bounds, random) {
      chosen = chosen.slice();
      topics.forEach(function (topic) {
        var topicCount = {};
        var per = {};
        var trues = 0;
        chosen.forEach(function (s) {
          topicCount[s.topic] = (topicCount[s.topic] || 0) + 1;
          per[s.criterion] = (per[s.criterion] || 0) + 1;
          if (s.answer) { trues += 1; }
        });
        if (topicCount[topic]) { return; }
        var taken = {};
        chosen.forEach(function (s) { taken[s.id] = true; });
        var candidates = shuffled(statements.filter(function (s) {
          return s.topic === topic && !taken[s.id];
        }), random).sort(function (a, b) { return (avoid[a.id] ? 1 : 0) - (avoid[b.id] ? 1 : 0); });
        for (var n = 0; n < candidates.length; n += 1) {
          var fresh = candidates[n];
          for (var i = 0; i < chosen.length; i += 1) {
            var old = chosen[i];
            var after = trues - (old.answer ? 1 : 0) + (fresh.answer ? 1 : 0);
            if (after < bounds[0] || after > bounds[1] || topicCount[old.topic] < 2 ||
                (old.criterion !== fresh.criterion && per[old.criterion] <= need) ||
                (avoid[fresh.id] && !avoid[old.id])) { continue; }
            chosen[i] = fresh;
            return;
          }
        }
      });
      return chosen;
    }

    function draw(statements, criteria, topics, count, avoidIds, random) {
      var avoid = {};
      (avoidIds || []).forEach(function (id) { avoid[id] = true; });
      var best = null;
      var bestCost = null;
      for (var attempt = 0; attempt < 8; attempt += 1) {
        var picked = construct(statements, criteria, topics, count, avoid, random,
                               trueBounds(count));
        var cost = [problems(picked, criteria, count),
                    picked.filter(function (s) { return avoid[s.id]; }).length,
                    topicsMissing(picked, topics)];
        if (!bestCost || cost[0] < bestCost[0] || (cost[0] === bestCost[0] &&
            (cost[1] < bestCost[1] || (cost[1] === bestCost[1] && cost[2] < bestCost[2])))) {
          best = picked;
          bestCost = cost;
        }
        if (cost[0] === 0 && cost[1] === 0 && cost[2] === 0) { break; }
      }
      if (bestCost[0]) {  // the bank cannot balance true and false: keep the criteria
        var relaxed = construct(statements, criteria, topics, count, avoid, random, [0, count]);
        if (relaxed.length > best.length) { best = relaxed; }
      }
      if (best.length < count) {  // still short: top up, fresh statements first
        var have = {};
        best.forEach(function (s) { have[s.id] = true; });
        var rest = statements.filter(function (s) { return !have[s.id]; });
        rest = shuffled(rest, random).sort(function (a, b) {
          return (avoid[a.id] ? 1 : 0) - (avoid[b.id] ? 1 : 0);
        });
        best = best.concat(rest.slice(0, count - best.length));
      }
      return shuffled(best, random);
    }

    return { draw: draw, trueBounds: trueBounds };
  }());

  // outside a browser (the tests run the draw in Node), only the draw rule is wanted
  if (typeof module === "object" && module.exports) { module.exports = drawRule; }
  if (typeof document === "undefined") { return; }

  var data = JSON.parse(document.getElementById("sco-data").textContent);
  var words = data.strings;

  function byId(id) { return document.getElementById(id); }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  /* ---- SCORM 1.2 run-time ------------------------------------------------------------ */

  var lms = { api: null, connected: false, finished: false, started: Date.now(),
              status: "", best: NaN, errors: [] };

  function apiOf(win) {
    try { return win.API || null; } catch (e) { return null; }  // another origin: not ours
  }

  function parentOf(win) {
    try { return win.parent && win.parent !== win ? win.parent : null; } catch (e) { return null; }
  }

  // The ADL search: up the chain of parents (giving up after 500 steps), then the opener's.
  function findAPI(win) {
    var tries = 0;
    while (win && !apiOf(win)) {
      tries += 1;
      if (tries > 500) { return null; }
      win = parentOf(win);
    }
    return win ? apiOf(win) : null;
  }

  function getAPI() {
    var api = findAPI(window);
    if (!api) {
      var opener = null;
      try { opener = window.opener; } catch (e) { opener = null; }
      if (opener) { api = findAPI(opener); }
    }
    return api;
  }

  // Every call is followed by LMSGetLastError; a refusal is kept, and shown unless `quiet`.
  function call(method, args, quiet) {
    if (!lms.api) { return ""; }
    var result;
    try { result = String(lms.api[method].apply(lms.api, args)); } catch (e) { result = "false"; }
    var code;
    try { code = String(lms.api.LMSGetLastError()); } catch (e) { code = "101"; }
    if (code !== "0" && code !== "") {
      var message = "";
      try { message = String(lms.api.LMSGetErrorString(code)); } catch (e) { message = ""; }
      lms.errors.push({ method: method, args: args, code: code, message: message });
      if (!quiet) {
        var problem = byId("lms-problem");
        problem.textContent = format(words.lmsError, { code: code });
        problem.hidden = false;
      }
    }
    return result;
  }

  function getValue(name) { return call("LMSGetValue", [name], true); }
  function setValue(name, value) { return call("LMSSetValue", [name, String(value)]); }
  function commit() { return call("LMSCommit", [""]); }

  function connect() {
    lms.api = getAPI();
    if (!lms.api) { return false; }
    if (call("LMSInitialize", [""], true) !== "true") { lms.api = null; return false; }
    lms.connected = true;
    lms.finished = false;
    lms.started = Date.now();
    lms.status = getValue("cmi.core.lesson_status");
    if (lms.status === "" || lms.status === "not attempted") {
      setValue("cmi.core.lesson_status", "incomplete");
      lms.status = "incomplete";
      commit();
    }
    lms.best = parseFloat(getValue("cmi.core.score.raw"));
    return true;
  }

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function sessionTime(ms) {  // CMITimespan: HHHH:MM:SS
    var s = Math.floor(ms / 1000);
    return pad(Math.min(9999, Math.floor(s / 3600))) + ":" + pad(Math.floor(s % 3600 / 60)) +
      ":" + pad(s % 60);
  }

  function finish() {
    if (!lms.connected || lms.finished) { return; }
    saveProgress(false);
    // "suspend" asks the learning system to keep suspend_data for the next launch
    setValue("cmi.core.exit", lms.status === "passed" ? "" : "suspend");
    setValue("cmi.core.session_time", sessionTime(Date.now() - lms.started));
    commit();
    lms.finished = true;
    call("LMSFinish", [""], true);
  }

  /* ---- progress kept in cmi.suspend_data ------------------------------------------- */

  var state = { view: "slides", slide: 1, caseNumber: 1, seen: {}, revealed: {} };

  function bits(flags, count) {
    var out = "";
    for (var i = 1; i <= count; i += 1) { out += flags[i] ? "1" : "0"; }
    return out;
  }

  function unbits(text, count) {
    var flags = {};
    for (var i = 1; i <= count; i += 1) { if (String(text || "").charAt(i - 1) === "1") { flags[i] = true; } }
    return flags;
  }

  function clamp(n, low, high) {
    n = parseInt(n, 10);
    return isNaN(n) ? low : Math.max(low, Math.min(high, n));
  }

  function encode() {
    return JSON.stringify({ v: 1, view: state.view, slide: state.slide, "case": state.caseNumber,
                            seen: bits(state.seen, data.slides),
                            revealed: bits(state.revealed, data.cases) });
  }

  function restore(raw) {
    var saved;
    try { saved = JSON.parse(raw); } catch (e) { return; }
    if (!saved || saved.v !== 1) { return; }
    if (saved.view === "slides" || saved.view === "cases" || saved.view === "quiz") {
      state.view = saved.view;
    }
    state.slide = clamp(saved.slide, 1, data.slides);
    state.caseNumber = clamp(saved["case"], 1, data.cases);
    state.seen = unbits(saved.seen, data.slides);
    state.revealed = unbits(saved.revealed, data.cases);
  }

  function saveProgress(andCommit) {
    if (!lms.connected || lms.finished) { return; }
    setValue("cmi.suspend_data", encode());
    setValue("cmi.core.lesson_location", String(state.slide));
    if (andCommit) { commit(); }
  }

  /* ---- views: slides, case studies, quiz ------------------------------------------- */

  var panels = { slides: byId("slides"), cases: byId("cases"), quiz: byId("quiz") };
  var slides = Array.prototype.slice.call(document.querySelectorAll("[data-slide]"));
  var cases = Array.prototype.slice.call(document.querySelectorAll("[data-case]"));

  function focusHeading(container) {
    var heading = container.querySelector("h2, h3");
    if (heading) { heading.focus(); }
  }

  function showView(name, focus) {
    state.view = name;
    Object.keys(panels).forEach(function (key) { panels[key].hidden = key !== name; });
    document.querySelectorAll("#views [data-view]").forEach(function (button) {
      if (button.getAttribute("data-view") === name) {
        button.setAttribute("aria-current", "true");
      } else {
        button.removeAttribute("aria-current");
      }
    });
    if (name === "slides") { showSlide(state.slide, focus); return; }
    if (name === "cases") { showCase(state.caseNumber, focus); return; }
    if (!quiz.items) { newAttempt(); }
    if (focus) { byId("quiz-title").focus(); }
    saveProgress(true);
  }

  /* Show item `number` of a paged list (slides or case studies) and set its pager:
     ids.prev / ids.next / ids.onward (the button to the next part) / ids.count. */
  function showPage(items, attribute, number, ids, focus) {
    items.forEach(function (article) {
      article.hidden = Number(article.getAttribute(attribute)) !== number;
    });
    byId(ids.prev).disabled = number === 1;
    byId(ids.next).hidden = number === items.length;
    byId(ids.onward).hidden = number !== items.length;
    byId(ids.count).textContent = number + " / " + items.length;
    if (focus) { focusHeading(items[number - 1]); }
    saveProgress(true);
  }

  function showSlide(number, focus) {
    state.slide = clamp(number, 1, slides.length);
    state.seen[state.slide] = true;
    showPage(slides, "data-slide", state.slide,
             {prev: "prev-slide", next: "next-slide", onward: "to-cases", count: "slide-count"},
             focus);
  }

  function showCase(number, focus) {
    state.caseNumber = clamp(number, 1, cases.length);
    showPage(cases, "data-case", state.caseNumber,
             {prev: "prev-case", next: "next-case", onward: "to-quiz", count: "case-count"},
             focus);
  }

  function showGuidance(number, focus) {
    state.revealed[number] = true;
    var guidance = byId("guidance-" + number);
    guidance.hidden = false;
    document.querySelector('[data-reveal="' + number + '"]').hidden = true;
    if (focus) { focusHeading(guidance); }
  }

  function reveal(number) {
    var answer = byId("answer-" + number);
    var error = byId("answer-" + number + "-error");
    if (!answer.value.trim()) {
      error.hidden = false;
      answer.setAttribute("aria-invalid", "true");
      answer.setAttribute("aria-describedby", "answer-" + number + "-hint answer-" + number + "-error");
      answer.focus();
      return;
    }
    error.hidden = true;
    answer.removeAttribute("aria-invalid");
    answer.setAttribute("aria-describedby", "answer-" + number + "-hint");
    showGuidance(number, true);
    saveProgress(true);
  }

  /* ---- the quiz: the app's draw, grading and review ---------------------------------- */

  var quiz = { items: null };

  function randomBelow(n) {
    if (window.crypto && window.crypto.getRandomValues) {
      var buffer = new Uint32Array(1);
      var limit = Math.floor(4294967296 / n) * n;  // no modulo bias
      do { window.crypto.getRandomValues(buffer); } while (buffer[0] >= limit);
      return buffer[0] % n;
    }
    return Math.floor(Math.random() * n);
  }

  function shuffle(list) {
    for (var i = list.length - 1; i > 0; i -= 1) {
      var j = randomBelow(i + 1);
      var keep = list[i]; list[i] = list[j]; list[j] = keep;
    }
    return list;
  }

  function randomUnit() {
    if (window.crypto && window.crypto.getRandomValues) {
      var buffer = new Uint32Array(1);
      window.crypto.getRandomValues(buffer);
      return buffer[0] / 4294967296;
    }
    return Math.random();
  }

  // As the app draws (see drawRule); a retake avoids the statements of the last attempt.
  function drawStatements(count, avoid) {
    return drawRule.draw(data.statements, data.criteria || [], data.topics, count, avoid,
                         randomUnit);
  }

  // With the mission's Focal Point known, one statement names the Focal Point or, half of
  // the time, the Alternate as if they were the Focal Point.
  function missionStatement() {
    if (!data.mission.length) { return []; }
    var pick = data.mission.length > 1 && randomBelow(2) === 1 ? 1 : 0;
    return [data.mission[pick]];
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function newAttempt() {
    var extra = missionStatement();
    var last = (quiz.items || []).map(function (item) { return item.id; });
    quiz.items = shuffle(drawStatements(data.draw - extra.length, last).concat(extra));
    var list = byId("quiz-statements");
    list.textContent = "";
    quiz.items.forEach(function (item, index) {
      var li = element("li");
      var fieldset = element("fieldset", { "class": "statement", "data-statement": item.id });
      fieldset.appendChild(element("legend", {}, item.text));
      fieldset.appendChild(element("p", { "class": "error", id: "m-" + index, hidden: "" }, words.choose));
      [["true", words["true"]], ["false", words["false"]]].forEach(function (choice) {
        var label = element("label");
        label.appendChild(element("input", { type: "radio", name: "s-" + index, value: choice[0] }));
        label.appendChild(document.createTextNode(" " + choice[1]));
        fieldset.appendChild(label);
      });
      li.appendChild(fieldset);
      list.appendChild(li);
    });
    byId("quiz-missing").hidden = true;
    byId("quiz-form").hidden = false;
    byId("quiz-result").hidden = true;
  }

  function passes(correct, total) {
    // in integers, as the app grades, so 12 of 15 against 0.8 is not lost to floating point
    return total > 0 && correct * 1000 >= Math.round(data.passMark * 1000) * total;
  }

  function submitQuiz(event) {
    event.preventDefault();
    var answers = [];
    var firstMissing = null;
    quiz.items.forEach(function (item, index) {
      var checked = document.querySelector('input[name="s-' + index + '"]:checked');
      var fieldset = document.querySelector('[data-statement="' + item.id + '"]');
      var message = byId("m-" + index);
      if (checked) {
        answers.push(checked.value === "true");
        message.hidden = true;
        fieldset.classList.remove("has-error");
        fieldset.removeAttribute("aria-describedby");
      } else {
        answers.push(null);
        message.hidden = false;
        fieldset.classList.add("has-error");
        fieldset.setAttribute("aria-describedby", "m-" + index);
        if (!firstMissing) { firstMissing = fieldset.querySelector("input"); }
      }
    });
    if (firstMissing) {
      byId("quiz-missing").hidden = false;
      firstMissing.focus();
      return;
    }
    byId("quiz-missing").hidden = true;
    var wrong = quiz.items.filter(function (item, index) { return answers[index] !== item.answer; });
    var total = quiz.items.length;
    var correct = total - wrong.length;
    var percent = Math.round(100 * correct / total);
    var passed = passes(correct, total);
    showResult(correct, total, percent, passed, wrong);
    report(percent, passed);
  }

  function showResult(correct, total, percent, passed, wrong) {
    var score = byId("quiz-score");
    score.textContent = format(words.score, { correct: correct, total: total, percent: percent });
    score.className = "score " + (passed ? "pass" : "fail");
    byId("quiz-passed").hidden = !passed;
    byId("quiz-failed").hidden = passed;
    var heading = byId("review-heading");
    heading.hidden = wrong.length === 0;
    heading.textContent = wrong.length ? format(words.review[String(wrong.length)], {}) : "";
    var review = byId("quiz-review");
    review.textContent = "";
    wrong.forEach(function (item) {
      var li = element("li", { "data-statement": item.id });
      li.appendChild(element("p", { "class": "statement" }, item.text));
      var why = element("p");
      why.appendChild(element("strong", {}, item.answer ? words.isTrue : words.isFalse));
      why.appendChild(document.createTextNode(" " + item.explanation));
      li.appendChild(why);
      var back = element("p");
      back.appendChild(element("a", { href: "#slide-" + item.slide, "data-goto-slide": String(item.slide) },
                               item.review));
      li.appendChild(back);
      review.appendChild(li);
    });
    byId("quiz-form").hidden = true;
    byId("quiz-result").hidden = false;
    byId("result-title").focus();
  }

  // The best attempt counts, as in the app: a weaker try never lowers a recorded pass.
  function report(percent, passed) {
    if (!lms.connected || lms.finished) { return; }
    var best = isNaN(lms.best) ? percent : Math.max(lms.best, percent);
    var status = passed || lms.status === "passed" ? "passed" : "failed";
    setValue("cmi.core.score.min", "0");
    setValue("cmi.core.score.max", "100");
    setValue("cmi.core.score.raw", String(best));
    setValue("cmi.core.lesson_status", status);
    commit();
    lms.best = best;
    lms.status = status;
  }

  /* ---- wiring --------------------------------------------------------------------- */

  function announce(connected) {
    var notice = byId("lms-status");
    notice.textContent = connected ? words.connected : words.standalone;
    notice.classList.toggle("warn", !connected);
    notice.hidden = false;
  }

  function start() {
    var connected = connect();
    if (connected) { restore(getValue("cmi.suspend_data")); }
    announce(connected);
    byId("views").hidden = false;
    byId("slide-pager").hidden = false;
    byId("case-pager").hidden = false;
    document.querySelectorAll("[data-reveal]").forEach(function (button) {
      var number = Number(button.getAttribute("data-reveal"));
      button.hidden = false;
      button.addEventListener("click", function () { reveal(number); });
      if (state.revealed[number]) { showGuidance(number, false); }
    });
    document.addEventListener("click", function (event) {
      var target = event.target.closest ? event.target.closest("[data-view], [data-goto-slide]") : null;
      if (!target) { return; }
      event.preventDefault();
      if (target.hasAttribute("data-goto-slide")) {
        state.slide = clamp(target.getAttribute("data-goto-slide"), 1, slides.length);
        showView("slides", true);
      } else {
        showView(target.getAttribute("data-view"), true);
      }
    });
    byId("prev-slide").addEventListener("click", function () { showSlide(state.slide - 1, true); });
    byId("next-slide").addEventListener("click", function () { showSlide(state.slide + 1, true); });
    byId("prev-case").addEventListener("click", function () { showCase(state.caseNumber - 1, true); });
    byId("next-case").addEventListener("click", function () { showCase(state.caseNumber + 1, true); });
    byId("quiz-form").addEventListener("submit", submitQuiz);
    byId("quiz-again").addEventListener("click", function () {
      newAttempt();
      byId("quiz-title").focus();
    });
    showView(state.view, false);
    window.addEventListener("pagehide", finish);
    window.addEventListener("beforeunload", finish);
    window.addEventListener("pageshow", function (event) {
      // back from the browser's page cache after LMSFinish: a new session, if the system
      // allows one; otherwise say plainly that nothing more is recorded
      if (event.persisted && lms.finished) {
        lms.connected = false;
        announce(connect());
      }
    });
  }

  // for a host page or a test that wants to know what the learning system refused
  window.scoErrors = lms.errors;

  start();
}());
