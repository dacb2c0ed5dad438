/* hangdoi administration pages: one script for every section.
 *
 * Each section lists a kind of object of the chosen site from /api/v1/admin, with a form
 * to create one and an edit form per row; what is in use is deactivated, never deleted.
 * Every request goes with the browser's session cookie and as JSON (the API refuses a
 * browser's write that is not JSON). Errors are shown as the API words them (Vietnamese,
 * then English), and the fields it names are marked.
 */
(function () {
  "use strict";

  var boot = JSON.parse(document.getElementById("boot").textContent);
  var API = "/api/v1/admin";
  var ZONE = "Asia/Ho_Chi_Minh";
  var WEEKDAYS = [["mon", "Thứ Hai", "Mon"], ["tue", "Thứ Ba", "Tue"], ["wed", "Thứ Tư", "Wed"],
    ["thu", "Thứ Năm", "Thu"], ["fri", "Thứ Sáu", "Fri"], ["sat", "Thứ Bảy", "Sat"], ["sun", "Chủ nhật", "Sun"]];

  // ---------------------------------------------------------------- helpers

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
      else if (value === true) node.setAttribute(key, "");
      else node.setAttribute(key, value);
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function bi(vi, en) {
    return el("span", {}, [vi + " ", el("span", { "class": "en", text: en })]);
  }

  function nfc(text) { return (text || "").normalize("NFC").trim(); }

  // A field's name may be a path into the object ("voice.dialect": item.voice.dialect).
  function valueAt(item, name) {
    return name.split(".").reduce(function (node, key) { return node === undefined || node === null ? undefined : node[key]; }, item);
  }

  function setAt(body, name, value) {
    var keys = name.split(".");
    var node = body;
    keys.slice(0, -1).forEach(function (key) { node = node[key] = node[key] || {}; });
    node[keys[keys.length - 1]] = value;
  }

  function controlId(name) { return "f-" + name.replace(/\./g, "-"); }

  function localTime(iso) {
    if (!iso) return "—";
    var date = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : iso + "Z");
    return new Intl.DateTimeFormat("vi-VN", {
      timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit"
    }).format(date);
  }

  function request(method, url, body) {
    var options = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      if (response.status === 204) return null;
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          if (response.status === 401) {
            window.location.href = "/admin/login?next=" + encodeURIComponent(location.pathname + location.search);
          }
          var error = new Error(data.message_en || ("HTTP " + response.status));
          error.body = data;
          error.status = response.status;
          throw error;
        }
        return data;
      });
    });
  }

  var errorBox = document.getElementById("error");
  var okBox = document.getElementById("ok");

  function showError(error, form) {
    var body = (error && error.body) || {};
    errorBox.textContent = "";
    errorBox.appendChild(document.createTextNode(body.message || "Không thực hiện được."));
    errorBox.appendChild(el("span", { "class": "en", text: " " + (body.message_en || String(error.message || error)) }));
    errorBox.hidden = false;
    if (okBox) okBox.hidden = true;
    if (form) markFields(form, flatFields(((body.details || {}).json) || {}, ""));
    errorBox.scrollIntoView({ block: "nearest" });
  }

  function showOk(vi, en) {
    errorBox.hidden = true;
    if (!okBox) return;
    okBox.textContent = "";
    okBox.appendChild(document.createTextNode(vi + " "));
    okBox.appendChild(el("span", { "class": "en", text: en }));
    okBox.hidden = false;
  }

  /* {voice: {dialect: [..]}} -> {"voice.dialect": [..]}: the API nests a nested object's fields. */
  function flatFields(fields, prefix) {
    var flat = {};
    Object.keys(fields).forEach(function (name) {
      var value = fields[name];
      if (value && typeof value === "object" && !Array.isArray(value)) {
        var inner = flatFields(value, prefix + name + ".");
        Object.keys(inner).forEach(function (key) { flat[key] = inner[key]; });
      } else {
        flat[prefix + name] = value;
      }
    });
    return flat;
  }

  function markFields(form, fields) {
    Array.prototype.forEach.call(form.querySelectorAll(".field"), function (box) {
      box.classList.remove("invalid");
      var note = box.querySelector(".field-error");
      if (note) note.remove();
    });
    Object.keys(fields).forEach(function (name) {
      var box = form.querySelector('.field[data-name="' + name + '"]');
      if (!box) return;
      box.classList.add("invalid");
      var messages = fields[name];
      var text = Array.isArray(messages) ? messages.join(" ") : JSON.stringify(messages);
      box.appendChild(el("p", { "class": "field-error", text: text }));
    });
  }

  // ---------------------------------------------------------------- sign in / out

  if (document.body.classList.contains("page-login")) {
    var loginForm = document.getElementById("login-form");
    loginForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var error = document.getElementById("error");
      error.hidden = true;
      request("POST", "/api/v1/auth/login", {
        username: nfc(loginForm.username.value), password: loginForm.password.value
      }).then(function () {
        window.location.href = boot.next;
      }, function (failure) {
        var body = failure.body || {};
        error.textContent = (body.message || "Không đăng nhập được.") + " · " + (body.message_en || "");
        error.hidden = false;
      });
    });
    return;
  }

  document.getElementById("logout").addEventListener("click", function () {
    request("POST", "/api/v1/auth/logout", {}).then(function () {
      window.location.href = "/admin/login?ended=1";
    }, function () { window.location.href = "/admin/login"; });
  });
  var siteSelect = document.getElementById("site-select");
  if (siteSelect) {
    siteSelect.addEventListener("change", function () { document.getElementById("site-form").submit(); });
  }

  var content = document.getElementById("content");
  var site = boot.site_id;

  // ---------------------------------------------------------------- forms from field lists
  //
  // A field: {name, vi, en, type: text|textarea|int|bool|select|order|hours|days|checks|password,
  //           required, create_only, options: [[value, label]], hint}

  function input(field, value) {
    var id = controlId(field.name);
    var control;
    if (field.type === "textarea" || field.type === "days") {
      control = el("textarea", { id: id, name: field.name, rows: field.rows || 3 });
      control.value = field.type === "days" ? daysText(value) : (value || "");
    } else if (field.type === "bool") {
      control = el("input", { id: id, name: field.name, type: "checkbox" });
      control.checked = value === undefined ? field.initial !== false : !!value;
    } else if (field.type === "select") {
      control = el("select", { id: id, name: field.name },
        (field.optional ? [el("option", { value: "", text: "—" })] : []).concat(
          field.options.map(function (option) { return el("option", { value: option[0], text: option[1] }); })));
      if (value !== undefined && value !== null) control.value = String(value);
    } else if (field.type === "order") {
      return orderInput(field, value || []);
    } else if (field.type === "checks") {
      return checksInput(field, value || []);
    } else if (field.type === "hours") {
      return hoursInput(field, value);
    } else {
      control = el("input", {
        id: id, name: field.name, type: field.type === "int" ? "number" : (field.type === "password" ? "password" : "text"),
        autocomplete: field.type === "password" ? "new-password" : "off"
      });
      if (value !== undefined && value !== null) control.value = value;
      else if (field.initial !== undefined) control.value = field.initial;
    }
    if (field.required) control.setAttribute("required", "");
    return control;
  }

  function fieldBox(field, value) {
    var control = input(field, value);
    var label = el("label", { "for": controlId(field.name) }, [bi(field.vi, field.en)]);
    var box = el("div", { "class": "field field-" + (field.type || "text"), "data-name": field.name }, [label, control]);
    if (field.hint) box.appendChild(el("p", { "class": "hint", text: field.hint }));
    return box;
  }

  function orderInput(field, chosen) {
    var list = el("ol", { "class": "order", id: "f-" + field.name, "data-order": field.name });
    var names = {};
    field.options.forEach(function (option) { names[option[0]] = option[1]; });
    function add(value) {
      var item = el("li", { "data-value": value }, [
        el("span", { text: names[value] || ("#" + value) }),
        el("button", { type: "button", "class": "mini", title: "Lên · Up", text: "↑", onclick: function () {
          if (item.previousElementSibling) list.insertBefore(item, item.previousElementSibling);
        } }),
        el("button", { type: "button", "class": "mini", title: "Xuống · Down", text: "↓", onclick: function () {
          if (item.nextElementSibling) list.insertBefore(item.nextElementSibling, item);
        } }),
        el("button", { type: "button", "class": "mini", title: "Bỏ · Remove", text: "✕", onclick: function () { item.remove(); } })
      ]);
      list.appendChild(item);
    }
    chosen.forEach(add);
    var picker = el("select", { id: "f-" + field.name + "-add" }, field.options.map(function (option) {
      return el("option", { value: option[0], text: option[1] });
    }));
    var button = el("button", { type: "button", "class": "btn-small", id: "f-" + field.name + "-add-button", onclick: function () {
      var value = Number(picker.value);
      if (value && !list.querySelector('li[data-value="' + value + '"]')) add(value);
    } }, [bi("Thêm", "Add")]);
    return el("div", { "class": "order-box" }, [list, el("div", { "class": "row" }, [picker, button])]);
  }

  function checksInput(field, chosen) {
    return el("div", { "class": "checks", id: "f-" + field.name, "data-checks": field.name },
      field.options.map(function (option) {
        var box = el("input", { type: "checkbox", value: option[0] });
        box.checked = chosen.indexOf(Number(option[0])) >= 0;
        return el("label", { "class": "check" }, [box, " " + option[1]]);
      }));
  }

  function hoursInput(field, hours) {
    var always = el("input", { type: "checkbox", id: "f-hours-always" });
    always.checked = hours === null || hours === undefined;
    var rows = WEEKDAYS.map(function (day) {
      var spans = (hours || {})[day[0]] || [];
      function time(span, end) {
        var value = spans[span] ? spans[span][end] : "";
        return el("input", { type: "time", value: value, "data-day": day[0], "data-span": span, "data-end": end });
      }
      return el("tr", {}, [
        el("th", {}, [bi(day[1], day[2])]),
        el("td", {}, [time(0, 0), " – ", time(0, 1)]),
        el("td", {}, [time(1, 0), " – ", time(1, 1)])
      ]);
    });
    var table = el("table", { "class": "hours" }, [
      el("thead", {}, [el("tr", {}, [el("th", {}, []), el("th", {}, [bi("Sáng", "Morning")]), el("th", {}, [bi("Chiều (sau nghỉ trưa)", "Afternoon (after lunch)")])])]),
      el("tbody", {}, rows)
    ]);
    return el("div", { "class": "hours-box", "data-hours": field.name }, [
      el("label", { "class": "check" }, [always, " ", bi("Mở cả ngày, mọi ngày", "Open around the clock")]),
      table,
      el("p", { "class": "hint", text: "Để trống cả hai ô của một buổi nếu không làm việc. · Leave both boxes of a half-day empty when closed." })
    ]);
  }

  function daysText(days) {
    return (days || []).map(function (day) { return day.date + (day.note ? " " + day.note : ""); }).join("\n");
  }

  function readField(form, field) {
    if (field.type === "order") {
      return Array.prototype.map.call(form.querySelectorAll('[data-order="' + field.name + '"] li'), function (li) {
        return Number(li.getAttribute("data-value"));
      });
    }
    if (field.type === "checks") {
      return Array.prototype.filter.call(form.querySelectorAll('[data-checks="' + field.name + '"] input'), function (box) {
        return box.checked;
      }).map(function (box) { return Number(box.value); });
    }
    if (field.type === "hours") {
      if (form.querySelector("#f-hours-always").checked) return null;
      var hours = {};
      WEEKDAYS.forEach(function (day) {
        [0, 1].forEach(function (span) {
          var start = form.querySelector('input[data-day="' + day[0] + '"][data-span="' + span + '"][data-end="0"]').value;
          var end = form.querySelector('input[data-day="' + day[0] + '"][data-span="' + span + '"][data-end="1"]').value;
          if (start || end) (hours[day[0]] = hours[day[0]] || []).push([start, end]);
        });
      });
      return hours;
    }
    var control = form.elements[field.name];
    if (field.type === "bool") return control.checked;
    var value = control.value;
    if (field.type === "days") {
      return value.split("\n").map(function (line) { return line.trim(); }).filter(Boolean).map(function (line) {
        var parts = line.split(/\s+/);
        return { date: parts.shift(), note: parts.join(" ") };
      });
    }
    if (field.type === "int") {
      if (value === "") return field.nullable ? null : undefined;
      return Number(value);
    }
    if (field.type === "select") {
      if (value === "") return field.optional ? null : undefined;
      return field.numeric ? Number(value) : value;
    }
    if (field.type === "password") return value || undefined;
    return field.keep_spaces ? value : nfc(value);
  }

  /* The form of a kind: create (item undefined) or edit an item. */
  function form(kind, item, done) {
    var editing = item !== undefined;
    var fields = kind.fields.filter(function (field) { return !(editing && field.create_only); });
    var node = el("form", { "class": "edit-form card", id: editing ? "edit-form" : "create-form", novalidate: true });
    node.appendChild(el("h2", {}, [editing ? bi("Sửa", "Edit") : bi("Thêm mới", "New")]));
    var grid = el("div", { "class": "grid" }, fields.map(function (field) {
      return fieldBox(field, editing ? valueAt(item, field.name) : undefined);
    }));
    node.appendChild(grid);
    var submit = el("button", { type: "submit", "class": "btn btn-primary", id: editing ? "save" : "create" },
      [editing ? "Lưu · Save" : "Tạo · Create"]);
    var actions = el("div", { "class": "row" }, [submit]);
    if (editing) {
      actions.appendChild(el("button", { type: "button", "class": "btn btn-plain", onclick: function () { node.remove(); } }, ["Huỷ · Cancel"]));
    }
    node.appendChild(actions);
    node.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = {};
      fields.forEach(function (field) {
        var value = readField(node, field);
        if (value === undefined) return;
        if (editing && JSON.stringify(value) === JSON.stringify(valueAt(item, field.name))) return;
        setAt(body, field.name, value);
      });
      if (kind.prepare) kind.prepare(body, editing);
      var call = editing ? request("PATCH", kind.patch(item.id), body) : request("POST", kind.create(), body);
      submit.disabled = true;
      errorBox.hidden = true;
      if (okBox) okBox.hidden = true;
      call.then(function (saved) {
        submit.disabled = false;
        markFields(node, {});
        // Said once the list shows it (the form is made anew with the list).
        return Promise.resolve(done()).then(function () {
          if (kind.after) kind.after(saved, editing);
          else showOk(editing ? "Đã lưu." : "Đã tạo.", editing ? "Saved." : "Created.");
        });
      }, function (error) {
        submit.disabled = false;
        showError(error, node);
      });
    });
    return node;
  }

  // ---------------------------------------------------------------- listing

  function table(kind, items, reload) {
    var head = el("tr", {}, kind.columns.map(function (column) { return el("th", {}, [bi(column[1], column[2])]); })
      .concat([el("th", {}, [bi("Thao tác", "Actions")])]));
    var rows = items.map(function (item) {
      var cells = kind.columns.map(function (column) {
        var value = column[3] ? column[3](item) : item[column[0]];
        if (value === true) value = "✓";
        if (value === false) value = "—";
        return el("td", { "data-column": column[0] }, [value === null || value === undefined ? "" : String(value)]);
      });
      var buttons = el("div", { "class": "buttons" }, []);
      if (kind.patch) {
        buttons.appendChild(el("button", { type: "button", "class": "btn-small", "data-action": "edit", onclick: function () {
          var old = document.getElementById("edit-form");
          if (old) old.remove();
          var editor = form(kind, item, reload);
          row.after(el("tr", { "class": "editor-row" }, [el("td", { colspan: kind.columns.length + 1 }, [editor])]));
          editor.scrollIntoView({ block: "nearest" });
        } }, [bi("Sửa", "Edit")]));
        if ("active" in item) {
          buttons.appendChild(el("button", {
            type: "button", "class": "btn-small " + (item.active ? "danger" : ""), "data-action": item.active ? "deactivate" : "activate",
            onclick: function () {
              request("PATCH", kind.patch(item.id), { active: !item.active }).then(function () {
                showOk(item.active ? "Đã ngừng hoạt động." : "Đã hoạt động lại.", item.active ? "Deactivated." : "Reactivated.");
                reload();
              }, function (error) { showError(error); });
            }
          }, [item.active ? bi("Ngừng", "Deactivate") : bi("Dùng lại", "Reactivate")]));
        }
      }
      (kind.actions || []).forEach(function (make) {
        var extra = make(item, reload);
        if (extra) buttons.appendChild(extra);
      });
      cells.push(el("td", { "class": "actions" }, [buttons]));
      var row = el("tr", { "data-id": item.id, "class": item.active === false || item.revoked_at ? "inactive" : "" }, cells);
      return row;
    });
    return el("table", { "class": "list", id: "list" }, [el("thead", {}, [head]), el("tbody", {}, rows)]);
  }

  function section(kind) {
    function reload() {
      return Promise.resolve(kind.load ? kind.load() : null).then(function () {
        return request("GET", kind.list());
      }).then(function (items) {
        content.textContent = "";
        if (kind.intro) content.appendChild(kind.intro());
        if (kind.create) content.appendChild(form(kind, undefined, reload));
        content.appendChild(el("h2", {}, [bi("Danh sách", "List"), " (" + items.length + ")"]));
        content.appendChild(table(kind, items, reload));
      }, function (error) { showError(error); });
    }
    return reload();
  }

  function options(url, label) {
    return request("GET", url).then(function (items) {
      return items.map(function (item) { return [item.id, label(item)]; });
    });
  }

  function needSite() {
    if (site) return false;
    content.textContent = "";
    content.appendChild(el("p", {}, [bi("Chưa có điểm phục vụ nào: hãy tạo một điểm phục vụ trước.", "No site yet: create a site first.")]));
    return true;
  }

  // ---------------------------------------------------------------- the kinds

  var siteUrl = function (what) { return function () { return API + "/sites/" + site + "/" + what; }; };
  var names = function (item) { return item.name_vi; };
  var activeColumn = ["active", "Hoạt động", "Active"];

  var KINDS = {};

  KINDS.sites = {
    list: function () { return API + "/sites"; },
    create: boot.province ? function () { return API + "/sites"; } : null,
    patch: function (id) { return API + "/sites/" + id; },
    after: function (saved, editing) {
      showOk(editing ? "Đã lưu." : "Đã tạo điểm phục vụ.", editing ? "Saved." : "Site created.");
      if (!editing && !site) window.location.href = "/admin/departments?site=" + saved.id;
    },
    fields: [
      { name: "code", vi: "Mã", en: "Code", required: true },
      { name: "name_vi", vi: "Tên (tiếng Việt)", en: "Name (Vietnamese)", required: true },
      { name: "name_en", vi: "Tên (tiếng Anh)", en: "Name (English)" },
      { name: "address", vi: "Địa chỉ", en: "Address" },
      { name: "timezone", vi: "Múi giờ", en: "Time zone", initial: "Asia/Ho_Chi_Minh" },
      { name: "opening_hours", vi: "Giờ làm việc", en: "Opening hours", type: "hours" },
      { name: "closed_days", vi: "Ngày nghỉ, lễ (mỗi dòng: YYYY-MM-DD ghi chú)", en: "Closed days (one a line: YYYY-MM-DD note)", type: "days" },
      { name: "max_priority_in_row", vi: "Số ưu tiên gọi liên tiếp tối đa", en: "Priority tickets in a row", type: "int", initial: 2 },
      { name: "no_show_after_calls", vi: "Vắng mặt sau số lần gọi", en: "No-show after calls", type: "int", initial: 3 },
      { name: "slip_header", vi: "Dòng đầu phiếu", en: "Slip header lines", type: "textarea", keep_spaces: false },
      { name: "slip_footer", vi: "Dòng cuối phiếu", en: "Slip footer lines", type: "textarea" },
      { name: "ticker_text", vi: "Chữ chạy trên màn hình", en: "Display ticker text", type: "textarea", rows: 2 },
      { name: "voice.template_vi", vi: "Câu thông báo gọi số", en: "Announcement wording", keep_spaces: true,
        initial: "Mời công dân có số thứ tự {number} đến quầy số {counter}",
        hint: "{number}: số thứ tự (bắt buộc), {counter}: quầy. · {number}: the ticket (required), {counter}: the counter." },
      { name: "voice.dialect", vi: "Giọng đọc số", en: "Dialect of the numbers", type: "select",
        options: [["north", "Miền Bắc (nghìn, linh) · North"], ["south", "Miền Nam (ngàn, lẻ) · South"]] },
      { name: "voice.repeat", vi: "Số lần đọc mỗi lượt gọi", en: "Times each call is played", type: "int", initial: 1 },
      { name: "voice.english", vi: "Đọc thêm bằng tiếng Anh", en: "Also announce in English", type: "bool", initial: false },
      { name: "voice.template_en", vi: "Câu thông báo tiếng Anh", en: "English wording", keep_spaces: true,
        initial: "Ticket number {number}, please go to counter {counter}" }
    ],
    columns: [["code", "Mã", "Code"], ["name_vi", "Tên", "Name"], ["address", "Địa chỉ", "Address"],
      ["timezone", "Múi giờ", "Time zone"], activeColumn]
  };

  KINDS.departments = {
    list: siteUrl("departments"), create: siteUrl("departments"),
    patch: function (id) { return API + "/departments/" + id; },
    fields: [
      { name: "code", vi: "Mã", en: "Code", required: true },
      { name: "name_vi", vi: "Tên (tiếng Việt)", en: "Name (Vietnamese)", required: true },
      { name: "name_en", vi: "Tên (tiếng Anh)", en: "Name (English)" },
      { name: "position", vi: "Thứ tự", en: "Order", type: "int", initial: 0 }
    ],
    columns: [["code", "Mã", "Code"], ["name_vi", "Tên", "Name"], ["name_en", "Tên tiếng Anh", "English name"],
      ["position", "Thứ tự", "Order"], activeColumn]
  };

  KINDS.series = {
    list: siteUrl("series"), create: siteUrl("series"),
    patch: function (id) { return API + "/series/" + id; },
    intro: function () {
      return el("p", { "class": "hint" }, [bi(
        "Định dạng có đúng một {n}: A{n:03d} in A001, {n:04d} in 1005. Dãy số đã cấp số hôm nay không đổi được định dạng hay số bắt đầu đến hết ngày.",
        "A format holds one {n}: A{n:03d} prints A001, {n:04d} prints 1005. A series that issued numbers today keeps its format and start until the day ends.")]);
    },
    fields: [
      { name: "code", vi: "Mã", en: "Code", required: true },
      { name: "name_vi", vi: "Tên", en: "Name" },
      { name: "format", vi: "Định dạng số", en: "Number format", initial: "{n:04d}", keep_spaces: true },
      { name: "start", vi: "Số bắt đầu", en: "First number", type: "int", initial: 1 },
      { name: "voice_reading", vi: "Cách đọc số khi gọi", en: "Read aloud", type: "select",
        options: [["number", "Thành số (A012: A mười hai) · As a number"], ["digits", "Từng chữ số (A không một hai) · Digit by digit"]] }
    ],
    columns: [["code", "Mã", "Code"], ["name_vi", "Tên", "Name"], ["format", "Định dạng", "Format"],
      ["example", "Số đầu tiên", "First number"], activeColumn]
  };

  var departmentOptions = [], seriesOptions = [], serviceOptions = [], counterOptions = [];

  KINDS.services = {
    list: siteUrl("services"), create: siteUrl("services"),
    patch: function (id) { return API + "/services/" + id; },
    load: function () {
      return Promise.all([
        options(siteUrl("departments")(), function (d) { return d.code + " · " + d.name_vi; }),
        options(siteUrl("series")(), function (s) { return s.code + " (" + s.example + ")"; })
      ]).then(function (found) {
        KINDS.services.fields[3].options = found[0];
        KINDS.services.fields[4].options = found[1];
        departmentOptions = found[0];
        seriesOptions = found[1];
      });
    },
    fields: [
      { name: "code", vi: "Mã", en: "Code", required: true },
      { name: "name_vi", vi: "Tên (tiếng Việt)", en: "Name (Vietnamese)", required: true },
      { name: "name_en", vi: "Tên (tiếng Anh)", en: "Name (English)" },
      { name: "department_id", vi: "Khối", en: "Department", type: "select", numeric: true, options: [] },
      { name: "series_id", vi: "Dãy số", en: "Number series", type: "select", numeric: true, options: [] },
      { name: "target_wait_minutes", vi: "Thời gian chờ mục tiêu (phút)", en: "Target wait (minutes)", type: "int", initial: 20 },
      { name: "expected_service_minutes", vi: "Phút cho mỗi lượt", en: "Minutes per ticket", type: "int", initial: 10 },
      { name: "daily_quota", vi: "Số lượt tối đa mỗi ngày (trống: không giới hạn)", en: "Daily quota (empty: none)", type: "int", nullable: true },
      { name: "asks_dossier_code", vi: "Hỏi mã hồ sơ", en: "Ask for the dossier code", type: "bool", initial: false },
      { name: "position", vi: "Thứ tự", en: "Order", type: "int", initial: 0 }
    ],
    columns: [["code", "Mã", "Code"], ["name_vi", "Tên", "Name"],
      ["department_id", "Khối", "Department", function (s) { return label(departmentOptions, s.department_id); }],
      ["series_id", "Dãy số", "Series", function (s) { return label(seriesOptions, s.series_id); }],
      ["daily_quota", "Hạn mức/ngày", "Daily quota"], ["asks_dossier_code", "Mã hồ sơ", "Dossier code"], activeColumn]
  };

  function label(optionList, value) {
    var found = optionList.filter(function (option) { return option[0] === value; })[0];
    return found ? found[1] : value;
  }

  var COUNTER_STATES = { open: "Đang mở · Open", paused: "Tạm dừng · Paused", closed: "Đóng · Closed" };

  KINDS.counters = {
    list: siteUrl("counters"), create: siteUrl("counters"),
    patch: function (id) { return API + "/counters/" + id; },
    load: function () {
      return options(siteUrl("services")(), function (s) { return s.code + " · " + s.name_vi + (s.active ? "" : " (—)"); }).then(function (found) {
        KINDS.counters.fields[4].options = found;
        serviceOptions = found;
      });
    },
    fields: [
      { name: "number", vi: "Số quầy", en: "Number", type: "int", required: true },
      { name: "name_vi", vi: "Tên (tiếng Việt)", en: "Name (Vietnamese)", required: true },
      { name: "name_en", vi: "Tên (tiếng Anh)", en: "Name (English)" },
      { name: "zone", vi: "Khu vực (màn hình)", en: "Zone (display)" },
      { name: "service_ids", vi: "Dịch vụ phục vụ, ưu tiên trước", en: "Services served, first choice first", type: "order", options: [] },
      { name: "spoken_name", vi: "Tên đọc khi gọi (trống: đọc số quầy)", en: "Spoken name (empty: its number)" }
    ],
    prepare: function (body) {
      if (body.zone === "") body.zone = null;
      if (body.spoken_name === "") body.spoken_name = null;
    },
    columns: [["number", "Số", "Number"], ["name_vi", "Tên", "Name"], ["zone", "Khu vực", "Zone"],
      ["service_ids", "Dịch vụ", "Services", function (c) {
        return c.service_ids.map(function (id) { return String(label(serviceOptions, id)).split(" · ")[0]; }).join(", ");
      }],
      ["state", "Trạng thái", "State", function (c) { return COUNTER_STATES[c.state] || c.state; }], activeColumn]
  };

  KINDS["priority-categories"] = {
    list: siteUrl("priority-categories"), create: siteUrl("priority-categories"),
    patch: function (id) { return API + "/priority-categories/" + id; },
    fields: [
      { name: "code", vi: "Mã", en: "Code", required: true },
      { name: "name_vi", vi: "Tên (tiếng Việt)", en: "Name (Vietnamese)", required: true },
      { name: "name_en", vi: "Tên (tiếng Anh)", en: "Name (English)" },
      { name: "position", vi: "Thứ tự", en: "Order", type: "int", initial: 0 }
    ],
    columns: [["code", "Mã", "Code"], ["name_vi", "Tên", "Name"], ["name_en", "Tên tiếng Anh", "English name"],
      ["position", "Thứ tự", "Order"], activeColumn]
  };

  var ROLES = [["officer", "Cán bộ một cửa · Officer"], ["manager", "Lãnh đạo · Manager"], ["admin", "Quản trị · Admin"]];
  var siteOptions = boot.sites.map(function (s) { return [s.id, s.code + " · " + s.name_vi]; });

  KINDS.users = {
    list: function () { return API + "/users"; },
    create: function () { return API + "/users"; },
    patch: function (id) { return API + "/users/" + id; },
    load: function () {
      if (!site) return null;
      return options(siteUrl("counters")(), function (c) { return "Quầy " + c.number; }).then(function (found) {
        KINDS.users.fields[5].options = found;
        counterOptions = found;
      });
    },
    fields: [
      { name: "username", vi: "Tên đăng nhập", en: "Username", required: true, create_only: true },
      { name: "password", vi: "Mật khẩu (ít nhất 8 ký tự)", en: "Password (8 characters or more)", type: "password", create_only: true },
      { name: "full_name", vi: "Họ và tên", en: "Full name", required: true },
      { name: "role", vi: "Vai trò", en: "Role", type: "select", options: ROLES },
      { name: "site_id", vi: "Điểm phục vụ", en: "Site", type: "select", numeric: true, optional: boot.province, options: siteOptions },
      { name: "counter_ids", vi: "Quầy được mở (không chọn: mọi quầy)", en: "Counters they may open (none: any)", type: "checks", options: [] }
    ],
    prepare: function (body, editing) {
      if (!editing && body.site_id === undefined) body.site_id = boot.province ? null : site;
    },
    actions: [function (item, reload) {
      return el("button", { type: "button", "class": "btn-small", "data-action": "password", onclick: function () {
        var old = document.getElementById("reset-form");
        if (old) old.remove();
        var box = el("input", { type: "password", id: "reset-password", autocomplete: "new-password", minlength: 8 });
        var resetForm = el("form", { id: "reset-form", "class": "row" }, [
          el("label", { "for": "reset-password" }, [bi("Mật khẩu mới cho " + item.username, "New password")]), box,
          el("button", { type: "submit", "class": "btn-small", id: "reset-submit" }, [bi("Đặt lại", "Reset")])
        ]);
        resetForm.addEventListener("submit", function (event) {
          event.preventDefault();
          request("POST", API + "/users/" + item.id + "/password", { new_password: box.value }).then(function () {
            showOk("Đã đặt lại mật khẩu; mọi phiên đăng nhập của người này đã kết thúc.", "Password reset; all their sessions have ended.");
            resetForm.remove();
          }, function (error) { showError(error); });
        });
        this.parentNode.appendChild(resetForm);
        box.focus();
      } }, [bi("Mật khẩu", "Password")]);
    }],
    columns: [["username", "Tên đăng nhập", "Username"], ["full_name", "Họ tên", "Name"], ["role", "Vai trò", "Role", function (u) { return label(ROLES, u.role); }],
      ["site_id", "Điểm", "Site", function (u) { return u.site_id === null ? "Toàn tỉnh · Province" : label(siteOptions, u.site_id); }],
      ["counter_ids", "Quầy", "Counters", function (u) { return u.counter_ids.map(function (id) { return label(counterOptions, id); }).join(", "); }],
      activeColumn]
  };

  KINDS.devices = {
    list: function () { return API + "/devices"; },
    create: function () { return API + "/devices"; },
    fields: [
      { name: "kind", vi: "Loại", en: "Kind", type: "select", options: [["kiosk", "Kiosk"], ["display", "Màn hình · Display"]] },
      { name: "name", vi: "Tên", en: "Name", required: true },
      { name: "zone", vi: "Khu vực (màn hình)", en: "Zone (display)" },
      { name: "site_id", vi: "Điểm phục vụ", en: "Site", type: "select", numeric: true, options: siteOptions }
    ],
    prepare: function (body) { if (!body.zone) body.zone = null; },
    after: function (saved) {
      errorBox.hidden = true;
      okBox.textContent = "";
      okBox.appendChild(el("span", {}, [bi("Đã đăng ký «" + saved.name + "». Mã thiết bị chỉ hiện một lần này: hãy chép vào cài đặt của thiết bị.",
        "Registered. The device token is shown this once: copy it into the device's settings.")]));
      okBox.appendChild(el("code", { "class": "token", id: "device-token", text: saved.token }));
      okBox.hidden = false;
    },
    actions: [function (item, reload) {
      if (item.revoked_at) return null;
      return el("button", { type: "button", "class": "btn-small danger", "data-action": "revoke", onclick: function () {
        request("POST", API + "/devices/" + item.id + "/revoke", {}).then(function () {
          showOk("Đã thu hồi mã của thiết bị.", "The device's token is revoked.");
          reload();
        }, function (error) { showError(error); });
      } }, [bi("Thu hồi", "Revoke")]);
    }],
    columns: [["id", "Số", "Id"], ["kind", "Loại", "Kind"], ["name", "Tên", "Name"], ["zone", "Khu vực", "Zone"],
      ["site_id", "Điểm", "Site", function (d) { return label(siteOptions, d.site_id); }],
      ["last_seen_at", "Lần cuối thấy", "Last seen", function (d) { return localTime(d.last_seen_at); }],
      ["revoked_at", "Thu hồi lúc", "Revoked", function (d) { return d.revoked_at ? localTime(d.revoked_at) : ""; }]]
  };
  if (site) KINDS.devices.fields[3].options = siteOptions.filter(function (o) { return o[0] === site; }).concat(
    siteOptions.filter(function (o) { return o[0] !== site; }));

  // ---------------------------------------------------------------- import

  function importSection() {
    content.textContent = "";
    var file = el("input", { type: "file", id: "import-file", accept: ".xlsx,.csv" });
    var result = el("div", { id: "import-result" });
    function send(apply) {
      var chosen = file.files[0];
      if (!chosen) {
        showError({ body: { message: "Hãy chọn tệp XLSX hoặc CSV.", message_en: "Choose an XLSX or CSV file." } });
        return;
      }
      var reader = new FileReader();
      reader.onload = function () {
        var base64 = String(reader.result).split(",")[1] || "";
        request("POST", API + "/sites/" + site + "/import", { filename: chosen.name, content_base64: base64, apply: apply })
          .then(function (outcome) {
            show(outcome.rows, outcome);
            if (outcome.applied) {
              showOk("Đã nhập: " + outcome.created.services + " dịch vụ, " + outcome.created.counters + " quầy mới; " +
                outcome.updated.services + " dịch vụ, " + outcome.updated.counters + " quầy cập nhật.",
              "Imported: " + outcome.created.services + " new services, " + outcome.created.counters + " new counters.");
            } else if (outcome.valid) {
              showOk("Tệp hợp lệ. Bấm «Nhập» để ghi tất cả.", "The file is valid. Press Import to write it all.");
            } else {
              showError({ body: { message: "Tệp có dòng sai; chưa ghi gì.", message_en: "The file has wrong rows; nothing was written." } });
            }
          }, function (error) {
            showError(error);
            if (error.body && error.body.details && error.body.details.rows) show(error.body.details.rows, null);
          });
      };
      reader.readAsDataURL(chosen);
    }
    function show(rows, outcome) {
      result.textContent = "";
      result.appendChild(el("table", { "class": "list", id: "import-rows" }, [
        el("thead", {}, [el("tr", {}, [el("th", {}, [bi("Trang", "Sheet")]), el("th", {}, [bi("Dòng", "Row")]),
          el("th", {}, [bi("Mã", "Code")]), el("th", {}, [bi("Việc", "Action")]), el("th", {}, [bi("Lỗi", "Errors")])])]),
        el("tbody", {}, rows.map(function (row) {
          var errors = Object.keys(row.errors || {}).map(function (name) { return name + ": " + row.errors[name].join("; "); });
          return el("tr", { "class": errors.length ? "bad" : "" }, [
            el("td", { text: row.sheet }), el("td", { text: String(row.row) }), el("td", { text: row.code || "" }),
            el("td", { text: row.action || "" }), el("td", { text: errors.join(" | ") })]);
        }))
      ]));
    }
    content.appendChild(el("div", { "class": "card" }, [
      el("p", {}, [bi("Tệp XLSX có hai trang «services» và «counters», hoặc tệp CSV có cột «kind». Khối và dãy số phải có trước. Không ghi gì nếu có dòng sai.",
        "An XLSX file with sheets 'services' and 'counters', or a CSV file with a 'kind' column. Departments and series must exist. Nothing is written if any row is wrong.")]),
      el("p", {}, [
        el("a", { href: API + "/sites/" + site + "/import/template?format=xlsx", id: "template-xlsx" }, ["Tải tệp mẫu XLSX · XLSX template"]), " · ",
        el("a", { href: API + "/sites/" + site + "/import/template?format=csv", id: "template-csv" }, ["Tệp mẫu CSV · CSV template"])
      ]),
      el("div", { "class": "row" }, [file,
        el("button", { type: "button", "class": "btn-small", id: "import-preview", onclick: function () { send(false); } }, [bi("Xem trước", "Preview")]),
        el("button", { type: "button", "class": "btn-small primary", id: "import-apply", onclick: function () { send(true); } }, [bi("Nhập", "Import")])
      ])
    ]));
    content.appendChild(result);
  }

  // ---------------------------------------------------------------- audit log

  var OBJECT_TYPES = [["site", "Điểm phục vụ · Site"], ["department", "Khối · Department"], ["series", "Dãy số · Series"],
    ["service", "Dịch vụ · Service"], ["counter", "Quầy · Counter"], ["priority_category", "Ưu tiên · Priority"],
    ["user", "Người dùng · User"], ["device", "Thiết bị · Device"]];

  function auditSection() {
    content.textContent = "";
    var params = new URLSearchParams(location.search);
    var filters = el("form", { "class": "row card", id: "audit-filter" }, [
      fieldBox({ name: "object_type", vi: "Loại", en: "Kind", type: "select", optional: true, options: OBJECT_TYPES }, params.get("object_type")),
      fieldBox({ name: "object_id", vi: "Số (id)", en: "Id", type: "int" }, params.get("object_id")),
      fieldBox({ name: "user_id", vi: "Người dùng", en: "User", type: "select", optional: true, options: [] }, params.get("user_id")),
      el("button", { type: "submit", "class": "btn-small primary", id: "audit-apply" }, [bi("Lọc", "Filter")])
    ]);
    var list = el("div", { id: "audit-list" });
    content.appendChild(filters);
    content.appendChild(list);
    request("GET", API + "/users").then(function (users) {
      var select = filters.elements.user_id;
      users.forEach(function (u) { select.appendChild(el("option", { value: u.id, text: u.username + " · " + u.full_name })); });
      if (params.get("user_id")) select.value = params.get("user_id");
    });
    function load() {
      var query = new URLSearchParams();
      ["object_type", "object_id", "user_id"].forEach(function (name) {
        var value = filters.elements[name].value;
        if (value) query.set(name, value);
      });
      if (site && !boot.province) query.set("site_id", site);
      history.replaceState(null, "", location.pathname + "?" + (site ? "site=" + site + "&" : "") + query.toString());
      request("GET", API + "/audit?" + query.toString()).then(function (entries) {
        list.textContent = "";
        list.appendChild(el("table", { "class": "list", id: "audit-rows" }, [
          el("thead", {}, [el("tr", {}, [el("th", {}, [bi("Lúc", "When")]), el("th", {}, [bi("Ai", "Who")]),
            el("th", {}, [bi("Đối tượng", "Object")]), el("th", {}, [bi("Việc", "Action")]), el("th", {}, [bi("Trước → sau", "Before → after")])])]),
          el("tbody", {}, entries.map(function (entry) {
            return el("tr", { "data-id": entry.id }, [
              el("td", { text: localTime(entry.at) }), el("td", { text: entry.actor_name }),
              el("td", { text: entry.object_type + " #" + (entry.object_id || "") }),
              el("td", { text: entry.action }), el("td", {}, [changes(entry)])]);
          }))
        ]));
      }, function (error) { showError(error); });
    }
    filters.addEventListener("submit", function (event) { event.preventDefault(); load(); });
    load();
  }

  function changes(entry) {
    var before = entry.before || {}, after = entry.after || {};
    var keys = Object.keys(after);
    if (!entry.before) return el("span", { "class": "muted", text: entry.action === "create" ? keys.length + " trường · fields" : "" });
    return el("ul", { "class": "diff" }, keys.map(function (key) {
      return el("li", {}, [el("b", { text: key + ": " }), JSON.stringify(before[key]) + " → " + JSON.stringify(after[key])]);
    }));
  }

  // ---------------------------------------------------------------- own password

  function passwordSection() {
    content.textContent = "";
    var node = el("form", { "class": "card edit-form", id: "password-form" }, [
      fieldBox({ name: "old_password", vi: "Mật khẩu hiện tại", en: "Current password", type: "password", required: true }),
      fieldBox({ name: "new_password", vi: "Mật khẩu mới (ít nhất 8 ký tự)", en: "New password (8 characters or more)", type: "password", required: true }),
      fieldBox({ name: "confirm", vi: "Nhập lại mật khẩu mới", en: "New password again", type: "password", required: true }),
      el("button", { type: "submit", "class": "btn btn-primary", id: "password-submit" }, ["Đổi mật khẩu · Change password"])
    ]);
    node.addEventListener("submit", function (event) {
      event.preventDefault();
      if (node.elements.new_password.value !== node.elements.confirm.value) {
        showError({ body: { message: "Hai lần nhập mật khẩu mới không giống nhau.", message_en: "The two new passwords differ.",
          details: { json: { confirm: ["Không khớp · Does not match"] } } } }, node);
        return;
      }
      request("POST", "/api/v1/auth/password", {
        old_password: node.elements.old_password.value, new_password: node.elements.new_password.value
      }).then(function () {
        window.location.href = "/admin/login?ended=1";
      }, function (error) { showError(error, node); });
    });
    content.appendChild(el("p", {}, [bi("Sau khi đổi, mọi phiên đăng nhập của bạn kết thúc; hãy đăng nhập lại bằng mật khẩu mới.",
      "Afterwards every session of yours ends; sign in again with the new password.")]));
    content.appendChild(node);
  }

  // ---------------------------------------------------------------- start

  var name = boot.section;
  if (name === "password") passwordSection();
  else if (name === "forbidden") {
    content.textContent = "";
    content.appendChild(el("p", { "class": "error" }, [bi("Chỉ quản trị viên mới dùng được các trang này.", "Only administrators may use these pages.")]));
  } else if (name === "import") { if (!needSite()) importSection(); }
  else if (name === "audit") auditSection();
  else if (KINDS[name]) {
    var perSite = ["departments", "series", "services", "counters", "priority-categories"].indexOf(name) >= 0;
    if (!(perSite && needSite())) section(KINDS[name]);
  }
}());
