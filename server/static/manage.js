/* hangdoi: the managers' live dashboard. Connected over Socket.IO with the browser session;
 * every event of the site (a ticket issued, called, finished, a counter opened...) refetches
 * today's figures from /api/v1/reports/live, at most once per 300 ms. No polling: between
 * events only the clock moves the "longest wait" and "serving for" durations. */
(function () {
  "use strict";
  var boot = Hangdoi.boot();
  var el = Hangdoi.el;
  var data = null;
  var fetchedAt = 0;
  var chart = null;
  var connection = null;
  var pending = null;

  function minutes(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    var m = Math.floor(seconds / 60), s = Math.floor(seconds % 60);
    return m + ":" + (s < 10 ? "0" : "") + s;
  }
  function percent(share) {
    return share === null || share === undefined ? "–" : (share * 100).toFixed(1) + "%";
  }
  function cell(row, text, cls) {
    var td = document.createElement("td");
    td.textContent = Hangdoi.nfc(text);
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }
  var STATES = { open: "Đang mở", paused: "Tạm dừng", closed: "Đã đóng" };

  function render() {
    if (!data) return;
    var elapsed = (Date.now() - fetchedAt) / 1000;
    el("site-name").textContent = Hangdoi.nfc(data.site.name_vi) + " · " + data.day;
    var body = el("services").tBodies[0];
    body.textContent = "";
    var servedByCounter = {};
    data.services.forEach(function (s) {
      var tr = document.createElement("tr");
      tr.dataset.serviceId = s.service_id;
      cell(tr, s.code + " · " + s.name_vi);
      cell(tr, s.waiting, "num waiting");
      var longest = s.longest_wait_seconds === null ? null : s.longest_wait_seconds + elapsed;
      var late = longest !== null && longest > s.target_wait_seconds;
      cell(tr, minutes(longest), "num longest" + (late ? " late" : ""));
      cell(tr, s.served, "num served");
      cell(tr, minutes(s.wait_mean), "num");
      cell(tr, minutes(s.wait_p90), "num");
      cell(tr, percent(s.service_level), "num");
      body.appendChild(tr);
    });
    body = el("counters").tBodies[0];
    body.textContent = "";
    data.counters.forEach(function (c) {
      var tr = document.createElement("tr");
      tr.dataset.counter = c.number;
      cell(tr, c.number);
      cell(tr, STATES[c.state] || c.state, "state-" + c.state);
      cell(tr, c.officer_name || "–");
      cell(tr, c.current_number || "–", "num current");
      cell(tr, c.serving_seconds === null ? "–" : minutes(c.serving_seconds + elapsed), "num");
      body.appendChild(tr);
    });
    body = el("devices").tBodies[0];
    body.textContent = "";
    data.devices.forEach(function (d) {
      var tr = document.createElement("tr");
      cell(tr, d.name + (d.zone ? " (" + d.zone + ")" : ""));
      cell(tr, d.kind === "kiosk" ? "Kiosk" : "Màn hình");
      cell(tr, d.online ? "Trực tuyến" : "Ngoại tuyến", d.online ? "online" : "offline");
      body.appendChild(tr);
    });
  }

  function drawChart() {
    if (!data || typeof window.Chart !== "function") return;
    var labels = data.services.map(function (s) { return s.code; });
    var p90 = data.services.map(function (s) { return s.wait_p90 === null ? 0 : s.wait_p90 / 60; });
    var target = data.services.map(function (s) { return s.target_wait_seconds / 60; });
    if (!chart) {
      chart = new window.Chart(el("chart"), {
        type: "bar",
        data: { labels: labels, datasets: [
          { label: "Chờ p90 (phút)", data: p90, backgroundColor: "#0b3d91" },
          { label: "Mục tiêu (phút)", data: target, type: "line", borderColor: "#b4141f", pointRadius: 0 }
        ] },
        options: { animation: false, responsive: true, maintainAspectRatio: false }
      });
    } else {
      chart.data.labels = labels;
      chart.data.datasets[0].data = p90;
      chart.data.datasets[1].data = target;
      chart.update();
    }
  }

  function siteId() {
    var select = el("site");
    return boot.province && select.value && select.value !== "all" ? Number(select.value) : (boot.user.site_id || null);
  }

  /* Province-wide users: every site today in one table (the sites report of today). */
  function allSites() {
    if (connection) { connection.socket.disconnect(); connection = null; }
    status("offline");
    el("live-text").textContent = "Bảng tổng hợp · Summary table";
    return fetch("/api/v1/reports/sites?preset=today", { credentials: "same-origin" }).then(function (answer) {
      return answer.json().then(function (report) {
        var body = el("sites").tBodies[0];
        body.textContent = "";
        var bySite = {};
        report.sheets[0].rows.forEach(function (r) { bySite[r.site_id] = r; });
        boot.sites.forEach(function (site) { // every site, those without a ticket today too
          var r = bySite[site.id] || {};
          var tr = document.createElement("tr");
          tr.dataset.siteId = site.id;
          cell(tr, site.name);
          cell(tr, r.issued === undefined ? 0 : r.issued + r.transferred_in, "num");
          cell(tr, r.done || 0, "num");
          cell(tr, r.no_show || 0, "num");
          cell(tr, minutes(r.wait_mean), "num");
          cell(tr, minutes(r.wait_p90), "num");
          cell(tr, percent(r.service_level), "num");
          body.appendChild(tr);
        });
      });
    });
  }

  function choose() {
    var all = boot.province && el("site").value === "all";
    el("all-sites").hidden = !all;
    el("one-site").hidden = all;
    data = null;
    if (all) { allSites(); return; }
    connect();
    refresh();
  }

  function refresh() {
    pending = null;
    var url = "/api/v1/reports/live" + (siteId() ? "?site_id=" + siteId() : "");
    return fetch(url, { credentials: "same-origin" }).then(function (answer) {
      return answer.json().then(function (body) {
        if (!answer.ok) throw new Error(body.message);
        data = body;
        fetchedAt = Date.now();
        window.hangdoiDashboardUpdates = (window.hangdoiDashboardUpdates || 0) + 1; // for the tests
        render();
        drawChart();
      });
    }).catch(function (error) { el("live-text").textContent = String(error.message || error); });
  }

  function soon() {
    if (pending === null) pending = window.setTimeout(refresh, 300);
  }

  function status(state) {
    var live = el("live");
    live.dataset.status = state;
    el("live-text").textContent = {
      connecting: "Đang kết nối…", live: "Trực tiếp", offline: "Mất kết nối, đang thử lại…",
      refused: "Không được phép theo dõi", missing: "Thiếu thư viện Socket.IO"
    }[state] || state;
  }

  function connect() {
    if (connection) connection.socket.disconnect();
    connection = Hangdoi.connect({
      siteId: siteId(),
      onStatus: status,
      onSnapshot: soon,
      onReady: soon,
      onEvent: function () { soon(); }
    });
  }

  var select = el("site");
  if (boot.province) {
    var every = document.createElement("option");
    every.value = "all";
    every.textContent = "Tất cả các điểm · Every site";
    select.appendChild(every);
  }
  boot.sites.forEach(function (s) {
    var option = document.createElement("option");
    option.value = s.id;
    option.textContent = s.name;
    select.appendChild(option);
  });
  if (boot.province && boot.sites.length) select.value = String(boot.sites[0].id);
  select.addEventListener("change", choose);
  window.setInterval(render, 1000); // the clock only: durations grow between events
  choose();
})();
