/* The what-if page of managers: pick a day profile and a staffing, simulate it through
 * /api/v1/sites/<id>/whatif/jobs (a job on the server, followed until done), and ask for the
 * fewest counters that keep the service level.
 * Vietnamese first, English second. */
(function () {
  "use strict";
  var boot = JSON.parse(document.getElementById("boot").textContent);
  var app = document.getElementById("app");
  var $ = function (id) { return document.getElementById(id); };
  var profiles = [];
  var current = null;  // the profile chosen
  var lastSuggestion = null;

  function api(method, path, body) {
    return fetch(path, {
      method: method,
      credentials: "same-origin",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) { var e = new Error(data.message || ("HTTP " + r.status)); e.data = data; throw e; }
        return data;
      });
    });
  }

  function pct(x) { return Math.round(x * 100) + "%"; }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function status(vi, en) { $("status").textContent = vi + (en ? " · " + en : ""); }

  // ------------------------------------------------------------------ login
  if (boot.state === "login") {
    $("login-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      api("POST", "/api/v1/auth/login", { username: $("username").value, password: $("password").value })
        .then(function () { window.location.reload(); })
        .catch(function (e) {
          var d = e.data || {};
          $("login-error").textContent = (d.message || e.message) + (d.message_en ? " · " + d.message_en : "");
        });
    });
    return;
  }
  if (boot.state !== "ready") return;
  $("user").textContent = boot.user || "";

  // ------------------------------------------------------------------ setup
  boot.sites.forEach(function (s) {
    var o = el("option", s.name_vi); o.value = s.id; $("site").appendChild(o);
  });

  function siteId() { return $("site").value; }

  function loadProfiles() {
    status("Đang tải hồ sơ ngày…", "Loading day profiles…");
    return api("GET", "/api/v1/sites/" + siteId() + "/whatif/profiles").then(function (list) {
      profiles = list;
      var sel = $("profile");
      sel.innerHTML = "";
      list.forEach(function (p) {
        var o = el("option", p.title_vi + " · " + p.title_en); o.value = p.id; sel.appendChild(o);
      });
      chooseProfile();
      status("", "");
      app.setAttribute("data-profiles", "loaded");
    }).catch(function (e) { status(e.message, ""); });
  }

  function chooseProfile() {
    var id = $("profile").value;
    current = profiles.filter(function (p) { return p.id === id; })[0] || null;
    drawGrid($("grid"), current, current ? current.staffing : {}, true);
    $("result").hidden = true;
    $("suggestion").hidden = true;
  }

  function drawGrid(table, profile, staffing, editable, compare) {
    table.innerHTML = "";
    if (!profile) return;
    var head = el("tr");
    head.appendChild(el("th", "Dịch vụ · Service"));
    profile.hours.forEach(function (h) { head.appendChild(el("th", h + "h")); });
    table.appendChild(head);
    profile.services.forEach(function (s) {
      var tr = el("tr");
      var th = el("th", s.name_vi);
      th.title = s.name_en + " (" + s.code + "), mục tiêu · target " + s.target_wait_minutes + "'";
      tr.appendChild(th);
      profile.hours.forEach(function (h) {
        var n = (staffing[s.code] || {})[h] || 0;
        var td = el("td");
        if (editable) {
          var input = document.createElement("input");
          input.type = "number"; input.min = "0"; input.max = "30"; input.value = n;
          input.setAttribute("data-service", s.code); input.setAttribute("data-hour", h);
          input.setAttribute("aria-label", s.name_vi + " " + h + "h");
          td.appendChild(input);
        } else {
          td.textContent = n;
          if (compare && ((compare[s.code] || {})[h] || 0) !== n) td.className = "changed";
        }
        tr.appendChild(td);
      });
      table.appendChild(tr);
    });
  }

  function readGrid() {
    var staffing = {};
    Array.prototype.forEach.call($("grid").querySelectorAll("input"), function (input) {
      var code = input.getAttribute("data-service");
      var n = Math.max(0, Math.min(30, parseInt(input.value, 10) || 0));
      staffing[code] = staffing[code] || {};
      if (n) staffing[code][input.getAttribute("data-hour")] = n;
    });
    return staffing;
  }

  // The grid as the API takes it: [{service, hour, counters}].
  function gridCells() {
    return Array.prototype.map.call($("grid").querySelectorAll("input"), function (input) {
      return {
        service: input.getAttribute("data-service"),
        hour: parseInt(input.getAttribute("data-hour"), 10),
        counters: Math.max(0, Math.min(30, parseInt(input.value, 10) || 0))
      };
    });
  }

  function drawHours(table, outcome, level) {
    table.innerHTML = "";
    var head = el("tr");
    ["Giờ · Hour", "Số quầy · Counters", "Lượt · Tickets", "Chờ TB · Mean wait", "Chờ lâu nhất · Longest", "Mức phục vụ · Service level"]
      .forEach(function (t) { head.appendChild(el("th", t)); });
    table.appendChild(head);
    outcome.hours.forEach(function (h) {
      var tr = el("tr");
      tr.appendChild(el("th", h.hour + "h"));
      tr.appendChild(el("td", h.counters));
      tr.appendChild(el("td", h.tickets));
      tr.appendChild(el("td", h.tickets ? h.mean_wait_minutes.toFixed(1) + "'" : "–"));
      tr.appendChild(el("td", h.tickets ? h.longest_wait_minutes.toFixed(0) + "'" : "–"));
      var td = el("td", h.tickets ? pct(h.service_level) : "–");
      if (h.tickets) td.className = h.service_level >= level ? "ok" : "short";
      td.setAttribute("data-hour", h.hour);
      tr.appendChild(td);
      table.appendChild(tr);
    });
  }

  function summary(outcome) {
    var o = outcome.overall;
    return o.tickets + " lượt được gọi, chờ trung bình " + o.mean_wait_minutes.toFixed(1) + " phút, mức phục vụ " + pct(o.service_level) +
      (outcome.never_called ? ", " + outcome.never_called + " lượt không kịp gọi" : "") +
      " · " + o.tickets + " called, mean wait " + o.mean_wait_minutes.toFixed(1) + " min, service level " + pct(o.service_level) +
      (outcome.never_called ? ", " + outcome.never_called + " never called" : "");
  }

  function run(withSuggestion) {
    if (!current) return;
    var level = parseFloat($("level").value);
    $("run").disabled = $("suggest").disabled = true;
    status(withSuggestion ? "Đang mô phỏng và tìm số quầy ít nhất…" : "Đang mô phỏng…",
           withSuggestion ? "Simulating and searching for the fewest counters…" : "Simulating…");
    app.setAttribute("data-busy", "1");
    app.removeAttribute("data-job");
    var bar = $("progress");
    bar.value = 0;
    bar.hidden = false;
    api("POST", "/api/v1/sites/" + siteId() + "/whatif/jobs", {
      profile: current.id, staffing: gridCells(), service_level: level, suggest: withSuggestion
    }).then(function (job) {
      return follow(job, withSuggestion);
    }).then(function (job) {
      show(job.result, level, withSuggestion);
      status("Xong.", "Done.");
      app.setAttribute("data-result", withSuggestion ? "suggested" : "simulated");
    }).catch(function (e) {
      var d = e.data || {};
      status(d.message || e.message, d.message_en || "");
    }).then(function () {
      $("run").disabled = $("suggest").disabled = false;
      bar.hidden = true;
      app.removeAttribute("data-busy");
    });
  }

  // The simulation runs as a job on the server (a suggestion takes up to tens of seconds):
  // ask for it every second, showing its place in line or the simulated days done.
  function follow(job, withSuggestion) {
    app.setAttribute("data-job", job.status);
    if (job.status === "done") return Promise.resolve(job);
    if (job.status === "failed") {
      var e = new Error(job.message_en || "failed");
      e.data = job;
      return Promise.reject(e);
    }
    var bar = $("progress");
    if (job.status === "queued") {
      status("Đang chờ đến lượt: máy chủ đang chạy mô phỏng khác…",
             "Waiting for its turn: the server is running another simulation…");
    } else {
      bar.max = job.days_most;
      bar.value = job.days_done;
      status((withSuggestion ? "Đang mô phỏng và tìm số quầy ít nhất: " : "Đang mô phỏng: ") +
             job.days_done + " ngày mô phỏng xong…",
             (withSuggestion ? "Simulating and searching for the fewest counters: " : "Simulating: ") +
             job.days_done + " simulated days done…");
    }
    return new Promise(function (resolve) { setTimeout(resolve, 1000); }).then(function () {
      return api("GET", "/api/v1/sites/" + siteId() + "/whatif/jobs/" + job.id);
    }).then(function (next) { return follow(next, withSuggestion); });
  }

  function show(answer, level, withSuggestion) {
    $("result").hidden = false;
    $("summary").textContent = summary(answer.plan);
    drawHours($("hours"), answer.plan, level);
    if (answer.suggestion) {
      lastSuggestion = answer.suggestion;
      $("suggestion").hidden = false;
      var s = answer.suggestion;
      var total = s.hours.reduce(function (a, h) { return a + h.counters; }, 0);
      $("suggestion-summary").textContent = (s.met ? "Đạt mức " + pct(level) + " ở mọi dịch vụ và mọi giờ (đã kiểm tra bằng mô phỏng). " : "Chưa đạt mức ở mọi giờ sau " + s.rounds + " lần mô phỏng. ") +
        "Tổng " + total + " quầy-giờ. · " + (s.met ? "Meets " + pct(level) + " for every service and hour (checked by simulation). " : "Short in some hours after " + s.rounds + " simulated days. ") +
        total + " counter-hours. " + summary(s);
      drawGrid($("suggested"), current, s.staffing, false, readGrid());
      drawHours($("suggested-hours"), s, level);
    }
  }

  $("site").addEventListener("change", loadProfiles);
  $("profile").addEventListener("change", chooseProfile);
  $("run").addEventListener("click", function () { run(false); });
  $("suggest").addEventListener("click", function () { run(true); });
  $("apply").addEventListener("click", function () {
    if (!lastSuggestion) return;
    drawGrid($("grid"), current, lastSuggestion.staffing, true);
    run(false);
  });
  loadProfiles();
})();
