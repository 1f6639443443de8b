// msp-docs: small improvements to pages that work without this script.
(function () {
  "use strict";

  // Error summary: take the focus, and move it to the field when a link is followed.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) return;
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return;
      event.preventDefault();
      var input = target.matches("input, select, textarea") ? target : target.querySelector("input:not([type=hidden]), select, textarea");
      var focusable = input || target;
      focusable.focus();
      var label = input && input.id ? document.querySelector("label[for='" + input.id + "']") : null;
      (label || target).scrollIntoView({ block: "start" });
      history.replaceState(null, "", "#" + target.id);
    });
  }

  // After adding a row to a repeating group, put the focus in the new row.
  var form = document.querySelector("form[data-focus]");
  if (form && !summary) {
    var row = document.getElementById(form.getAttribute("data-focus"));
    if (row) {
      var first = row.querySelector("input:not([type=hidden]), select, textarea") || row;
      first.focus();
      row.scrollIntoView({ block: "start" });
    }
  }

  // One press of a submit button: say that work is under way and do not send the form twice.
  Array.prototype.forEach.call(document.querySelectorAll("form[data-busy-text]"), function (busyForm) {
    busyForm.addEventListener("submit", function (event) {
      if (busyForm.getAttribute("data-sent")) { event.preventDefault(); return; }
      busyForm.setAttribute("data-sent", "1");
      var button = event.submitter || busyForm.querySelector("button[type=submit]");
      if (button) {
        button.setAttribute("aria-disabled", "true");
        button.textContent = busyForm.getAttribute("data-busy-text");
      }
    });
  });

  // Drag and drop onto the file input's zone; list the files chosen.
  Array.prototype.forEach.call(document.querySelectorAll("[data-drop-zone]"), function (zone) {
    var input = zone.querySelector("input[type=file]");
    var chosen = zone.querySelector("[data-chosen]");
    function show() {
      if (!chosen) return;
      var names = Array.prototype.map.call(input.files, function (f) { return f.name; });
      chosen.textContent = names.length ? names.length + " chosen: " + names.join(", ") : "";
    }
    input.addEventListener("change", show);
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("dragging"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        show();
      }
    });
  });

  // Progress of long work: ask the server every second and show the result when it is ready.
  var progress = document.querySelector("[data-job-status]");
  if (progress && window.fetch) {
    var text = document.getElementById("progress-text");
    var bar = progress.querySelector("progress");
    var poll = function () {
      fetch(progress.getAttribute("data-job-status"), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (job) {
          if (job.state !== "running") { window.location.replace(job.url); return; }
          bar.max = job.total || 1;
          bar.value = job.done;
          text.textContent = job.done + " of " + job.total + " " + (progress.getAttribute("data-what") || "") + " done. This page updates by itself.";
          setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 700);
  }
})();
