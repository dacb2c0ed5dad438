/* hangdoi: the phone tracking page (/t/<tracking token>).
 *
 * The page starts from the ticket the server rendered into #boot, then follows the ticket
 * and its service over Socket.IO. A call of this ticket is shown at once from the pushed
 * event itself (with a chime and a vibration); every event also schedules one debounced
 * re-read of /api/v1/track/<token>, which brings the people ahead and the estimated wait.
 */
(function () {
  "use strict";

  var H = window.Hangdoi;
  var el = H.el;
  var boot = H.boot();
  var token = boot.token;
  var ticket = boot.ticket;
  var lang = "vi";
  try { lang = localStorage.getItem("hangdoi.lang") === "en" ? "en" : "vi"; } catch (e) { /* private mode */ }

  var connection = null;
  var connectionStatus = "connecting";
  var transferredNotice = false;
  var alertPending = false; // a call arrived in a replay: ring once the replay is over
  var confirmOpen = false;
  var errorText = null;
  var gone = false; // the token no longer finds a ticket
  var updatedAt = null;

  // A re-read begun before the latest event about this ticket is stale: `generation` tells.
  var generation = 0;
  var refreshTimer = null;
  var refreshing = false;
  var refreshAgain = false;
  var REFRESH_DELAY_MS = 300;
  var PERIODIC_REFRESH_MS = 60000;

  var TEXT = {
    vi: {
      your_number: "Số thứ tự của bạn",
      ahead: "{n} người đang chờ trước bạn",
      ahead_none: "Bạn là người tiếp theo",
      wait: "Thời gian chờ dự kiến: khoảng {m} phút",
      wait_range: "Thời gian chờ dự kiến: {text}",
      wait_soon: "Sắp đến lượt bạn, vui lòng chú ý",
      counters: "Phục vụ tại quầy số {list}",
      call_title: "Mời bạn đến quầy số {n}",
      call_sub: "Vui lòng mang theo phiếu và giấy tờ.",
      call_again: "Đã gọi {k} lần",
      serving: "Bạn đang được phục vụ tại quầy số {n}",
      serving_sub: "Chúc bạn hoàn thành thủ tục thuận lợi.",
      held: "Hồ sơ của bạn đang được tạm giữ",
      held_sub: "Vui lòng chờ, quầy số {n} sẽ gọi lại bạn.",
      done: "Đã hoàn thành. Cảm ơn bạn!",
      done_sub: "Cảm ơn bạn đã sử dụng dịch vụ của Trung tâm.",
      no_show: "Bạn đã vắng mặt khi được gọi",
      no_show_sub: "Số này đã bị bỏ qua. Vui lòng liên hệ quầy hướng dẫn để được hỗ trợ.",
      cancelled: "Số này đã được huỷ",
      cancelled_sub: "Bạn có thể lấy số mới tại ki-ốt.",
      transferred: "Số của bạn đã được chuyển sang dịch vụ khác",
      transferred_sub: "Trang đang cập nhật…",
      transferred_notice: "Đã chuyển sang: {service}",
      expired: "Số này đã hết hạn",
      expired_sub: "Số thứ tự chỉ có giá trị trong ngày được cấp.",
      gone: "Không còn tìm thấy số này",
      gone_sub: "Vui lòng hỏi quầy hướng dẫn.",
      sound_on: "Bật âm thanh và rung khi được gọi",
      sound_ready: "Đã bật âm thanh và rung",
      cancel: "Huỷ số",
      confirm_text: "Bạn chắc chắn muốn huỷ số {number}? Bạn sẽ mất lượt chờ.",
      confirm_yes: "Có, huỷ số",
      confirm_no: "Không",
      cancel_failed: "Không huỷ được số: {message}",
      network_error: "Không kết nối được máy chủ. Vui lòng thử lại.",
      live: "Đang cập nhật trực tiếp",
      connecting: "Đang kết nối…",
      offline: "Mất kết nối, đang thử kết nối lại…",
      refused: "Không theo dõi trực tiếp được số này",
      missing: "Thiếu thư viện cập nhật trực tiếp (socket.io-client); trang không tự cập nhật.",
      updated: "cập nhật lúc {time}",
      lang_button: "EN"
    },
    en: {
      your_number: "Your ticket number",
      ahead: "{n} people ahead of you",
      ahead_one: "1 person ahead of you",
      ahead_none: "You are next",
      wait: "Estimated wait: about {m} min",
      wait_range: "Estimated wait: {text}",
      wait_soon: "Your turn is coming, please stay close",
      counters: "Served at counter {list}",
      call_title: "Please go to counter {n}",
      call_sub: "Please bring your slip and your documents.",
      call_again: "Called {k} times",
      serving: "You are being served at counter {n}",
      serving_sub: "We wish you a smooth procedure.",
      held: "Your ticket is on hold",
      held_sub: "Please wait: counter {n} will call you again.",
      done: "Done. Thank you!",
      done_sub: "Thank you for using the Centre's services.",
      no_show: "You were not there when called",
      no_show_sub: "This number was skipped. Please ask at the information desk.",
      cancelled: "This ticket was cancelled",
      cancelled_sub: "You can take a new number at the kiosk.",
      transferred: "Your ticket was moved to another service",
      transferred_sub: "Updating…",
      transferred_notice: "Moved to: {service}",
      expired: "This ticket has expired",
      expired_sub: "Tickets are valid on the day they are issued.",
      gone: "This ticket can no longer be found",
      gone_sub: "Please ask at the information desk.",
      sound_on: "Turn on sound and vibration for the call",
      sound_ready: "Sound and vibration are on",
      cancel: "Cancel ticket",
      confirm_text: "Cancel ticket {number}? You will lose your place in the queue.",
      confirm_yes: "Yes, cancel it",
      confirm_no: "No, keep it",
      cancel_failed: "Could not cancel the ticket: {message}",
      network_error: "Could not reach the server. Please try again.",
      live: "Live",
      connecting: "Connecting…",
      offline: "Connection lost, reconnecting…",
      refused: "This ticket cannot be followed live",
      missing: "The live-update library (socket.io-client) is missing; this page will not update.",
      updated: "updated {time}",
      lang_button: "VI"
    }
  };

  function t(key, params) {
    var text = TEXT[lang][key];
    if (text === undefined) text = TEXT.vi[key];
    Object.keys(params || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(String(params[name]));
    });
    return H.nfc(text);
  }

  function name(item) {
    if (!item) return "";
    return H.nfc(lang === "en" && item.name_en ? item.name_en : item.name_vi);
  }

  function show(id, visible) { el(id).hidden = !visible; }

  function setText(id, text) {
    var node = el(id);
    if (node.textContent !== text) node.textContent = text;
  }

  // ---------------------------------------------------------------- rendering

  function counterNumber() {
    return ticket.counter ? ticket.counter.number : (ticket.target_counter ? ticket.target_counter.number : "");
  }

  function render() {
    var state = gone ? "gone" : ticket.state;
    document.documentElement.lang = lang;
    el("app").setAttribute("data-state", state);
    setText("lang", t("lang_button"));
    setText("site-name", name(boot.site));
    setText("number", H.nfc(ticket.number));
    setText("service", name(ticket.service));
    document.querySelectorAll("[data-t]").forEach(function (node) {
      var text = t(node.getAttribute("data-t"));
      if (node.textContent !== text) node.textContent = text;
    });

    show("status-waiting", state === "waiting");
    show("status-called", state === "called");
    show("status-other", state !== "waiting" && state !== "called");

    if (state === "waiting") {
      var n = ticket.people_ahead;
      setText("ahead", String(n));
      el("ahead").hidden = n === 0;
      setText("ahead-text", n === 0 ? t("ahead_none")
        : (lang === "en" && n === 1 ? t("ahead_one") : t("ahead", { n: n }).replace(String(n), "").trim()));
      // The range the server sends (contract/waits.py), never a bare "0 phút" while
      // people are ahead; "your turn is coming" only when nobody is.
      var range = ticket.estimated_wait_range;
      var words = lang === "en" ? ticket.estimated_wait_text_en : ticket.estimated_wait_text_vi;
      if (n === 0 && (!range || range[1] <= 5)) setText("wait", t("wait_soon"));
      else if (words) setText("wait", t("wait_range", { text: words }));
      else setText("wait", t("wait", { m: Math.max(1, ticket.estimated_wait_minutes || 0) }));
      var counters = (ticket.serving_counters || []).join(", ");
      var notice = transferredNotice ? t("transferred_notice", { service: name(ticket.service) }) : "";
      setText("counters", [notice, counters ? t("counters", { list: counters }) : ""].filter(Boolean).join(" · "));
    } else if (state === "called") {
      setText("call-counter", String(counterNumber()));
      setText("call-title", t("call_title", { n: counterNumber() }));
      var sub = [];
      var counterName = name(ticket.counter);
      if (counterName && counterName.indexOf(String(counterNumber())) < 0) sub.push(counterName);
      if (ticket.call_count > 1) sub.push(t("call_again", { k: ticket.call_count }));
      sub.push(t("call_sub"));
      setText("call-sub", sub.join(" · "));
    } else {
      var key = {
        serving: "serving", held: "held", done: "done", no_show: "no_show", cancelled: "cancelled",
        transferred: "transferred", expired: "expired", gone: "gone"
      }[state] || "gone";
      setText("other-title", t(key, { n: counterNumber() }));
      setText("other-sub", t(key + "_sub", { n: counterNumber() }));
    }

    var waiting = state === "waiting";
    show("cancel", waiting && !confirmOpen);
    show("confirm", waiting && confirmOpen);
    setText("confirm-text", t("confirm_text", { number: ticket.number }));
    var soundUseful = ["waiting", "held", "called"].indexOf(state) >= 0;
    show("sound", soundUseful);
    el("sound").classList.toggle("is-on", H.audioRunning());
    setText("sound", H.audioRunning() ? t("sound_ready") : t("sound_on"));
    show("actions", soundUseful || waiting);
    show("error", !!errorText);
    if (errorText) setText("error", errorText);

    el("live").setAttribute("data-status", connectionStatus);
    var liveText = t(connectionStatus);
    if (connectionStatus === "live" && updatedAt) {
      liveText += " · " + t("updated", { time: updatedAt.toLocaleTimeString(lang === "en" ? "en-GB" : "vi-VN", {
        timeZone: "Asia/Ho_Chi_Minh", hour: "2-digit", minute: "2-digit", second: "2-digit" }) });
    }
    setText("live-text", liveText);
  }

  // ---------------------------------------------------------------- the call alert

  function alertCall() {
    el("status").classList.remove("ring");
    void el("status").offsetWidth; // restart the CSS animation
    el("status").classList.add("ring");
    H.chime();
    if (navigator.vibrate) {
      try { navigator.vibrate([400, 150, 400, 150, 800]); } catch (e) { /* not allowed */ }
    }
  }

  // ---------------------------------------------------------------- refresh by REST

  function scheduleRefresh(delay) {
    if (refreshTimer !== null) return; // one re-read for a burst of events
    refreshTimer = window.setTimeout(function () {
      refreshTimer = null;
      refresh();
    }, delay === undefined ? REFRESH_DELAY_MS : delay);
  }

  function refresh() {
    if (refreshing) { refreshAgain = true; return; }
    refreshing = true;
    var started = generation;
    fetch("/api/v1/track/" + encodeURIComponent(token), { cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 404) { gone = true; return null; }
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (fresh) {
        if (fresh && started === generation) {
          if (fresh.id !== ticket.id && connection) connection.reconnect(); // transferred: new rooms
          ticket = fresh;
          gone = false;
          updatedAt = new Date();
        } else if (fresh) {
          refreshAgain = true; // an event came in meanwhile: read again after it
        }
      })
      .catch(function () { /* the socket status tells the visitor; the next event retries */ })
      .then(function () {
        refreshing = false;
        render();
        if (refreshAgain) { refreshAgain = false; scheduleRefresh(); }
      });
  }

  // ---------------------------------------------------------------- live events

  function onEvent(eventName, envelope, replayed) {
    var data = envelope.data || {};
    if (data.ticket && data.ticket.id === ticket.id) {
      generation += 1;
      var wasCalled = ticket.state === "called";
      ticket.state = data.ticket.state;
      ticket.call_count = data.ticket.call_count;
      if (data.counter) ticket.counter = data.counter;
      if (eventName === "ticket.transferred") transferredNotice = true;
      var isCall = eventName === "ticket.called" || eventName === "ticket.recalled" ||
        (ticket.state === "called" && !wasCalled);
      if (isCall) {
        if (replayed) alertPending = true;
        else alertCall();
      } else if (ticket.state !== "called") {
        alertPending = false;
      }
      confirmOpen = false;
      render();
      if (eventName === "ticket.transferred") { scheduleRefresh(0); return; }
      scheduleRefresh(); // counter names, times: what the event does not carry
    }
    // A queue move needs no read: the server pushes this ticket's new place (onStanding).
  }

  // The four wait fields of contract/waits.py, from a push or a snapshot.
  function copyWait(from, to) {
    if (typeof from.estimated_wait_minutes === "number") to.estimated_wait_minutes = from.estimated_wait_minutes;
    if ("estimated_wait_range" in from) {
      to.estimated_wait_range = from.estimated_wait_range;
      to.estimated_wait_text_vi = from.estimated_wait_text_vi;
      to.estimated_wait_text_en = from.estimated_wait_text_en;
    }
  }

  function onStanding(data) {
    if (ticket.state !== "waiting") return;
    if (typeof data.people_ahead === "number") ticket.people_ahead = data.people_ahead;
    copyWait(data, ticket);
    updatedAt = new Date();
    render();
  }

  function onSnapshot(snapshot) {
    var mine = snapshot.ticket;
    if (mine) {
      generation += 1;
      if (mine.id !== ticket.id) ticket.id = mine.id;
      ticket.state = mine.state;
      ticket.call_count = mine.call_count;
      if (typeof mine.people_ahead === "number") ticket.people_ahead = mine.people_ahead;
      copyWait(mine, ticket);
      (snapshot.calls || []).forEach(function (call) {
        if (call.ticket.id === mine.id) ticket.counter = call.counter;
      });
      updatedAt = new Date();
      render();
    }
    scheduleRefresh();
  }

  function onReady() {
    if (alertPending && ticket.state === "called") alertCall();
    alertPending = false;
    scheduleRefresh();
  }

  function onStatus(status) {
    connectionStatus = status;
    render();
  }

  // ---------------------------------------------------------------- buttons

  function cancelTicket() {
    errorText = null;
    fetch("/api/v1/track/" + encodeURIComponent(token) + "/cancel", {
      method: "POST", cache: "no-store", headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) {
          var message = lang === "en" ? (body.message_en || body.message) : (body.message || body.message_en);
          throw new Error(message || ("HTTP " + response.status));
        }
        generation += 1;
        ticket = body;
        confirmOpen = false;
      });
    }).catch(function (error) {
      errorText = error instanceof TypeError ? t("network_error") : t("cancel_failed", { message: error.message });
    }).then(render);
  }

  el("lang").addEventListener("click", function () {
    lang = lang === "vi" ? "en" : "vi";
    try { localStorage.setItem("hangdoi.lang", lang); } catch (e) { /* private mode */ }
    render();
  });
  el("sound").addEventListener("click", function () {
    H.unlockAudio().then(function (running) {
      if (running) H.chime();
      if (navigator.vibrate) { try { navigator.vibrate(200); } catch (e) { /* not allowed */ } }
      render();
    });
  });
  el("cancel").addEventListener("click", function () { confirmOpen = true; errorText = null; render(); el("confirm-no").focus(); });
  el("confirm-no").addEventListener("click", function () { confirmOpen = false; render(); });
  el("confirm-yes").addEventListener("click", cancelTicket);

  render();
  connection = H.connect({
    token: token, onSnapshot: onSnapshot, onEvent: onEvent, onStanding: onStanding, onReady: onReady,
    onStatus: onStatus
  });
  window.setInterval(function () { if (!gone) scheduleRefresh(0); }, PERIODIC_REFRESH_MS);
  window.hangdoiTrack = { connection: connection, state: function () { return ticket; } }; // for the tests
})();
