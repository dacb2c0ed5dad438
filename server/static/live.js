/* hangdoi: what the phone page and the hall display share.
 *
 * - Hangdoi.connect(): one Socket.IO connection that presents its credential and the last
 *   event number it saw on every (re)connect, so the server replays what it missed (or
 *   sends a snapshot), drops duplicates by `seq`, and tells the page its status.
 * - Hangdoi.chime(): a bell-like chime synthesised with the WebAudio API (no audio file).
 * - Hangdoi.el(), Hangdoi.nfc(): small DOM and text helpers.
 * The event names and the envelope are those of contract/events.py.
 */
(function () {
  "use strict";

  var TICKET_EVENTS = [
    "ticket.issued", "ticket.called", "ticket.recalled", "ticket.serving", "ticket.finished",
    "ticket.no_show", "ticket.held", "ticket.returned", "ticket.transferred", "ticket.cancelled",
    "ticket.expired"
  ];
  var ALL_EVENTS = TICKET_EVENTS.concat(["queue.changed", "counter.changed", "catalog.changed", "device.health"]);

  // ---------------------------------------------------------------- sound

  var audioContext = null;

  function audio() {
    if (!audioContext) {
      var Ctor = window.AudioContext || window.webkitAudioContext;
      if (!Ctor) return null;
      audioContext = new Ctor();
    }
    return audioContext;
  }

  /* Browsers start audio only after a tap: call this from a click handler. */
  function unlockAudio() {
    var ctx = audio();
    if (!ctx) return Promise.resolve(false);
    return (ctx.state === "suspended" ? ctx.resume() : Promise.resolve()).then(function () {
      return ctx.state === "running";
    }, function () { return false; });
  }

  function audioRunning() {
    return !!audioContext && audioContext.state === "running";
  }

  /* Three falling bell tones (E5, C5, G4), about two seconds; returns its length in seconds. */
  function chime() {
    window.hangdoiChimes = (window.hangdoiChimes || 0) + 1; // counted for the tests
    var ctx = audio();
    if (!ctx) return 0;
    if (ctx.state === "suspended") ctx.resume().catch(function () {});
    var start = ctx.currentTime + 0.05;
    var master = ctx.createGain();
    master.gain.value = 0.8;
    master.connect(ctx.destination);
    [[659.25, 0], [523.25, 0.5], [392.0, 1.0]].forEach(function (note) {
      // A bell: the fundamental and a quieter inharmonic partial, struck and decaying.
      [[1, 0.5], [2.76, 0.08], [5.4, 0.03]].forEach(function (partial) {
        var osc = ctx.createOscillator();
        var gain = ctx.createGain();
        var at = start + note[1];
        osc.type = "sine";
        osc.frequency.value = note[0] * partial[0];
        gain.gain.setValueAtTime(0.0001, at);
        gain.gain.exponentialRampToValueAtTime(partial[1], at + 0.015);
        gain.gain.exponentialRampToValueAtTime(0.0001, at + 1.4);
        osc.connect(gain);
        gain.connect(master);
        osc.start(at);
        osc.stop(at + 1.5);
      });
    });
    return 2.5;
  }

  // ---------------------------------------------------------------- realtime

  /* opts: token (none: the browser session), siteId, province (every site's site.today rows
   *       instead of one site's events), onSnapshot(snapshot), onEvent(name, envelope, replayed),
   *       onReady(info), onSiteToday(row), onStatus(status, detail) with status one of
   *       connecting | live | offline | refused | missing. */
  function connect(opts) {
    var status = opts.onStatus || function () {};
    if (typeof window.io !== "function") {
      status("missing");
      return null;
    }
    var lastSeq = null;
    var replaying = true; // between connect and `ready` the events are what we missed
    var socket = window.io({
      auth: function (give) {
        var auth = opts.token ? { token: opts.token } : {};
        if (opts.province) auth.province = true; // a province-wide manager: every site's row
        else if (opts.siteId) auth.site_id = opts.siteId; // a province-wide manager picks the site
        if (lastSeq !== null) auth.last_seq = lastSeq;
        give(auth);
      },
      reconnectionDelay: 500,
      reconnectionDelayMax: 3000,
      timeout: 10000
    });

    // socket.io-client hands over what the server sent while connecting (the replay or the
    // snapshot, then `ready`) before its own "connect" event: `ready` is what tells "live".
    socket.on("snapshot", function (snapshot) {
      lastSeq = snapshot.seq;
      if (opts.onSnapshot) opts.onSnapshot(snapshot);
    });
    socket.on("ready", function (info) {
      if (typeof info.seq === "number" && (lastSeq === null || info.seq > lastSeq)) lastSeq = info.seq;
      replaying = false;
      status("live");
      if (opts.onReady) opts.onReady(info);
    });
    ALL_EVENTS.forEach(function (name) {
      socket.on(name, function (envelope) {
        if (!envelope || typeof envelope.seq !== "number") return;
        if (lastSeq !== null && envelope.seq <= lastSeq) return; // seen already
        lastSeq = envelope.seq;
        if (opts.onEvent) opts.onEvent(name, envelope, replaying);
      });
    });
    // Not in the numbered stream: the latest one is all that matters.
    socket.on("ticket.standing", function (envelope) {
      if (envelope && envelope.data && opts.onStanding) opts.onStanding(envelope.data);
    });
    socket.on("site.today", function (envelope) {
      if (envelope && envelope.data && opts.onSiteToday) opts.onSiteToday(envelope.data);
    });
    socket.on("connect_error", function (error) {
      if (error && error.data && error.data.error) {
        status("refused", error.data); // the server refused the credential: no retry
      } else {
        replaying = true;
        status("offline");
      }
    });
    socket.on("disconnect", function (reason) {
      replaying = true;
      status("offline");
      if (reason === "io server disconnect") socket.connect();
    });

    function reconnectNow() {
      if (!socket.connected) {
        socket.disconnect();
        socket.connect();
      }
    }
    window.addEventListener("online", reconnectNow);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") reconnectNow();
    });
    return {
      socket: socket,
      lastSeq: function () { return lastSeq; },
      reconnect: function () { socket.disconnect(); socket.connect(); }
    };
  }

  // ---------------------------------------------------------------- helpers

  function el(id) { return document.getElementById(id); }

  function nfc(text) {
    return text == null ? "" : String(text).normalize("NFC");
  }

  function boot() {
    return JSON.parse(el("boot").textContent);
  }

  window.Hangdoi = {
    TICKET_EVENTS: TICKET_EVENTS,
    ALL_EVENTS: ALL_EVENTS,
    connect: connect,
    chime: chime,
    unlockAudio: unlockAudio,
    audioRunning: audioRunning,
    el: el,
    nfc: nfc,
    boot: boot
  };
})();
