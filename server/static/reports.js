/* hangdoi: a report page. The filters (period preset or dates, site, department, service,
 * counter, officer, priority, grouping) are read into the query of /api/v1/reports/<name>;
 * the answer's tables are shown as they come (durations in minutes, shares in %), with a
 * chart (Chart.js) and links to the same report as XLSX and CSV, and to the monthly PDF. */
(function () {
  "use strict";
  var boot = JSON.parse(document.getElementById("boot").textContent);
  function el(id) { return document.getElementById(id); }
  var chart = null;
  var GROUP_NAMES = { "": "Không nhóm", day: "Ngày", week: "Tuần", month: "Tháng", weekday: "Thứ", hour: "Giờ" };

  function fill(select, rows, all) {
    var option = document.createElement("option");
    option.value = "";
    option.textContent = all;
    select.appendChild(option);
    rows.forEach(function (row) {
      var o = document.createElement("option");
      o.value = row.id;
      o.textContent = row.name;
      select.appendChild(o);
    });
  }
  fill(el("f-site"), boot.sites, boot.province ? "Tất cả các điểm" : boot.sites.length ? boot.sites[0].name : "");
  if (!boot.province) el("f-site").disabled = true;
  fill(el("f-department"), boot.departments, "Tất cả");
  fill(el("f-service"), boot.services, "Tất cả");
  fill(el("f-counter"), boot.counters, "Tất cả");
  fill(el("f-officer"), boot.officers, "Tất cả");
  boot.groups.forEach(function (g) {
    var o = document.createElement("option");
    o.value = g;
    o.textContent = GROUP_NAMES[g];
    el("f-group").appendChild(o);
  });
  el("preset").value = boot.report === "trend" ? "this_month" : "today";

  function query(extra) {
    var params = new URLSearchParams();
    var form = new FormData(el("filters"));
    var preset = form.get("preset");
    form.forEach(function (value, key) {
      if (value === "" || key === "preset" || key === "start" || key === "end") return;
      params.set(key, value);
    });
    if (preset) params.set("preset", preset);
    else {
      if (form.get("start")) params.set("start", form.get("start"));
      if (form.get("end")) params.set("end", form.get("end"));
    }
    Object.keys(extra || {}).forEach(function (k) { params.set(k, extra[k]); });
    return params.toString();
  }

  function show(column, value) {
    if (value === null || value === undefined) return "–";
    if (column.unit === "s") {
      var m = Math.floor(value / 60), s = Math.round(value % 60);
      if (s === 60) { m += 1; s = 0; }
      return m + ":" + (s < 10 ? "0" : "") + s;
    }
    if (column.unit === "pct") return (value * 100).toFixed(1) + "%";
    if (value === true) return "có";
    if (value === false) return "không";
    return String(value).normalize("NFC");
  }

  function table(sheet) {
    var section = document.createElement("section");
    section.className = "m-card";
    var h = document.createElement("h2");
    h.textContent = sheet.title_vi;
    var en = document.createElement("span");
    en.className = "en";
    en.textContent = " · " + sheet.title_en;
    h.appendChild(en);
    section.appendChild(h);
    var wrap = document.createElement("div");
    wrap.className = "m-scroll";
    var t = document.createElement("table");
    t.className = "m-table";
    t.dataset.sheet = sheet.name;
    var head = t.createTHead().insertRow();
    sheet.columns.forEach(function (c) {
      var th = document.createElement("th");
      th.textContent = c.vi + (c.unit === "s" ? " (phút)" : "");
      th.title = c.en;
      head.appendChild(th);
    });
    var body = t.createTBody();
    sheet.rows.forEach(function (row) {
      var tr = body.insertRow();
      sheet.columns.forEach(function (c) {
        var td = tr.insertCell();
        td.textContent = show(c, row[c.key]);
        td.dataset.key = c.key;
        if (typeof row[c.key] === "number") td.className = "num";
      });
    });
    if (!sheet.rows.length) {
      var empty = body.insertRow().insertCell();
      empty.colSpan = sheet.columns.length;
      empty.textContent = "Không có dữ liệu trong kỳ này. · No data in this period.";
    }
    wrap.appendChild(t);
    section.appendChild(wrap);
    return section;
  }

  function label(row, sheet) {
    var keys = ["day", "week", "month", "weekday", "hour", "service_code", "site_code", "department_vi", "slot", "part_vi"];
    var parts = [];
    keys.forEach(function (k) { if (row[k] !== undefined && row[k] !== null && parts.length < 2) parts.push(row[k]); });
    if (sheet.name === "counters") parts = ["Quầy " + row.counter_number, row.officer_name];
    return parts.join(" · ");
  }

  var CHARTS = {
    summary: { sheet: "summary", series: [["wait_mean", "Chờ TB (phút)", 60], ["wait_p90", "Chờ p90 (phút)", 60]], rows: function (r) { return r.part === "all"; } },
    services: { sheet: "services", series: [["wait_p90", "Chờ p90 (phút)", 60], ["done", "Đã phục vụ", 1]] },
    counters: { sheet: "counters", series: [["busy_share", "Tỷ lệ thời gian phục vụ (%)", 0.01], ["done", "Đã phục vụ", 1]] },
    hours: { sheet: "slots", series: [["arrived", "Đến", 1], ["carried_over", "Đang chờ đầu khung", 1], ["past_target", "Chờ quá mục tiêu", 1]] },
    trend: { sheet: "trend", type: "line", series: [["wait_p90", "Chờ p90 (phút)", 60], ["wait_mean", "Chờ TB (phút)", 60], ["done", "Đã phục vụ", 1]] },
    sites: { sheet: "sites", series: [["done", "Đã phục vụ", 1], ["wait_p90", "Chờ p90 (phút)", 60]] },
    dossier: { sheet: "dossier", series: [["dossier_share", "Tỷ lệ có mã hồ sơ (%)", 0.01]] }
  };
  var COLOURS = ["#0b3d91", "#b4141f", "#0b6e35", "#8a5a00"];

  function draw(report) {
    var spec = CHARTS[boot.report];
    el("chart-card").hidden = !spec;
    if (!spec || typeof window.Chart !== "function") return;
    var sheet = report.sheets.filter(function (s) { return s.name === spec.sheet; })[0];
    var rows = sheet.rows.filter(spec.rows || function () { return true; });
    var config = {
      type: spec.type || "bar",
      data: {
        labels: rows.map(function (r) { return label(r, sheet); }),
        datasets: spec.series.map(function (s, i) {
          return {
            label: s[1],
            data: rows.map(function (r) { return r[s[0]] === null ? null : r[s[0]] / s[2]; }),
            backgroundColor: COLOURS[i], borderColor: COLOURS[i]
          };
        })
      },
      options: { animation: false, responsive: true, maintainAspectRatio: false }
    };
    if (chart) chart.destroy();
    chart = new window.Chart(el("chart"), config);
  }

  function load() {
    el("status").textContent = "Đang tải… · Loading…";
    var q = query();
    el("export-xlsx").href = "/api/v1/reports/" + boot.report + "?" + query({ format: "xlsx" });
    el("export-csv").href = "/api/v1/reports/" + boot.report + "?" + query({ format: "csv" });
    var site = el("f-site").value;
    el("export-pdf").href = "/api/v1/reports/monthly.pdf" + (site ? "?site_id=" + site : "");
    return fetch("/api/v1/reports/" + boot.report + "?" + q, { credentials: "same-origin" })
      .then(function (answer) {
        return answer.json().then(function (body) {
          if (!answer.ok) throw new Error(body.message + " · " + body.message_en);
          var tables = el("tables");
          tables.textContent = "";
          body.sheets.forEach(function (sheet) { tables.appendChild(table(sheet)); });
          draw(body);
          var f = body.filters;
          el("status").textContent = "Kỳ: " + f.start + " → " + f.end +
            (body.open_tickets ? " · " + body.open_tickets + " số chưa kết thúc (chưa tính)" : "") +
            (body.approximate && body.approximate.length ? " · " + body.approximation_vi : "");
          document.body.dataset.loaded = String((Number(document.body.dataset.loaded) || 0) + 1);
        });
      })
      .catch(function (error) { el("status").textContent = String(error.message || error); });
  }

  el("preset").addEventListener("change", function () {
    var custom = el("preset").value === "";
    el("start").disabled = !custom;
    el("end").disabled = !custom;
  });
  el("start").disabled = el("end").disabled = true;
  el("filters").addEventListener("submit", function (event) { event.preventDefault(); load(); });
  load();
})();
