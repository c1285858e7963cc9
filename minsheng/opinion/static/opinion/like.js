// "Me too" without leaving the page. Without JavaScript the form posts and the server redirects back.
(function () {
  "use strict";
  document.querySelectorAll("form.like-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.fetch) { return; }
      event.preventDefault();
      var button = form.querySelector("button");
      button.disabled = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { "Accept": "application/json" },
        credentials: "same-origin"
      }).then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      }).then(function (result) {
        var count = form.querySelector(".like-count");
        var status = form.querySelector(".like-status");
        if (result.ok && result.data.ok) {
          count.textContent = result.data.count;
          form.classList.add("liked");
          status.textContent = form.dataset.thanks;
        } else {
          button.disabled = false;
          status.textContent = (result.data && result.data.error) || form.dataset.failed;
        }
      }).catch(function () {
        form.submit();  // the network failed: fall back to the plain form post
      });
    });
  });
})();
