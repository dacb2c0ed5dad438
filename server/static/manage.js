/* hangdoi: the managers' live dashboard. Connected over Socket.IO with the browser session;
 * every event of the site (a ticket issued, called, finished, a counter opened...) refetches
 * today's figures from /api/v1/reports/live, at most once per 300 ms; a device.health event
 * updates its device's row in place. Every site at once (province-wide users): the table of
 * /api/v1/reports/live/sites, each row replaced by the server's site.today (at most one per
 * site per second). No polling: between events only the clock moves the durations and turns
 * a silent device stale, then offline. Times are shown in the site's time zone. */
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
  var DEVICE_STATUS = {
    online: "Trực tuyến · Online", stale: "Chậm báo · Stale",
    offline: "Ngoại tuyến · Offline", never: "Chưa báo · Never reported"
  };
  var PRINTER = {
    ready: "Sẵn sàng", paper_low: "Sắp hết giấy", paper_out: "Hết giấy", cover_open: "Mở nắp",
    offline: "Mất kết nối", error: "Lỗi", unknown: "Không rõ", none: "Không có máy in"
  };
  var ZONE = "Asia/Ho_Chi_Minh";
  var sites = {}; // province table: site id -> row
  var sitesDrawn = null;

  function clock(iso, timeZone) {
    if (!iso) return "–";
    var at = new Date(iso);
    try {
      var parts = {};
      new Intl.DateTimeFormat("en-GB", {
        timeZone: timeZone || ZONE, hour: "2-digit", minute: "2-digit", second: "2-digit",
        day: "2-digit", month: "2-digit", hourCycle: "h23"
      }).formatToParts(at).forEach(function (p) { parts[p.type] = p.value; });
      return parts.hour + ":" + parts.minute + ":" + parts.second + " " + parts.day + "/" + parts.month;
    } catch (e) { return at.toISOString(); }
  }

  /* A device's status now: what it last said, aged by the time since (its row's `seen` is
   * {age in seconds when heard of, Date.now() then}). */
  function deviceStatus(d) {
    if (!d.reported_at) return "never";
    var age = d.seen.age + (Date.now() - d.seen.local) / 1000;
    if (!d.online || age >= data.device_offline_after_seconds) return "offline";
    if (age > data.device_stale_after_seconds) return "stale";
    return "online";
  }
  function printerText(d) {
    if (d.kind !== "kiosk") return "–";
    var text = PRINTER[d.printer_state] || d.printer_state;
    if (d.paper_out) {
      if (d.printer_state !== "paper_out") text += " · hết giấy";
    } else if (d.paper_low && d.printer_state !== "paper_low") {
      text += " · sắp hết giấy";
    }
    return text;
  }

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
      var state = deviceStatus(d);
      tr.dataset.deviceId = d.device_id;
      tr.dataset.status = state;
      cell(tr, d.name + (d.zone ? " (" + d.zone + ")" : ""));
      cell(tr, d.kind === "kiosk" ? "Kiosk" : "Màn hình");
      cell(tr, DEVICE_STATUS[state], "device-status " + state);
      var printer = cell(tr, printerText(d), "printer");
      if (d.paper_out || ["paper_out", "offline", "error", "cover_open"].indexOf(d.printer_state) >= 0) printer.className += " late";
      cell(tr, d.app_version || "–");
      cell(tr, clock(d.reported_at, data.site.timezone), "num reported");
      cell(tr, d.last_error || "", "error-text");
      body.appendChild(tr);
    });
  }

  /* device.health: the device's row takes what it now says (no refetch). */
  function deviceHealth(envelope) {
    if (!data) return;
    var h = envelope.data;
    var row = null;
    data.devices.forEach(function (d) { if (d.device_id === h.device_id) row = d; });
    if (!row) { soon(); return; } // a device the page has not seen: read the site again
    Object.keys(h).forEach(function (key) { row[key] = h[key]; });
    row.seen = { age: h.reported_at ? Math.max(0, (Date.parse(envelope.at) - Date.parse(h.reported_at)) / 1000) : 0, local: Date.now() };
    window.hangdoiDeviceUpdates = (window.hangdoiDeviceUpdates || 0) + 1; // for the tests
    render();
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

  /* Province-wide users: every site today in one table, kept live by site.today. */
  function allSites() {
    if (connection) connection.socket.disconnect();
    sites = {};
    connection = Hangdoi.connect({
      province: true,
      onStatus: status,
      onReady: readSites, // the whole table at each (re)connect: rows sent meanwhile were missed
      onSiteToday: function (row) {
        sites[row.site_id] = row;
        window.hangdoiSiteUpdates = (window.hangdoiSiteUpdates || 0) + 1; // for the tests
        drawSitesSoon();
      }
    });
  }

  function readSites() {
    return fetch("/api/v1/reports/live/sites", { credentials: "same-origin" }).then(function (answer) {
      return answer.json().then(function (rows) {
        if (!answer.ok) throw new Error(rows.message);
        rows.forEach(function (r) { sites[r.site_id] = r; });
        drawSites();
      });
    }).catch(function (error) { el("live-text").textContent = String(error.message || error); });
  }

  /* Rows arrive one site at a time: the table is drawn at most every 250 ms. */
  function drawSitesSoon() {
    if (sitesDrawn === null) sitesDrawn = window.setTimeout(drawSites, 250);
  }

  function drawSites() {
    sitesDrawn = null;
    var body = el("sites").tBodies[0];
    body.textContent = "";
    boot.sites.forEach(function (site) {
      var r = sites[site.id];
      if (!r) return;
      var tr = document.createElement("tr");
      tr.dataset.siteId = site.id;
      cell(tr, r.name_vi);
      cell(tr, r.issued, "num issued");
      cell(tr, r.waiting, "num waiting");
      cell(tr, minutes(r.longest_wait_seconds), "num longest");
      cell(tr, r.done, "num served");
      cell(tr, r.no_show, "num");
      cell(tr, minutes(r.wait_mean), "num");
      cell(tr, minutes(r.wait_p90), "num");
      cell(tr, percent(r.service_level), "num");
      cell(tr, clock(r.at), "num at");
      body.appendChild(tr);
    });
  }

  function choose() {
    var all = boot.province && el("site").value === "all";
    el("all-sites").hidden = !all;
    el("one-site").hidden = all;
    data = null;
    // A refetch the previous view scheduled is not for this one.
    if (pending !== null) { window.clearTimeout(pending); pending = null; }
    if (all) { el("site-name").textContent = ""; allSites(); return; }
    connect();
    refresh();
  }

  function refresh() {
    pending = null;
    var url = "/api/v1/reports/live" + (siteId() ? "?site_id=" + siteId() : "");
    return fetch(url, { credentials: "same-origin" }).then(function (answer) {
      return answer.json().then(function (body) {
        if (!answer.ok) throw new Error(body.message);
        if (boot.province && el("site").value === "all") return; // answered after the switch
        data = body;
        fetchedAt = Date.now();
        var at = Date.parse(body.at);
        data.devices.forEach(function (d) {
          d.seen = { age: d.reported_at ? Math.max(0, (at - Date.parse(d.reported_at)) / 1000) : 0, local: fetchedAt };
        });
        window.hangdoiDashboardUpdates = (window.hangdoiDashboardUpdates || 0) + 1; // for the tests
        render();
        drawChart();
      });
    }).catch(function (error) { el("live-text").textContent = String(error.message || error); });
  }

  function soon() {
    if (boot.province && el("site").value === "all") return; // the table of every site is pushed
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
      onEvent: function (name, envelope) {
        if (name === "device.health") deviceHealth(envelope);
        else soon();
      }
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
