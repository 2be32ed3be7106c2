// pace dashboards: apply a filter as soon as it changes (the form also works without this script).
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form.filters");
  if (!form) return;
  form.querySelectorAll("select").forEach(function (el) {
    el.addEventListener("change", function () {
      if (el.name === "range") {
        form.querySelectorAll("input[type=date]").forEach(function (d) { d.value = ""; d.disabled = true; });
      }
      form.submit();
    });
  });
  form.addEventListener("submit", function () {
    // Leave empty fields out of the URL so bookmarks stay short.
    form.querySelectorAll("select, input").forEach(function (el) { if (!el.value) el.disabled = true; });
  });
});
