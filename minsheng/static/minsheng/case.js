// Staff case page: choosing a reply template fills the reply editor.
// The server has already filled the placeholders; each template's text sits in a read-only textarea
// (#reply-template-<id>), which is also what people without JavaScript copy from.
(function () {
  "use strict";
  var picker = document.getElementById("reply-template-picker");
  var select = document.getElementById("reply-template");
  var editor = document.querySelector("#act-reply textarea[name=body]");
  if (!picker || !select || !editor) {
    return;
  }
  picker.hidden = false;
  select.addEventListener("change", function () {
    var source = document.getElementById("reply-template-" + select.value);
    if (!source) {
      return;
    }
    var current = editor.value.trim();
    if (current && current !== source.value.trim() && !window.confirm(select.getAttribute("data-confirm"))) {
      select.value = "";
      return;
    }
    editor.value = source.value;
    editor.focus();
    editor.setSelectionRange(0, 0);
    editor.scrollTop = 0;
  });
})();
