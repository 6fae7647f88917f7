// Small enhancements on top of htmx. Every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // ---- relative times: the server renders "5 min ago"; keep it fresh and show local time on hover.
  function relative(date) {
    var seconds = Math.round((Date.now() - date.getTime()) / 1000);
    if (seconds < 45) return "just now";
    var minutes = Math.round(seconds / 60);
    if (minutes < 60) return minutes + " min ago";
    var hours = Math.round(seconds / 3600);
    if (hours < 24) return hours + " h ago";
    var days = Math.round(seconds / 86400);
    if (days === 1) return "yesterday";
    if (days < 7) return days + " days ago";
    return date.toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
  }
  function refreshTimes(root) {
    (root || document).querySelectorAll("time[data-relative]").forEach(function (element) {
      var date = new Date(element.getAttribute("datetime"));
      if (isNaN(date)) return;
      element.textContent = relative(date);
      element.title = date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
    });
  }

  // ---- the list marks the open conversation (the list refreshes itself, so mark again after each swap).
  function markCurrentConversation() {
    var panel = document.getElementById("thread-panel");
    var openId = panel && panel.getAttribute("data-conversation-id");
    document.querySelectorAll("[data-conversation-link]").forEach(function (link) {
      var item = link.closest("[data-conversation-id]");
      if (openId && item && item.getAttribute("data-conversation-id") === openId) {
        link.setAttribute("aria-current", "true");
      } else {
        link.removeAttribute("aria-current");
      }
    });
  }

  // ---- the compose modal
  function openDialogs(root) {
    (root || document).querySelectorAll("dialog.modal:not([open])").forEach(function (dialog) {
      dialog.showModal();
      var first = dialog.querySelector("input[type=search], input:not([type=hidden]), textarea");
      if (first) first.focus();
      dialog.addEventListener("close", function () { dialog.remove(); });
    });
  }
  function closeDialogs() {
    document.querySelectorAll("dialog.modal[open]").forEach(function (dialog) { dialog.close(); });
  }

  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-dialog]");
    if (closer && closer.closest("dialog")) {
      event.preventDefault();
      closer.closest("dialog").close();
    }
  });

  // Enter in a compose field other than the people search sends the form, as people expect;
  // without this the form's first submit button, the recipient "Search", would take it.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !event.target.matches("#compose-form input:not([type=search])")) return;
    var send = event.target.form.querySelector("button[value='send']");
    if (!send) return;
    event.preventDefault();
    event.target.form.requestSubmit(send);
  });

  // ---- selects that act at once (the vendor switcher)
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]")) event.target.form.requestSubmit();
  });

  function scrollThreadToEnd() {
    var messages = document.getElementById("thread-messages");
    if (messages) messages.scrollTop = messages.scrollHeight;
  }

  document.addEventListener("DOMContentLoaded", function () {
    scrollThreadToEnd();
    refreshTimes();
    markCurrentConversation();
    setInterval(refreshTimes, 30000);
  });

  // The list refreshes itself; a keyboard user on one of its links keeps their place.
  var focusedConversation = null;
  var threadWasAtEnd = true;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    focusedConversation = null;
    if (target && target.id === "conversation-list" && target.contains(document.activeElement)) {
      var item = document.activeElement.closest("[data-conversation-id]");
      focusedConversation = item && item.getAttribute("data-conversation-id");
    }
  });
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var messages = event.detail.target;
    if (messages && messages.id === "thread-messages") {
      // Follow new messages only when the reader was at the end, not while they read older ones.
      threadWasAtEnd = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 80;
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (focusedConversation) {
      var link = document.querySelector('[data-conversation-id="' + focusedConversation + '"] [data-conversation-link]');
      if (link) link.focus({ preventScroll: true });
      focusedConversation = null;
    }
    // A boosted navigation swapped the whole body: do what a page load does.
    if (event.detail.boosted) scrollThreadToEnd();
    refreshTimes(event.detail.target.parentNode || document);
    markCurrentConversation();
    openDialogs(event.detail.target);
  });
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    refreshTimes(event.detail.target);
    var messages = document.getElementById("thread-messages");
    if (messages && event.detail.target === messages && threadWasAtEnd) scrollThreadToEnd();
  });
  document.addEventListener("compose-done", closeDialogs);

  // ---- refusals without a form to show them in, and lost connections: one alert bar.
  var alertTimer = null;
  function showAlert(text) {
    var bar = document.getElementById("page-alert");
    if (!bar) return;
    bar.textContent = text;
    bar.hidden = false;
    clearTimeout(alertTimer);
    alertTimer = setTimeout(function () { bar.hidden = true; }, 8000);
  }
  document.addEventListener("page-error", function (event) {
    showAlert((event.detail && event.detail.message) || "That did not work. Reload the page and try again.");
  });
  document.addEventListener("htmx:sendError", function () {
    showAlert("Could not reach the server. Check your connection; the page keeps trying.");
  });

  // After our own reply the form comes back empty: keep the focus where the user was typing.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (target && target.id === "reply-form") {
      var textarea = document.getElementById("reply-content");
      if (textarea) textarea.focus();
    }
    if (target && target.id === "thread-panel") {
      scrollThreadToEnd();
      // A conversation opened from the list: move focus to it, as a page load would.
      if (event.detail.elt && event.detail.elt.matches("[data-conversation-link]")) {
        var heading = document.getElementById("thread-subject");
        if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus({ preventScroll: true }); }
      }
    }
  });
})();
