/* hangdoi: the web hall display (/display?token=<display device token>).
 *
 * Follows its zone over Socket.IO: the newest call big (blinking for a while), the last
 * calls, the waiting count of each service that the zone's counters serve (a page at a
 * time, turning every few seconds, when they are more than the column holds), and a clock in
 * Vietnam time. Each live call plays the server's announcement (announcement.audio_url: the
 * chime and the words, one call after another, `repeat` times), with no dependence on the
 * browser's voices. A reconnect presents the last
 * event number seen, so the server replays what was missed or sends a fresh snapshot.
 */
(function () {
  "use strict";

  var H = window.Hangdoi;
  var el = H.el;
  var boot = H.boot();
  var TIME_ZONE = "Asia/Ho_Chi_Minh";
  var RECENT = 8; // calls listed under the newest one
  var BLINK_MS = 12000;
  var PAGE_MS = 6000; // each page of the waiting list stays this long

  var services = {}; // id -> {name_vi, name_en, counters: [numbers], position}
  var serviceOrder = [];
  var zoneCounters = null; // counter numbers of the zone (from the snapshot), null = all
  var waiting = {}; // service id -> waiting count
  var waitText = {}; // service id -> the wait of a newcomer, "khoảng 10–15 phút"
  var calls = []; // newest first: {ticketId, number, counter, service_vi, service_en, at, count}
  var shownKey = null; // the newest call on screen, to blink only when it changes
  var loaded = false; // the first snapshot is not announced
  var status = "connecting";
  var blinkTimer = null;
  var waitingPage = 0; // the page of the waiting list on screen
  var waitingPages = 1;
  var rowsPerPage = 0;

  var STATUS_TEXT = {
    connecting: "Đang kết nối… · Connecting…",
    live: "Trực tuyến · Live",
    offline: "Mất kết nối, đang kết nối lại… · Reconnecting…",
    refused: "Mã thiết bị không hợp lệ hoặc đã bị thu hồi · Device token refused",
    missing: "Thiếu socket.io-client: chạy make run · socket.io-client missing: run make run"
  };

  // ---------------------------------------------------------------- clock

  var timeFormat = new Intl.DateTimeFormat("vi-VN", { timeZone: TIME_ZONE, hour: "2-digit", minute: "2-digit", hour12: false });
  var dateFormat = new Intl.DateTimeFormat("vi-VN", { timeZone: TIME_ZONE, weekday: "long", day: "2-digit", month: "2-digit", year: "numeric" });

  function tick() {
    var now = new Date();
    el("clock-time").textContent = timeFormat.format(now);
    var date = H.nfc(dateFormat.format(now));
    el("clock-date").textContent = date.charAt(0).toUpperCase() + date.slice(1);
  }

  // ---------------------------------------------------------------- rendering

  function callFrom(ticket, counter, at) {
    return {
      ticketId: ticket.id, number: H.nfc(ticket.number), counter: counter.number,
      counterName: H.nfc(counter.name_vi), service_vi: H.nfc(ticket.service_name_vi),
      service_en: H.nfc(ticket.service_name_en), at: at, count: ticket.call_count
    };
  }

  function inZone(counter) {
    return !boot.zone || !counter || !counter.zone || counter.zone === boot.zone;
  }

  function renderNow() {
    var now = calls[0];
    el("now-number").textContent = now ? now.number : "–";
    el("now-counter").textContent = now ? String(now.counter) : "–";
    el("now-service").textContent = now ? now.service_vi : "";
    el("now").classList.toggle("empty", !now);
    var key = now ? now.ticketId + ":" + now.count + ":" + now.at : null;
    if (key !== shownKey) {
      shownKey = key;
      if (now && loaded) blink();
    }
  }

  function blink() {
    var card = el("now");
    card.classList.remove("blink");
    void card.offsetWidth; // restart the animation
    card.classList.add("blink");
    window.clearTimeout(blinkTimer);
    blinkTimer = window.setTimeout(function () { card.classList.remove("blink"); }, BLINK_MS);
  }

  function renderRecent() {
    var list = el("recent");
    var items = calls.slice(1, RECENT + 1);
    list.textContent = "";
    items.forEach(function (call) {
      var li = document.createElement("li");
      var number = document.createElement("span");
      number.className = "recent-number";
      number.textContent = call.number;
      var arrow = document.createElement("span");
      arrow.className = "recent-arrow";
      arrow.setAttribute("aria-hidden", "true");
      arrow.textContent = "→";
      var counter = document.createElement("span");
      counter.className = "recent-counter";
      counter.textContent = String(call.counter);
      li.append(number, arrow, counter);
      list.appendChild(li);
    });
    for (var i = items.length; i < RECENT; i++) {
      var empty = document.createElement("li");
      empty.className = "placeholder";
      list.appendChild(empty);
    }
  }

  function zoneServices() {
    return serviceOrder.filter(function (id) {
      if (!zoneCounters) return true;
      return services[id].counters.some(function (n) { return zoneCounters.indexOf(n) >= 0; });
    });
  }

  // A queue row (contract.events.ServiceQueue): its count and the wait of a newcomer.
  function takeQueueRow(row) {
    waiting[row.service_id] = row.waiting;
    if (row.estimated_wait_text_vi) waitText[row.service_id] = row.estimated_wait_text_vi;
  }

  function renderWaiting() {
    var list = el("waiting");
    list.textContent = "";
    zoneServices().forEach(function (id) {
      var service = services[id];
      var count = waiting[id] || 0;
      var li = document.createElement("li");
      li.className = count > 0 ? "has-waiting" : "no-waiting";
      li.setAttribute("data-service-id", String(id));
      var label = document.createElement("span");
      label.className = "waiting-name";
      var vi = document.createElement("span");
      vi.className = "waiting-vi";
      vi.textContent = H.nfc(service.name_vi);
      var counters = document.createElement("span");
      counters.className = "waiting-counters";
      counters.textContent = "Quầy " + service.counters.filter(function (n) {
        return !zoneCounters || zoneCounters.indexOf(n) >= 0;
      }).join(", ");
      label.append(vi, counters);
      if (count > 0 && waitText[id]) {
        var eta = document.createElement("span");
        eta.className = "waiting-eta";
        eta.textContent = "Chờ " + waitText[id];
        label.appendChild(eta);
      }
      var badge = document.createElement("span");
      badge.className = "waiting-count";
      badge.textContent = String(count);
      li.append(label, badge);
      list.appendChild(li);
    });
    layoutWaiting();
  }

  // Never cut the list: when the rows are more than the column holds, split them into pages
  // of what fits (measured, so any screen and font size works) and turn them every PAGE_MS.
  function layoutWaiting() {
    var list = el("waiting");
    var section = list.parentNode;
    var rows = Array.prototype.slice.call(list.children);
    rows.forEach(function (li) { li.hidden = false; });
    section.classList.remove("paged");
    var fit = rowsThatFit(list, rows);
    if (fit < rows.length) {
      section.classList.add("paged"); // the page number takes a line from the list
      fit = rowsThatFit(list, rows);
    }
    waitingPages = Math.max(1, Math.ceil(rows.length / Math.max(1, fit)));
    rowsPerPage = Math.max(1, Math.ceil(rows.length / waitingPages)); // pages of even length
    if (waitingPage >= waitingPages) waitingPage = 0;
    showWaitingPage();
  }

  function rowsThatFit(list, rows) {
    var bottom = list.getBoundingClientRect().bottom + 0.5;
    return rows.filter(function (li) { return li.getBoundingClientRect().bottom <= bottom; }).length;
  }

  function showWaitingPage() {
    var list = el("waiting");
    Array.prototype.forEach.call(list.children, function (li, index) {
      li.hidden = Math.floor(index / rowsPerPage) !== waitingPage;
    });
    var text = (waitingPage + 1) + "/" + waitingPages;
    el("waiting-page").textContent = "Trang " + text + " · Page " + text;
    list.setAttribute("data-page", String(waitingPage + 1));
    list.setAttribute("data-pages", String(waitingPages));
  }

  function nextWaitingPage() {
    if (waitingPages < 2) return;
    waitingPage = (waitingPage + 1) % waitingPages;
    showWaitingPage();
  }

  function renderStatus() {
    el("live").setAttribute("data-status", status);
    el("live-text").textContent = STATUS_TEXT[status] || status;
    el("sound").hidden = (H.audioRunning() || canPlay) && !blocked;
  }

  function render() {
    renderNow();
    renderRecent();
    renderWaiting();
    renderStatus();
  }

  // ---------------------------------------------------------------- sound and voice

  // The server's announcement (announcement.audio_url): a WAV with the chime and the words,
  // the same file the Qt display plays. One <audio> element, so two calls never sound at
  // once: they wait in a queue, each played `repeat` times (site setting).
  var player = new Audio();
  player.preload = "auto";
  var announcements = [];
  var announcing = false;
  var blocked = false; // the browser refused to play before a tap on the page
  var canPlay = false; // an announcement has played: the page may play sound
  var played = []; // what was heard, for the tests: {url, duration, heard}
  var MAX_QUEUE = 4; // a burst: say the latest ones
  var STUCK_MS = 30000; // a file that never ends does not stop the queue

  function announce(envelope) {
    var data = envelope.data || {};
    var said = data.announcement || {};
    announcements.push({
      url: said.audio_url || null,
      repeat: Math.max(1, Math.min(5, said.repeat || 1)),
      text: said.text_vi || ""
    });
    if (announcements.length > MAX_QUEUE) announcements.shift();
    if (!announcing) nextAnnouncement();
  }

  function nextAnnouncement() {
    var item = announcements.shift();
    if (item === undefined) { announcing = false; return; }
    announcing = true;
    if (!item.url) { // a server without voice: the chime of the page
      window.setTimeout(nextAnnouncement, H.chime() * 1000);
      return;
    }
    var left = item.repeat;
    var guard = null;
    var startedAt = null;
    function done() {
      window.clearTimeout(guard);
      player.onended = player.onerror = null;
      nextAnnouncement();
    }
    function playOnce() {
      window.clearTimeout(guard);
      guard = window.setTimeout(done, STUCK_MS);
      player.currentTime = 0;
      var playing = player.play();
      if (playing && playing.catch) {
        playing.then(function () {
          if (startedAt === null) startedAt = performance.now();
          blocked = false;
          canPlay = true;
          renderStatus();
        }, function () {
          blocked = true; // autoplay refused: ring the page's chime, ask for a tap
          renderStatus();
          H.chime();
          done();
        });
      }
    }
    player.onended = function () {
      played.push({
        url: item.url, duration: player.duration, startedAt: startedAt, endedAt: performance.now(),
        heard: player.played.length ? player.played.end(player.played.length - 1) : 0
      });
      startedAt = null;
      left -= 1;
      if (left > 0) playOnce(); else done();
    };
    player.onerror = done;
    player.src = item.url;
    playOnce();
  }

  // ---------------------------------------------------------------- live events

  var newestBeforeSync = null;

  function onSnapshot(snapshot) {
    var fresh = (snapshot.calls || []).filter(function (call) { return inZone(call.counter); })
      .map(function (call) { return callFrom(call.ticket, call.counter, call.called_at); });
    var known = {};
    fresh.forEach(function (call) { known[call.ticketId] = true; });
    calls = fresh.concat(calls.filter(function (call) { return !known[call.ticketId]; }))
      .sort(function (a, b) { return a.at < b.at ? 1 : a.at > b.at ? -1 : 0; })
      .slice(0, RECENT + 1);
    if (snapshot.counters && snapshot.counters.length) {
      zoneCounters = snapshot.counters.filter(function (row) { return inZone(row.counter); })
        .map(function (row) { return row.counter.number; });
    }
    waiting = {};
    (snapshot.queues || []).forEach(takeQueueRow);
    render();
  }

  function onEvent(name, envelope, replayed) {
    var data = envelope.data || {};
    if (name === "ticket.called" || name === "ticket.recalled" ||
        (data.announcement && data.counter && data.ticket && data.ticket.state === "called")) {
      if (!data.counter || !inZone(data.counter)) return;
      var call = callFrom(data.ticket, data.counter, envelope.at);
      calls = [call].concat(calls.filter(function (c) { return c.ticketId !== call.ticketId; })).slice(0, RECENT + 1);
      renderNow();
      renderRecent();
      if (!replayed) announce(envelope);
    } else if (name === "queue.changed") {
      (data.services || []).forEach(takeQueueRow);
      renderWaiting();
    }
  }

  function onStatus(next) {
    if (next === "offline" && loaded && newestBeforeSync === null) newestBeforeSync = calls[0] ? calls[0].ticketId + ":" + calls[0].count : "";
    status = next;
    renderStatus();
  }

  function onReady() {
    var newest = calls[0] ? calls[0].ticketId + ":" + calls[0].count : null;
    if (loaded && newestBeforeSync !== null && newest !== null && newest !== newestBeforeSync) {
      H.chime(); // calls were made while this screen was away: ring once for the newest
    }
    loaded = true;
    newestBeforeSync = null;
    renderNow();
  }

  // ---------------------------------------------------------------- services (names)

  function loadServices() {
    fetch("/api/v1/sites/" + boot.site_id + "/services", {
      cache: "no-store", headers: { Accept: "application/json", Authorization: "Bearer " + boot.token }
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (rows) {
      services = {};
      serviceOrder = [];
      rows.forEach(function (row) {
        services[row.id] = { name_vi: row.name_vi, name_en: row.name_en, counters: row.counters || [] };
        serviceOrder.push(row.id);
      });
      renderWaiting();
    }).catch(function () {
      window.setTimeout(loadServices, 5000);
    });
  }

  // ---------------------------------------------------------------- start

  el("sound").addEventListener("click", function () {
    blocked = false; // the tap lets the page play from now on
    H.unlockAudio().then(renderStatus);
  });
  document.addEventListener("keydown", function () { H.unlockAudio().then(renderStatus); });

  tick();
  window.setInterval(tick, 1000);
  window.setInterval(nextWaitingPage, PAGE_MS);
  window.addEventListener("resize", layoutWaiting);
  render();
  loadServices();
  var connection = H.connect({
    token: boot.token, onSnapshot: onSnapshot, onEvent: onEvent, onReady: onReady, onStatus: onStatus
  });
  window.hangdoiDisplay = { // for the tests
    connection: connection,
    calls: function () { return calls; },
    played: function () { return played; },
    announcing: function () { return announcing; }
  };
})();
