// Write page: while the citizen types the title or the message, ask the site's knowledge base for
// similar published answers (debounced). Without JavaScript the links in the box still work.
(function () {
  "use strict";
  var box = document.getElementById("kb-similar");
  if (!box || !window.fetch) { return; }
  var results = box.querySelector(".kb-similar-results");
  var title = document.getElementById("id_title");
  var body = document.getElementById("id_body");
  var timer = null;
  var last = "";
  var seq = 0;

  function ask() {
    var t = title ? title.value.trim() : "";
    var q = body ? body.value.trim() : "";
    var key = t + "\u0000" + q.slice(0, 400);
    if (key === last || (t + q).length < 4) { return; }
    last = key;
    var mine = ++seq;
    var url = box.getAttribute("data-url") + "?title=" + encodeURIComponent(t) + "&q=" + encodeURIComponent(q.slice(0, 1000));
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.text(); })
      .then(function (html) { if (mine === seq) { results.innerHTML = html; } })
      .catch(function () { /* suggestions are optional: the form works without them */ });
  }

  function later() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(ask, 700);
  }

  [title, body].forEach(function (el) { if (el) { el.addEventListener("input", later); } });
})();
