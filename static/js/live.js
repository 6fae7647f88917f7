// Live delivery (issue 10): the page's Server-Sent Events stream, opened by htmx-ext-sse from the
// layout's <body sse-connect>. The badge and the list refresh themselves on its events
// (hx-trigger="sse:..."); this file adds what attributes cannot say. Every page works without it.
(function () {
  "use strict";
  var body = document.body;
  if (!body || !body.hasAttribute("sse-connect") || !window.htmx) return;

  // The polls the stream makes unnecessary while it is up (they go on, untouched, when it drops).
  var POLLERS = "#unread-badge, #conversation-list, #thread-poller";
  var CONVERSATION_EVENTS = ["message-posted", "status-changed"];

  // Where this page is in the event sequence: the newest event when it was rendered, then every
  // event received. A new connection (the first, and the extension's reconnects after a failure)
  // asks to be replayed what came after it; the browser's own reconnects send Last-Event-ID.
  var lastEventId = body.getAttribute("data-live-after") || "";

  function setLive(on) {
    body.classList.toggle("live", on);
  }

  function remember(event) {
    if (event.lastEventId) lastEventId = event.lastEventId;
  }

  function watch(source) {
    // "ready": subscribed and caught up, so the polls may rest. Until then, and after any error, they run.
    source.addEventListener("ready", function () { setLive(true); });
    source.addEventListener("error", function () { setLive(false); });
    // The session or token no longer holds: stop for good; the next poll leads to the sign-in page.
    source.addEventListener("ended", function () { setLive(false); source.close(); });
    ["conversation-started", "message-posted", "status-changed", "conversation-read", "resync"].forEach(function (name) {
      source.addEventListener(name, remember);
      source.addEventListener(name, function () { noteBusyPanels(name); });
    });
    CONVERSATION_EVENTS.forEach(function (name) {
      source.addEventListener(name, function (event) { refreshThread(conversationOf(event)); });
    });
    source.addEventListener("resync", function () { refreshThread(null); });
  }

  htmx.createEventSource = function (url) {
    var target = url;
    if (lastEventId) target += (url.indexOf("?") === -1 ? "?" : "&") + "after=" + encodeURIComponent(lastEventId);
    var source = new EventSource(target, { withCredentials: true });
    watch(source);
    quietWhileReconnecting(source);
    return source;
  };

  // A panel busy refreshing when an event arrives replaces itself with an answer that may predate
  // the event, and htmx drops requests queued on an element that left the page: ask again once
  // the new panel has settled. (This listener runs before the extension's, so "busy" means "before this event".)
  var pending = {};
  function noteBusyPanels(name) {
    ["unread-badge", "conversation-list"].forEach(function (id) {
      var panel = document.getElementById(id);
      if (panel && panel.classList.contains("htmx-request")) pending[id] = "sse:" + name;
    });
  }
  document.addEventListener("htmx:afterSettle", function () {
    Object.keys(pending).forEach(function (id) {
      var panel = document.getElementById(id);
      if (!panel || panel.classList.contains("htmx-request") || !document.body.contains(panel)) return;
      var eventName = pending[id];
      delete pending[id];
      htmx.trigger(panel, eventName);
    });
  });

  // The extension reports every error event as a console error, also the ordinary ones after which
  // the browser reconnects by itself (a server restart, Redis away): hand it only real failures
  // (the connection closed for good, which it then retries with backoff).
  function quietWhileReconnecting(source) {
    var extensionHandler = null;
    Object.defineProperty(source, "onerror", {
      configurable: true,
      get: function () { return extensionHandler; },
      set: function (handler) { extensionHandler = handler; }
    });
    source.addEventListener("error", function (event) {
      if (source.readyState === EventSource.CLOSED && extensionHandler) extensionHandler.call(source, event);
    });
  }

  function conversationOf(event) {
    try {
      return String(JSON.parse(event.data).conversation_id);
    } catch (error) {
      return null;
    }
  }

  // The open thread asks for what is new when its own conversation changed (null: whatever is open).
  function refreshThread(conversationId) {
    var poller = document.getElementById("thread-poller");
    if (!poller) return;
    if (conversationId !== null && poller.getAttribute("data-conversation-id") !== conversationId) return;
    // Busy: the poller itself, or a form of this panel (one's own close or reopen, which redraws the
    // panel and the poller with it). Ask once the new panel has settled, or the answer has no target.
    if (poller.classList.contains("htmx-request") || document.querySelector("#thread-panel .htmx-request")) {
      pending["thread-poller"] = "live-update";
    } else {
      htmx.trigger(poller, "live-update");
    }
  }

  // While live, the timers' polls are dropped; requests with a triggering event (a push, a reply) go out.
  body.addEventListener("htmx:beforeRequest", function (event) {
    if (!body.classList.contains("live")) return;
    var config = event.detail.requestConfig;
    if (config && !config.triggeringEvent && event.detail.elt.matches(POLLERS)) event.preventDefault();
  });

  // A message can reach the thread twice when a push and one's own reply ask at the same moment:
  // keep the first copy.
  function dropRepeatedMessages() {
    var list = document.getElementById("thread-messages");
    if (!list) return;
    var seen = {};
    Array.prototype.slice.call(list.querySelectorAll(":scope > li[id]")).forEach(function (item) {
      if (seen[item.id]) item.remove();
      else seen[item.id] = true;
    });
  }
  document.addEventListener("htmx:oobAfterSwap", dropRepeatedMessages);
  document.addEventListener("htmx:afterSettle", dropRepeatedMessages);

  // A thread panel replaced by a push (a conversation reopened, say) keeps what was being typed.
  var draft = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var panel = document.getElementById("thread-panel");
    var box = panel && panel.querySelector("textarea[name=content]");
    draft = box && box.value && event.detail.target === panel
      ? { conversation: panel.getAttribute("data-conversation-id"), text: box.value }
      : null;
  });
  document.addEventListener("htmx:afterSwap", function () {
    if (!draft) return;
    var panel = document.getElementById("thread-panel");
    var box = panel && panel.querySelector("textarea[name=content]");
    if (box && !box.value && panel.getAttribute("data-conversation-id") === draft.conversation) box.value = draft.text;
    draft = null;
  });
})();
