// Refreshes the "similar proposals" warning while a locality types its proposal.
(function () {
  var box = document.getElementById("similar-warning");
  if (!box || !box.dataset.url) return;
  var form = box.closest("form") || document.querySelector("main form[method=post]");
  var title = document.getElementById("id_title");
  var content = document.getElementById("id_content");
  if (!form || !title || !content) return;
  var timer = null;
  var last = "";
  function refresh() {
    var key = title.value + "\n" + content.value;
    if (key === last) return;
    last = key;
    var data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    data.append("title", title.value);
    data.append("content", content.value);
    data.append("cycle", box.dataset.cycle || "");
    data.append("proposal", box.dataset.proposal || "");
    fetch(box.dataset.url, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) document.getElementById("similar-warning-body").innerHTML = html; })
      .catch(function () {});
  }
  function later() { clearTimeout(timer); timer = setTimeout(refresh, 800); }
  title.addEventListener("input", later);
  content.addEventListener("input", later);
})();
