// Small enhancements on top of htmx. Every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // ---- relative times: the server renders the exact UTC time; say it as "5 min ago" in the
  // reader's language, with local time on hover.
  var relativeFormat = window.Intl && Intl.RelativeTimeFormat
    ? new Intl.RelativeTimeFormat(undefined, { numeric: "auto", style: "short" }) : null;
  function relative(date) {
    var seconds = Math.round((Date.now() - date.getTime()) / 1000);
    var minutes = Math.round(seconds / 60), hours = Math.round(seconds / 3600), days = Math.round(seconds / 86400);
    if (seconds < 45) return relativeFormat.format(0, "second");
    if (minutes < 60) return relativeFormat.format(-minutes, "minute");
    if (hours < 24) return relativeFormat.format(-hours, "hour");
    if (days < 7) return relativeFormat.format(-days, "day");
    return date.toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
  }
  function refreshTimes(root) {
    (root || document).querySelectorAll("time[data-relative]").forEach(function (element) {
      var date = new Date(element.getAttribute("datetime"));
      if (isNaN(date) || !relativeFormat) return;
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

  // ---- where a thread opens: at its "New" divider, else at its newest message (reply box in view).
  // On desktop the message list scrolls inside the panel; on a phone (and the shop page) the page scrolls.
  function listScrolls(list) {
    var overflow = getComputedStyle(list).overflowY;
    return (overflow === "auto" || overflow === "scroll") && list.scrollHeight > list.clientHeight + 1;
  }
  function stickyHeaderHeight() {
    var bar = document.querySelector(".topbar");
    return bar && getComputedStyle(bar).position === "sticky" ? bar.offsetHeight : 0;
  }
  var pendingAnchor = null;  // "#message-12" of a search result opened with htmx
  function revealThreadOpening() {
    var list = document.getElementById("thread-messages");
    if (!list) return;
    var anchor = pendingAnchor || window.location.hash;
    pendingAnchor = null;
    var named = anchor && anchor.length > 1 ? document.getElementById(anchor.slice(1)) : null;
    if (named && !list.contains(named)) named = null;
    if (named && named.classList.contains("message")) named.classList.add("message--found");
    var divider = named && named.id !== "latest" ? named : document.getElementById("first-unread");
    if (listScrolls(list)) {
      list.scrollTop = divider
        ? list.scrollTop + divider.getBoundingClientRect().top - list.getBoundingClientRect().top - 8
        : list.scrollHeight;
    } else if (divider) {
      window.scrollTo(0, window.scrollY + divider.getBoundingClientRect().top - stickyHeaderHeight() - 12);
    } else {
      scrollPageToLatest();
    }
    updateJumpToLatest();
  }
  function scrollPageToLatest() {
    var end = document.getElementById("reply-form") || document.querySelector(".closed-notice") ||
      document.getElementById("latest");
    if (end) window.scrollTo(0, window.scrollY + end.getBoundingClientRect().bottom - window.innerHeight + 16);
  }
  function scrollToLatest() {
    var list = document.getElementById("thread-messages");
    if (!list) return;
    if (listScrolls(list)) list.scrollTop = list.scrollHeight; else scrollPageToLatest();
  }

  // ---- "Jump to latest": shown while reading older messages; counts what arrived below meanwhile.
  var arrivedBelow = 0;
  function threadAtEnd(list) {
    if (listScrolls(list)) return list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    var latest = document.getElementById("latest");
    return !latest || latest.getBoundingClientRect().top < window.innerHeight + 40;
  }
  function updateJumpToLatest() {
    var list = document.getElementById("thread-messages");
    var jump = document.querySelector("[data-jump-latest]");
    if (!list || !jump) return;
    var atEnd = threadAtEnd(list);
    if (atEnd) arrivedBelow = 0;
    jump.hidden = atEnd;
    jump.classList.toggle("jump-latest--news", arrivedBelow > 0);
    jump.querySelector("[data-jump-label]").textContent = arrivedBelow
      ? arrivedBelow + (arrivedBelow === 1 ? " new message" : " new messages") + " below"
      : "Jump to latest";
  }
  var jumpFrame = null;
  document.addEventListener("scroll", function () {
    if (jumpFrame) return;
    jumpFrame = requestAnimationFrame(function () { jumpFrame = null; updateJumpToLatest(); });
  }, true);
  window.addEventListener("resize", updateJumpToLatest);
  document.addEventListener("click", function (event) {
    var jump = event.target.closest("[data-jump-latest]");
    if (!jump) return;
    event.preventDefault();
    arrivedBelow = 0;
    scrollToLatest();
    var list = document.getElementById("thread-messages");
    if (list) list.focus({ preventScroll: true });
    updateJumpToLatest();
  });

  // ---- the message list after something was added to it: the end marker stays last, a day is named once.
  function tidyMessages(list) {
    var latest = document.getElementById("latest");
    if (latest && latest.parentNode === list && latest !== list.lastElementChild) list.appendChild(latest);
    var lastDay = null;
    list.querySelectorAll(".divider--day").forEach(function (divider) {
      var day = divider.getAttribute("data-day");
      if (day === lastDay) divider.remove(); else lastDay = day;
    });
  }

  // ---- drafts: kept per conversation (and person) in localStorage until sent.
  function draftKey(form) { return "draft:" + form.getAttribute("data-draft-key"); }
  function storage() { try { return window.localStorage; } catch (error) { return null; } }
  function restoreDrafts(root) {
    var store = storage();
    if (!store) return;
    (root || document).querySelectorAll("form[data-draft-key]").forEach(function (form) {
      var textarea = form.querySelector("textarea");
      var saved = store.getItem(draftKey(form));
      if (textarea && !textarea.value && saved) textarea.value = saved;
    });
  }
  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("form[data-draft-key]");
    var store = storage();
    if (!form || !store || event.target.tagName !== "TEXTAREA") return;
    if (event.target.value) store.setItem(draftKey(form), event.target.value);
    else store.removeItem(draftKey(form));
  });
  function formIsDirty(form) {
    if (!form) return false;
    var textarea = form.querySelector("textarea");
    var files = form.querySelector("input[type=file]");
    return Boolean((textarea && textarea.value.trim()) || (files && files.files.length));
  }

  // A refresh of the thread panel (a colleague closed and reopened it) must not take a half-written
  // reply: the form being written is carried over into the new panel. A refused send keeps its files.
  var carriedForm = null, carriedFocus = false, carriedFiles = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    var form = document.getElementById("reply-form");
    if (target && target.id === "thread-panel" && elt && elt.id === "thread-poller" && formIsDirty(form)) {
      carriedForm = form;
      carriedFocus = form.contains(document.activeElement);
    }
    if (target && target.id === "reply-form") {
      var status = event.detail.xhr.status;
      var store = storage();
      if (status >= 200 && status < 300 && store) store.removeItem(draftKey(target));
      var input = target.querySelector("input[type=file]");
      carriedFiles = status >= 400 && input && input.files.length ? input.files : null;
    }
  });
  function carryOver() {
    var fresh = document.getElementById("reply-form");
    if (carriedForm && fresh && fresh !== carriedForm &&
        fresh.getAttribute("action") === carriedForm.getAttribute("action")) {
      var active = carriedFocus;
      fresh.replaceWith(carriedForm);
      if (active) carriedForm.querySelector("textarea").focus({ preventScroll: true });
    }
    carriedForm = null;
    if (carriedFiles && fresh) {
      var input = fresh.querySelector("input[type=file]");
      if (input) { input.files = carriedFiles; input.dispatchEvent(new Event("change", { bubbles: true })); }
    }
    carriedFiles = null;
  }

  // A poll of the thread can be answered after its panel was replaced (closed or reopened here while
  // the poll was under way). Its poller is no longer on the page and the new panel polls for itself,
  // so the answer is dropped: htmx would otherwise look for its re-target (#thread-panel) around the
  // detached poller, fail and throw. Listened to on the poller itself, as events of a detached element
  // never reach the document.
  function dropWhenReplaced(event) {
    if (!event.currentTarget.isConnected) event.preventDefault();
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.id === "thread-poller") elt.addEventListener("htmx:beforeOnLoad", dropWhenReplaced);
  });

  // ---- "Earlier messages": older messages go in above without moving what the reader was looking at.
  var distanceFromEnd = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var link = event.detail.elt;
    if (link && link.matches && link.matches("[data-conversation-link]")) pendingAnchor = link.hash || null;
    if (event.detail.target && event.detail.target.id === "earlier-messages") {
      var list = document.getElementById("thread-messages");
      distanceFromEnd = listScrolls(list)
        ? { list: true, value: list.scrollHeight - list.scrollTop }
        : { list: false, value: document.documentElement.scrollHeight - window.scrollY };
    }
  });
  function afterEarlierMessages() {
    var list = document.getElementById("thread-messages");
    if (!list || !distanceFromEnd) return;
    tidyMessages(list);
    if (distanceFromEnd.list) list.scrollTop = list.scrollHeight - distanceFromEnd.value;
    else window.scrollTo(0, document.documentElement.scrollHeight - distanceFromEnd.value);
    distanceFromEnd = null;
    var next = document.querySelector("#earlier-messages a");
    (next || list).focus({ preventScroll: true });
    refreshTimes(list);
  }

  document.addEventListener("DOMContentLoaded", function () {
    revealThreadOpening();
    restoreDrafts();
    refreshTimes();
    markCurrentConversation();
    setInterval(refreshTimes, 30000);
    titleFromBadge();
  });

  // The list refreshes itself; a keyboard user on one of its links keeps their place.
  var focusedConversation = null;
  var threadWasAtEnd = true, messagesBeforeArrival = 0;
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
      threadWasAtEnd = threadAtEnd(messages);
      messagesBeforeArrival = messages.querySelectorAll(".message").length;
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (focusedConversation) {
      var link = document.querySelector('[data-conversation-id="' + focusedConversation + '"] [data-conversation-link]');
      if (link) link.focus({ preventScroll: true });
      focusedConversation = null;
    }
    // A boosted navigation swapped the whole body: do what a page load does.
    if (event.detail.boosted) { revealThreadOpening(); restoreDrafts(); }
    refreshTimes(event.detail.target.parentNode || document);
    markCurrentConversation();
    openDialogs(event.detail.target);
  });
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    refreshTimes(event.detail.target);
    var messages = document.getElementById("thread-messages");
    if (messages && event.detail.target === messages) {
      tidyMessages(messages);
      if (threadWasAtEnd) scrollToLatest();
      else arrivedBelow += messages.querySelectorAll(".message").length - messagesBeforeArrival;
      updateJumpToLatest();
    }
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

  // ---- a request a person made that failed (5xx, no network, timeout): say so where they acted, offer a retry.
  // Refreshes that poll stay quiet and keep trying; the alert bar tells about a lost connection.
  var PERSON_EVENTS = ["submit", "click", "change", "input", "search", "keyup"];
  function madeByPerson(detail) {
    var cause = detail.requestConfig && detail.requestConfig.triggeringEvent;
    return Boolean(cause && PERSON_EVENTS.indexOf(cause.type) !== -1);
  }
  function failurePlace(elt) {
    return elt.closest("form") || elt.closest("li") || elt;
  }
  function clearFailure(elt) {
    var place = failurePlace(elt);
    var box = place.querySelector(":scope > .request-failed") ||
      (place.nextElementSibling && place.nextElementSibling.matches(".request-failed") ? place.nextElementSibling : null);
    if (box) box.remove();
  }
  function showFailure(elt, text) {
    clearFailure(elt);
    var box = document.createElement("div");
    box.className = "request-failed";
    box.setAttribute("role", "alert");
    var message = document.createElement("span");
    message.textContent = text;
    var retry = document.createElement("button");
    retry.type = "button";
    retry.className = "button button--small button--secondary";
    retry.textContent = "Try again";
    retry.addEventListener("click", function () {
      box.remove();
      if (elt.tagName === "FORM") elt.requestSubmit();
      else if (elt.form && elt.tagName !== "BUTTON") elt.form.requestSubmit();
      else elt.click();
    });
    box.appendChild(message);
    box.appendChild(document.createTextNode(" "));
    box.appendChild(retry);
    var place = failurePlace(elt);
    if (place.tagName === "FORM" || place.tagName === "LI") place.prepend(box);
    else place.insertAdjacentElement("afterend", box);
  }
  function failed(event, text) {
    var elt = event.detail.elt;
    if (elt && elt.isConnected && madeByPerson(event.detail)) showFailure(elt, text);
    else showAlert(text + " The page keeps trying.");
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt && madeByPerson(event.detail)) clearFailure(event.detail.elt);
  });
  document.addEventListener("htmx:responseError", function (event) {
    if (event.detail.xhr.status >= 500) {
      failed(event, "That did not work: the server had a problem (error " + event.detail.xhr.status + ").");
    }
  });
  document.addEventListener("htmx:sendError", function (event) {
    failed(event, "Could not reach the server. Check your connection.");
  });
  document.addEventListener("htmx:timeout", function (event) {
    failed(event, "The server took too long to answer.");
  });

  // ---- files: refused in the browser when over the limit, listed by name and size, each removable.
  function readableSize(bytes) {
    if (bytes < 1024) return bytes + " B";
    var units = ["KB", "MB", "GB"], size = bytes, unit = "B";
    for (var i = 0; i < units.length && size >= 1024; i++) { size /= 1024; unit = units[i]; }
    return (size < 10 ? size.toFixed(1) : Math.round(size)) + " " + unit;
  }
  function setFiles(input, files) {
    var transfer = new DataTransfer();
    files.forEach(function (file) { transfer.items.add(file); });
    input.files = transfer.files;
  }
  function filesPanel(input) {
    var panel = input.parentNode.querySelector("[data-picked-files]");
    if (!panel) {
      panel = document.createElement("div");
      panel.setAttribute("data-picked-files", "");
      panel.className = "picked-files";
      input.insertAdjacentElement("afterend", panel);
    }
    return panel;
  }
  function showPickedFiles(input, refusals) {
    var panel = filesPanel(input);
    panel.textContent = "";
    refusals.forEach(function (text) {
      var error = document.createElement("p");
      error.className = "field-error";
      error.setAttribute("role", "alert");
      error.textContent = text;
      panel.appendChild(error);
    });
    var files = Array.prototype.slice.call(input.files);
    if (!files.length) return;
    var list = document.createElement("ul");
    list.className = "picked-files__list";
    list.setAttribute("aria-label", "Files to send");
    files.forEach(function (file, index) {
      var item = document.createElement("li");
      var name = document.createElement("span");
      name.className = "picked-files__name";
      name.textContent = file.name;
      var size = document.createElement("span");
      size.className = "picked-files__size";
      size.textContent = readableSize(file.size);
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "icon-button icon-button--small";
      remove.setAttribute("aria-label", "Remove " + file.name);
      remove.textContent = "×";
      remove.addEventListener("click", function () {
        var kept = Array.prototype.slice.call(input.files).filter(function (_, i) { return i !== index; });
        setFiles(input, kept);
        showPickedFiles(input, []);
        var next = panel.querySelector("button") || input;
        next.focus();
      });
      item.appendChild(name);
      item.appendChild(size);
      item.appendChild(remove);
      list.appendChild(item);
    });
    panel.appendChild(list);
  }
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-max-bytes]")) return;
    var limit = parseInt(input.getAttribute("data-max-bytes"), 10);
    var most = parseInt(input.getAttribute("data-max-files"), 10) || Infinity;
    var refusals = [];
    var kept = Array.prototype.slice.call(input.files).filter(function (file) {
      if (file.size <= limit) return true;
      refusals.push(file.name + " is " + readableSize(file.size) + "; files can be at most " + readableSize(limit) + ".");
      return false;
    });
    if (kept.length > most) {
      refusals.push("At most " + most + " files at once; the first " + most + " are kept.");
      kept = kept.slice(0, most);
    }
    if (kept.length !== input.files.length) setFiles(input, kept);
    showPickedFiles(input, refusals);
  });

  // ---- keyboard: Ctrl/Cmd+Enter sends; j/k open the next/previous conversation; arrows move in the list.
  function typingIn(element) {
    return element && (element.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName));
  }
  function conversationLinks() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-conversation-link]"));
  }
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented) return;  // e.g. Enter in a compose field, already sent above
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.closest &&
        event.target.closest("#reply-form, #compose-form")) {
      var form = event.target.closest("form");
      var send = form.querySelector("button[value='send']") || form.querySelector("button[type=submit]");
      event.preventDefault();
      form.requestSubmit(send || undefined);
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || document.querySelector("dialog[open]")) return;
    var links = conversationLinks();
    if (!links.length) return;
    var inList = event.target.matches && event.target.matches("[data-conversation-link]");
    if (inList && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      var here = links.indexOf(event.target);
      var there = links[here + (event.key === "ArrowDown" ? 1 : -1)];
      if (there) { event.preventDefault(); there.focus(); }
      return;
    }
    if ((event.key === "j" || event.key === "k") && !typingIn(event.target)) {
      var current = inList ? links.indexOf(event.target)
        : links.findIndex(function (link) { return link.getAttribute("aria-current") === "true"; });
      var step = event.key === "j" ? 1 : -1;
      var target = links[current === -1 ? 0 : current + step];
      if (!target) return;
      event.preventDefault();
      target.focus();
      target.click();
    }
  });

  // ---- an image attachment opens large in a dialog (without this file, in the browser itself).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-image-dialog]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    var name = link.querySelector(".attachment__name");
    var dialog = document.createElement("dialog");
    dialog.className = "image-viewer";
    dialog.setAttribute("aria-label", name ? name.textContent : "Image");
    var head = document.createElement("div");
    head.className = "image-viewer__head";
    var title = document.createElement("span");
    title.className = "image-viewer__name";
    title.textContent = name ? name.textContent : "";
    var download = document.createElement("a");
    download.href = link.getAttribute("data-download");
    download.setAttribute("download", "");
    download.className = "button button--small button--secondary";
    download.textContent = "Download";
    var close = document.createElement("button");
    close.type = "button";
    close.className = "icon-button";
    close.setAttribute("aria-label", "Close");
    close.textContent = "×";
    close.addEventListener("click", function () { dialog.close(); });
    head.appendChild(title);
    head.appendChild(download);
    head.appendChild(close);
    var image = document.createElement("img");
    image.className = "image-viewer__image";
    image.src = link.getAttribute("href");
    image.alt = name ? name.textContent : "";
    dialog.appendChild(head);
    dialog.appendChild(image);
    // A click on the backdrop (the dialog itself, outside its content) closes it too.
    dialog.addEventListener("click", function (click) { if (click.target === dialog) dialog.close(); });
    dialog.addEventListener("close", function () { dialog.remove(); link.focus(); });
    document.body.appendChild(dialog);
    dialog.showModal();
    close.focus();
  });

  // ---- the tab title carries the unread count, kept in step with the header badge.
  function titleFromBadge() {
    var badge = document.getElementById("unread-badge");
    if (!badge) return;
    var count = parseInt(badge.getAttribute("data-count"), 10) || 0;
    var title = document.title.replace(/^\(\d+\) /, "");
    document.title = count ? "(" + count + ") " + title : title;
    // The dashboard's Messages card says the same as the badge, also after the badge refreshed.
    document.querySelectorAll(".card__badge[data-unread]").forEach(function (card) {
      card.setAttribute("data-unread", count);
      card.textContent = count ? count + " unread" : "All read";
      card.classList.toggle("card__badge--none", !count);
    });
  }
  document.addEventListener("htmx:afterSettle", titleFromBadge);

  // After our own reply the form comes back empty: keep the focus where the user was typing.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (target && target.id === "reply-form") {
      carryOver();
      var textarea = document.getElementById("reply-content");
      if (textarea) textarea.focus();
    }
    if (target && target.id === "earlier-messages") afterEarlierMessages();
    if (target && target.id === "thread-panel") {
      carryOver();
      restoreDrafts();
      // A refresh by the poller keeps the reader's place; an opened conversation starts at what is new.
      var source = (event.detail.requestConfig && event.detail.requestConfig.elt) || document.body;
      if (source.id !== "thread-poller") revealThreadOpening();
      // Closed or reopened here: focus the button that undoes it, not the page's body.
      if (source.closest && source.closest(".status-action")) {
        var undo = document.querySelector("#thread-panel .status-action button");
        if (undo) undo.focus();
      }
      // A conversation opened from the list: move focus to it, as a page load would.
      if (source.matches("[data-conversation-link]")) {
        var heading = document.getElementById("thread-subject");
        if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus({ preventScroll: true }); }
      }
    }
  });
})();
